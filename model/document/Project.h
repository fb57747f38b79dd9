#pragma once

#include "document/GraphTypes.h"

#include <QObject>
#include <QSet>

#include <optional>

namespace mc {

/// The outcome of an edit that may not be possible: ok, or a sentence saying why not.
struct EditResult
{
    bool ok = true;
    QString reason;

    static EditResult success() { return {}; }
    static EditResult failure(const QString &why) { return {false, why}; }
    explicit operator bool() const { return ok; }
};

/// The graph document: the root model and the user module types, edited only
/// through the methods below. Every edit checks itself and returns a reason
/// instead of throwing; every change is signalled, so views observe the
/// document without polling. Problems that a valid edit can still leave (a size
/// mismatch, an unconnected input) are not refused: Analysis reports them.
class Project : public QObject
{
    Q_OBJECT
public:
    explicit Project(QObject *parent = nullptr);

    /// The whole document, as a value.
    const ProjectData &data() const { return m_data; }
    /// Replaces the whole document (open, new, undo of large edits). Emits reset().
    void setData(const ProjectData &data);

    QString rootType() const { return m_data.root; }
    EditResult setRootType(const QString &name);
    const QList<ModuleType> &types() const { return m_data.types; }
    QStringList typeNames() const;
    const ModuleType *type(const QString &name) const { return m_data.type(name); }

    QJsonObject training() const { return m_data.training; }
    void setTraining(const QJsonObject &training);

    // --- module types -------------------------------------------------------
    EditResult addType(const ModuleType &type);
    /// Removes a type that no instance uses and that is not the root.
    EditResult removeType(const QString &name);
    /// Renames a type and every reference to it.
    EditResult renameType(const QString &from, const QString &to);
    /// Replaces a type's whole content (its name stays); used by undo snapshots.
    EditResult replaceType(const ModuleType &type);
    EditResult setArguments(const QString &type, const QList<Argument> &arguments);
    EditResult setDescription(const QString &type, const QString &description);

    // --- nodes ----------------------------------------------------------------
    /// Adds a new instance and a node that calls it; returns the node id.
    std::optional<int> addCall(const QString &type, const Instance &instance, QPointF pos,
                               QString *why = nullptr);
    /// Adds another call of an existing instance (a shared instance).
    std::optional<int> addSharedCall(const QString &type, const QString &instance, QPointF pos,
                                     QString *why = nullptr);
    /// Adds an Input or Output node, i.e. a port of the module type.
    std::optional<int> addPort(const QString &type, NodeKind kind, const QString &name, QPointF pos,
                               ShapeDecl shape = {}, QString *why = nullptr);
    /// Removes a node and its wires; the instance goes with its last call.
    EditResult removeNode(const QString &type, int node);
    EditResult moveNode(const QString &type, int node, QPointF pos);
    EditResult renamePort(const QString &type, int node, const QString &name);
    /// Declares the shape of an Input node (empty: not declared).
    EditResult setPortShape(const QString &type, int node, const ShapeDecl &shape);

    // --- wires ----------------------------------------------------------------
    /// Whether a wire could be added, without adding it (editors ask while dragging).
    EditResult canAddWire(const QString &type, const Wire &wire) const;
    EditResult addWire(const QString &type, const Wire &wire);
    EditResult removeWire(const QString &type, const Wire &wire);

    // --- instances --------------------------------------------------------------
    EditResult renameInstance(const QString &type, const QString &from, const QString &to);
    EditResult setOption(const QString &type, const QString &instance, const QString &key,
                         const OptionValue &value);
    EditResult removeOption(const QString &type, const QString &instance, const QString &key);
    EditResult setFrozen(const QString &type, const QString &instance, bool frozen);
    EditResult setStackRows(const QString &type, const QString &instance,
                            const QList<OptionMap> &rows);

    // --- helpers ----------------------------------------------------------------
    /// Number of input and output ports of a node (from its instance's type).
    QPair<int, int> portCounts(const QString &type, int node) const;
    /// Input (or output) port names of a node.
    QStringList portNames(const QString &type, int node, bool inputs) const;
    /// A free instance name in `type` from a base: `fc` → `fc1`, `fc2`, …
    QString uniqueInstanceName(const QString &type, const QString &base) const;
    /// Whether `name` may name an instance, port or argument (a Python identifier,
    /// not a keyword, not a reserved attribute); otherwise the reason.
    static EditResult checkIdentifier(const QString &name, const QString &what);
    /// Whether `shape` may be declared on an Input of `type`.
    static EditResult checkShape(const ModuleType &type, const ShapeDecl &shape);
    /// Python's keywords: no name the export writes may be one of them.
    static const QSet<QString> &pythonKeywords();
    /// Whether module type `outer` uses `inner`, directly or deeper.
    bool typeUses(const QString &outer, const QString &inner) const;

Q_SIGNALS:
    void reset();
    void rootChanged(const QString &root);
    void trainingChanged();
    void typeAdded(const QString &type);
    void typeRemoved(const QString &type);
    void typeRenamed(const QString &from, const QString &to);
    /// A type's arguments, description or whole content changed.
    void typeChanged(const QString &type);
    void nodeAdded(const QString &type, int node);
    void nodeRemoved(const QString &type, int node);
    void nodeMoved(const QString &type, int node, QPointF pos);
    /// A port node's name or shape changed.
    void nodeChanged(const QString &type, int node);
    void wireAdded(const QString &type, const Wire &wire);
    void wireRemoved(const QString &type, const Wire &wire);
    void instanceAdded(const QString &type, const QString &instance);
    void instanceRemoved(const QString &type, const QString &instance);
    void instanceRenamed(const QString &type, const QString &from, const QString &to);
    /// Options, frozen flag or stack rows of an instance changed.
    void instanceChanged(const QString &type, const QString &instance);
    /// After every change of any kind.
    void changed();

private:
    ModuleType *mutableType(const QString &name, EditResult *result);
    EditResult checkNewInstance(const ModuleType &parent, const Instance &instance) const;
    bool wouldCycle(const ModuleType &t, const Wire &wire) const;

    ProjectData m_data;
};

} // namespace mc
