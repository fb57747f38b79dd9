#pragma once

#include "AnalysisSnapshot.h"
#include "PaletteEntry.h"
#include "document/Project.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QPointF>
#include <QSet>

#include <functional>
#include <memory>
#include <optional>

class QTimer;
class QUndoStack;

namespace mc {

/// The editor's verbs: every edit a user can make, each as one undoable command
/// on the document. Edits go through Project's checked API and are recorded as
/// before/after snapshots (SnapshotCommand), so undo gives back the exact
/// document whatever the edit was. Views call these methods with ids and names,
/// never with scene items; an edit that is not possible changes nothing and
/// returns the reason.
///
/// The editor also keeps the document's Analysis current: it is recomputed once
/// after a burst of edits (a zero-timer) or on demand by analysis().
class DocumentEditor : public QObject
{
    Q_OBJECT
public:
    /// Commands that merge with the one before them when they share an id.
    enum MergeId {
        MoveMerge = 1,     ///< Consecutive moves of the same nodes.
        TrainingMerge = 2, ///< Consecutive changes of the same training settings.
    };

    /// `project` must outlive the editor.
    explicit DocumentEditor(Project *project, QObject *parent = nullptr);
    ~DocumentEditor() override;

    Project *project() const { return m_project; }
    QUndoStack *undoStack() const { return m_undo; }

    /// Replaces the document and forgets the undo history (New, Open); the
    /// undo stack is clean afterwards.
    void resetDocument(const ProjectData &data);
    /// A new document: a root type `Model` with an input `x` and an output `y`.
    static ProjectData emptyProject();

    /// The analysis of the current document, recomputed first if it is stale.
    /// Moves do not make it stale: its data() may show older node positions.
    std::shared_ptr<const AnalysisSnapshot> analysis();

    // --- adding nodes -------------------------------------------------------
    /// Adds what a palette entry stands for at `pos`; returns the new node id.
    std::optional<int> addEntry(const QString &type, const PaletteEntry &entry, QPointF pos,
                                QString *why = nullptr);
    /// A built-in layer, named from its kind (`fc1`, `relu`, `add`, …).
    std::optional<int> addLayer(const QString &type, const QString &layer, QPointF pos,
                                QString *why = nullptr);
    /// An instance of a module type of the project (`encoder` for `Encoder`).
    std::optional<int> addModule(const QString &type, const QString &moduleType, QPointF pos,
                                 QString *why = nullptr);
    /// Copies a library type into the project (unless an identical one is
    /// there) and adds an instance of it, as one command.
    std::optional<int> addLibraryModule(const QString &type, const QString &libraryType, QPointF pos,
                                        QString *why = nullptr);
    /// A stack of one block of `blockType` (empty: the first type that fits;
    /// the library's Block is copied in when none does).
    std::optional<int> addStack(const QString &type, const QString &blockType, QPointF pos,
                                QString *why = nullptr);
    /// An Input or Output node named `x`, `x1`, … (or `y`, `y1`, …).
    std::optional<int> addPort(const QString &type, NodeKind kind, QPointF pos, QString *why = nullptr);
    /// Another call of the instance that `node` calls (a shared instance).
    std::optional<int> addSharedCall(const QString &type, int node, QPointF pos, QString *why = nullptr);

    // --- wires ----------------------------------------------------------------
    EditResult addWire(const QString &type, const Wire &wire);
    EditResult removeWire(const QString &type, const Wire &wire);
    /// Replaces `from` by `to` as one command (a wire end dragged elsewhere).
    EditResult reconnectWire(const QString &type, const Wire &from, const Wire &to);

    // --- changing nodes and instances -----------------------------------------------
    /// Removes wires, then nodes (an instance goes with its last call).
    EditResult removeItems(const QString &type, const QList<int> &nodes, const QList<Wire> &wires,
                           const QString &text = {});
    /// Moves nodes; consecutive moves of the same nodes merge into one command.
    EditResult moveNodes(const QString &type, const QHash<int, QPointF> &positions);
    /// Renames the instance a call node calls, or an Input/Output node.
    EditResult renameNode(const QString &type, int node, const QString &name);
    EditResult setPortShape(const QString &type, int node, const ShapeDecl &shape);
    /// Sets an option or argument value; nullopt goes back to the default.
    EditResult setOption(const QString &type, const QString &instance, const QString &key,
                         const std::optional<OptionValue> &value);
    EditResult setFrozen(const QString &type, const QString &instance, bool frozen);
    EditResult setStackRows(const QString &type, const QString &instance, const QList<OptionMap> &rows);
    /// Changes the block type of a stack, keeping the row values the new type takes.
    EditResult setStackBlockType(const QString &type, const QString &instance, const QString &blockType);

    // --- module types -------------------------------------------------------------
    /// A new module type with an input `x` and an output `y`; `name` empty: `Module1`, …
    EditResult addType(const QString &name, QString *created = nullptr);
    EditResult removeType(const QString &name);
    EditResult renameType(const QString &from, const QString &to);
    EditResult setArguments(const QString &type, const QList<Argument> &arguments);
    /// Renames an argument and every reference to it: values inside `type`
    /// that use it, and the values instances of `type` give it elsewhere.
    EditResult renameArgument(const QString &type, const QString &from, const QString &to);
    EditResult setDescription(const QString &type, const QString &description);
    EditResult setRootType(const QString &type);

    // --- training settings ----------------------------------------------------------
    /// Replaces the project's `training` object as one command (an edit like
    /// any other: it marks the document modified and is undone with Undo).
    /// Consecutive changes of the same fields merge (typing 2, 20, 200).
    EditResult setTraining(const QJsonObject &training);

    // --- structure ----------------------------------------------------------------
    /// Makes the call nodes `nodes` a new module type `name` (empty: `Module1`, …),
    /// with an input per outside source that feeds the selection and an output
    /// per inside port that feeds the outside, and puts one instance of it in
    /// their place. Returns the new node.
    /// Output ports of the selection that no wire leaves yet become outputs of
    /// the new type too.
    std::optional<int> groupNodes(const QString &type, const QList<int> &nodes, const QString &name = {},
                                  QString *why = nullptr);
    /// What groupNodes will make the new type's outputs, as a sentence, when
    /// some of them are ports not used yet (empty otherwise: nothing to tell).
    QString groupOutputsNote(const QString &type, const QList<int> &nodes) const;
    /// Lays the graph out left to right (GraphLayout) as one command.
    EditResult arrange(const QString &type);

    /// The nodes `nodes` of `type`, their instances, the wires among them and
    /// the module types they use, as project JSON (clipboardMimeType()).
    QByteArray copyNodes(const QString &type, const QList<int> &nodes) const;
    /// Pastes what copyNodes() gave into `type` with its top-left at `at`;
    /// instances and ports are renamed where names are taken, arguments the
    /// target does not have become constants. Returns the new nodes.
    std::optional<QList<int>> paste(const QString &type, const QByteArray &bytes, QPointF at,
                                    QString *why = nullptr);
    static QString clipboardMimeType();

    // --- questions views ask ------------------------------------------------------
    /// The instance name a new instance of `typeName` starts from.
    static QString instanceBaseName(const QString &typeName);
    /// A free module type name from `base` (`Module` → `Module1`, …).
    QString uniqueTypeName(const QString &base) const;
    /// Module types a stack in `type` may hold: one input, one output, no cycle.
    QStringList stackableTypes(const QString &type) const;
    /// The row Stack ▸ Add appends to `instance` (a stack in `type`): the last
    /// row, with the block's input size argument (the one its input's last
    /// dimension names) set to the last block's output size, so that the chain
    /// continues; the last row as it is when the block has no such argument or
    /// that size is not known.
    OptionMap nextStackRow(const QString &type, const QString &instance);
    /// The error a wire `wire` in `type` would cause (a size that does not
    /// fit, said as the analysis says it), with `lifted` taken away first when
    /// the wire is being moved; empty when it would cause none. For showing
    /// while a wire is dragged: it analyses a trial copy, the document does
    /// not change.
    QString wireProblem(const QString &type, const Wire &wire, const std::optional<Wire> &lifted = std::nullopt);
    /// The module type that opening a call node shows (its type, or a stack's
    /// block type); empty for built-in layers and ports.
    QString innerTypeOf(const QString &type, int node) const;
    /// The instance a call node calls, or nullptr.
    const Instance *instanceOf(const QString &type, int node) const;

Q_SIGNALS:
    /// The analysis was recomputed after edits (see analysis()).
    void analysisUpdated();

private:
    /// The ports where a selection meets the rest of its type: the outside
    /// ports that feed it and its own ports that feed the outside or nothing
    /// yet (`unused`), each in the order of their nodes on the canvas.
    struct GroupBoundary
    {
        QList<PortRef> sources;
        QList<PortRef> results;
        QList<PortRef> unused;
    };
    GroupBoundary groupBoundary(const ModuleType &t, const QSet<int> &selected) const;
    /// Moves the new nodes `fresh` of `type` together to the nearest place
    /// where they cover no other node (GraphLayout::clearOffset).
    void placeClear(const QString &type, const QList<int> &fresh);
    std::optional<int> placedClear(const QString &type, std::optional<int> id);
    EditResult perform(const QString &text, const std::function<EditResult()> &edit, int mergeId = -1,
                       const QString &mergeKey = {});
    std::optional<int> performAdd(const QString &text, const std::function<std::optional<int>(QString *)> &add,
                                  QString *why);
    std::optional<int> rawAddModule(const QString &type, const QString &moduleType, QPointF pos, QString *why);
    QString rawImportLibrary(const QString &libraryType, QString *why);
    QString uniquePortName(const QString &type, NodeKind kind, const QString &base) const;
    void scheduleAnalysis();

    Project *m_project;
    QUndoStack *m_undo;
    QTimer *m_analysisTimer;
    std::shared_ptr<const AnalysisSnapshot> m_analysis;
    std::shared_ptr<const AnalysisSnapshot> m_announced; ///< The last one analysisUpdated() told of.
    bool m_stale = true;
    bool m_structural = true; ///< A change since the last analysis that a move alone is not.
};

} // namespace mc
