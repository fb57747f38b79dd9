#pragma once

#include "document/GraphTypes.h"
#include "layers/LayerRegistry.h"
#include "layers/Shape.h"

#include <QHash>
#include <QSet>

#include <memory>
#include <optional>
#include <vector>

namespace mc {

/// A problem in the document, attached to the node it belongs to.
struct Diagnostic
{
    /// How bad it is.
    enum class Severity {
        Error,   ///< The model cannot be built or trained until it is fixed.
        Warning, ///< Worth a look; building still works.
    };
    Severity severity = Severity::Error;
    QString type;              ///< The module type the node is in.
    int node = 0;              ///< The node (0: the type as a whole).
    std::optional<Wire> wire;  ///< The wire at fault, where one is.
    QString message;           ///< A sentence that names both sides.

    bool operator==(const Diagnostic &o) const
    {
        return severity == o.severity && type == o.type && node == o.node && wire == o.wire &&
               message == o.message;
    }
};

size_t qHash(const Diagnostic &d, size_t seed = 0);

struct TypeEval;

/// Shapes of one node's ports as evaluated (unknown where they cannot be told yet).
struct NodeEval
{
    mc::Shapes in;
    mc::Shapes out;
};

/// One instance of a module type evaluated in a context: resolved options,
/// shapes of its first call, parameter counts, and its body for a module type.
struct InstanceEval
{
    QString name;
    QString type;            ///< As in Instance::type.
    QString blockType;       ///< For a stack.
    const mc::LayerDefinition *layer = nullptr; ///< A built-in layer's definition.
    mc::ResolvedOptions options; ///< Built-in: every option, defaults and inferred sizes filled in.
    mc::Shapes in;
    mc::Shapes out;
    qint64 params = 0;       ///< -1 when a size is unknown.
    qint64 trainable = 0;
    qint64 buffers = 0;      ///< Buffer elements (running statistics); -1 when unknown.
    bool frozen = false;     ///< Frozen here or by an enclosing instance.
    QList<int> calls;        ///< Node ids that call it; more than one when shared.
    std::shared_ptr<const TypeEval> body;          ///< A module type instance.
    QList<std::shared_ptr<const TypeEval>> blocks; ///< A stack, in order.
};

/// A module type evaluated with concrete argument values and input sizes.
struct TypeEval
{
    QString type;
    QMap<QString, double> arguments;
    mc::Shapes inputs;  ///< One shape per Input node, in port order.
    mc::Shapes outputs; ///< One shape per Output node, in port order.
    QHash<int, NodeEval> nodes;
    QList<int> order;   ///< Node ids in an order that respects every wire.
    QList<InstanceEval> instances;
    qint64 params = 0;    ///< -1 when a size is unknown.
    qint64 trainable = 0; ///< -1 when a size is unknown.
    qint64 buffers = 0;   ///< -1 when a size is unknown.

    const InstanceEval *instance(const QString &name) const;
};

/// One row of the model summary (ModelSummary in the manner of Lightning).
struct SummaryRow
{
    QString name;  ///< Dotted path: `encoder.fc`, `nested_model.blocks.0`.
    QString type;  ///< `Linear`, `Encoder`, `Stack[Block]`.
    qint64 params = 0;
    qint64 trainable = 0;
    mc::Shapes in;
    mc::Shapes out;
    int depth = 0;
    int calls = 1; ///< Call sites of a shared instance.
};

/// Size inference, diagnostics and parameter counts for a whole project. Cheap
/// enough to run after every edit; evaluations of a module type with the same
/// arguments and sizes are computed once and shared.
///
/// After an edit, pass the analysis of the document before it: every evaluation
/// of a module type whose definition did not change, nor the definition of any
/// type it uses (transitively), is taken over from it with its diagnostics
/// instead of being computed again. The result is the same as a fresh analysis.
/// The Analysis keeps its own (implicitly shared) copy of the project.
class Analysis
{
public:
    explicit Analysis(const ProjectData &project, const Analysis *previous = nullptr);

    const QList<Diagnostic> &diagnostics() const { return m_diagnostics; }
    bool hasErrors() const;
    /// Error messages, one line each, prefixed by type and node.
    QStringList errorLines() const;

    /// The root model evaluated with its default arguments; null if there is no root.
    std::shared_ptr<const TypeEval> root() const { return m_root; }
    /// The evaluation to show while editing `type`: its first use under the
    /// root, or its default arguments when the root does not use it.
    std::shared_ptr<const TypeEval> view(const QString &type) const { return m_views.value(type); }

    qint64 totalParams() const { return m_root ? m_root->params : 0; }
    qint64 trainableParams() const { return m_root ? m_root->trainable : 0; }
    /// Rows for every module instance under the root, depth first; shared instances once.
    QList<SummaryRow> summary() const;
    /// The summary as a text table ending in the four totals lines.
    QString summaryTable() const;
    /// The four totals lines (trainable, non-trainable, total, size in MB); a
    /// count not known yet reads "? (sizes not known yet)".
    QString totalsText() const;

    /// How many evaluations of a module type this analysis computed, and how
    /// many it took over from the previous analysis.
    int evaluatedCount() const { return m_evaluated; }
    int reusedCount() const { return m_reused; }

    /// A value resolved against argument values; nullopt if the argument is missing.
    static std::optional<double> resolve(const OptionValue &value, const QMap<QString, double> &args);

private:
    /// What an evaluation did, in order: a problem it reported, or a nested
    /// evaluation it asked for (by memo key). Replaying it reproduces the
    /// diagnostics of a fresh evaluation in the same order.
    struct Event
    {
        std::optional<Diagnostic> diagnostic;
        QString nested;
    };
    struct Record
    {
        std::shared_ptr<const TypeEval> eval;
        QList<Event> trace;
        int height = 0;         ///< Levels of nesting below it.
        bool truncated = false; ///< It hit the nesting limit, or asked for a type that is missing.
    };
    struct TypeIndex;

    std::shared_ptr<const TypeEval> evaluate(const QString &type, const QMap<QString, double> &args,
                                             const mc::Shapes &inputs, bool frozen, int depth);
    std::shared_ptr<const TypeEval> evaluateFresh(const QString &key, const QString &type,
                                                  const QMap<QString, double> &args,
                                                  const mc::Shapes &inputs, bool frozen, int depth);
    void evaluateLayer(const TypeIndex &index, const Node &node, const Instance &inst,
                       const QMap<QString, double> &args, const QStringList &sources, InstanceEval &ie);
    void checkShapes(const QString &typeName, int node, const QString &who, const mc::Shapes &shapes);
    QString portSource(const TypeIndex &index, const Node &node, int port) const;
    void replay(const QString &key, const Record &previous);
    void evaluateCall(const TypeIndex &index, const Node &node, TypeEval &eval,
                      QHash<QString, int> &instanceIndex, bool frozen, int depth);
    QMap<QString, double> resolveArguments(const ModuleType &inner, const ModuleType &outer,
                                           const OptionMap &given, const QMap<QString, double> &args,
                                           int node, const QString &who);
    void report(Diagnostic::Severity severity, const QString &type, int node, const QString &message,
                std::optional<Wire> wire = std::nullopt);
    void addDiagnostic(const Diagnostic &d);
    const ModuleType *type(const QString &name) const;
    void findReusableTypes(const Analysis &previous);

    const ProjectData m_project;
    QHash<QString, int> m_typeIndex; ///< Name -> index in m_project.types (the first of a name).
    QList<Diagnostic> m_diagnostics;
    QSet<Diagnostic> m_seen;
    QHash<QString, Record> m_memo;
    QHash<QString, std::shared_ptr<const TypeEval>> m_views;
    std::shared_ptr<const TypeEval> m_root;
    // While constructing only:
    const Analysis *m_previous = nullptr;
    QSet<QString> m_reusable;       ///< Types whose evaluations may be taken from m_previous.
    std::vector<Record *> m_stack;  ///< The evaluations in progress, innermost last.
    int m_evaluated = 0;
    int m_reused = 0;
};

} // namespace mc
