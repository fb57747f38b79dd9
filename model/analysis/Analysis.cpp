#include "analysis/Analysis.h"

#include <QSet>
#include <QTextStream>

#include <cmath>
#include <queue>

namespace mc {

namespace {

constexpr int kMaxDepth = 64;
constexpr qint64 kMaxParams = mc::Shape::kMaxParameters;

QString memoKey(const QString &type, const QMap<QString, double> &args, const mc::Shapes &inputs,
                bool frozen)
{
    QString key = type;
    key += frozen ? QLatin1String("|F|") : QLatin1String("|T|");
    for (auto it = args.begin(); it != args.end(); ++it)
        key += it.key() + QLatin1Char('=') + QString::number(it.value(), 'g', 17) + QLatin1Char(',');
    key += QLatin1Char('|');
    for (const mc::Shape &i : inputs)
        key += i.listText() + QLatin1Char(',');
    return key;
}

/// A module type's first node, instance and wire of each kind of lookup, found
/// in constant time (the ModuleType accessors search lists).
struct TypeLookups
{
    QHash<int, int> nodeRank;               // node id -> index in nodes (the last, as a rank)
    QHash<int, int> nodeFirst;              // node id -> index in nodes (the first; only with duplicate ids)
    QHash<QString, int> instance;           // instance name -> index in instances (first)
    QHash<QPair<int, int>, int> wireInto;   // (node, port) -> index in wires (first)
    QHash<int, int> highestPortInto;        // node -> the highest input port a wire goes into
    QSet<int> feeding;                      // nodes some wire starts from
};

/// How a sentence names a shape the caller gives or a type declares: `5
/// features` for a vector (the words of version 1), else the shape.
QString shapeWords(const mc::Shape &s)
{
    if (s.isKnown() && s.rank() == 1)
        return QStringLiteral("%1 features").arg(s.dim(0));
    return s.listText();
}

/// A declared shape with its arguments resolved; nullopt when an argument is
/// missing, unknown when a dimension is not positive (an argument left at 0).
std::optional<mc::Shape> declaredShape(const ShapeDecl &decl, const QMap<QString, double> &args)
{
    if (decl.isEmpty())
        return mc::Shape(); // not declared: the caller's shape
    QList<qint64> dims;
    bool known = true;
    for (const OptionValue &d : decl) {
        const std::optional<mc::ResolvedValue> v = d.resolved(args);
        if (!v)
            return std::nullopt;
        const double x = v->numbers.value(0);
        if (!(x >= 1) || x != std::floor(x) || x > 1e8)
            known = false;
        dims.append(qint64(x));
    }
    return known ? mc::Shape(dims) : mc::Shape();
}

/// Whether two shapes can be told apart: both known, and a known dimension differs.
bool conflict(const mc::Shape &a, const mc::Shape &b)
{
    if (!a.isKnown() || !b.isKnown())
        return false;
    if (a.rank() != b.rank())
        return true;
    for (int k = 0; k < a.rank(); ++k)
        if (a.dim(k) >= 0 && b.dim(k) >= 0 && a.dim(k) != b.dim(k))
            return true;
    return false;
}

/// `5` for a shape [5] (the words of version 1), else `[3, 4]`.
QString givenText(const mc::Shape &s)
{
    return s.isKnown() && s.rank() == 1 ? QString::number(s.dim(0)) : s.listText();
}

} // namespace

size_t qHash(const Diagnostic &d, size_t seed)
{
    QtPrivate::QHashCombine combine;
    seed = combine(seed, int(d.severity));
    seed = combine(seed, d.type);
    seed = combine(seed, d.node);
    seed = combine(seed, d.message);
    if (d.wire)
        seed = combine(seed, qHash(QList<int>{d.wire->from.node, d.wire->from.port, d.wire->to.node,
                                              d.wire->to.port}));
    return seed;
}

struct Analysis::TypeIndex
{
    const ModuleType &type;
    TypeLookups lookups;

    explicit TypeIndex(const ModuleType &t) : type(t)
    {
        lookups.nodeRank.reserve(t.nodes.size());
        for (int k = 0; k < t.nodes.size(); ++k)
            lookups.nodeRank.insert(t.nodes.at(k).id, k);
        duplicateIds = lookups.nodeRank.size() != t.nodes.size();
        if (duplicateIds)
            for (int k = int(t.nodes.size()) - 1; k >= 0; --k)
                lookups.nodeFirst.insert(t.nodes.at(k).id, k);
        lookups.instance.reserve(t.instances.size());
        for (int k = int(t.instances.size()) - 1; k >= 0; --k)
            lookups.instance.insert(t.instances.at(k).name, k);
        lookups.wireInto.reserve(t.wires.size());
        lookups.highestPortInto.reserve(t.nodes.size());
        lookups.feeding.reserve(t.nodes.size());
        for (int k = 0; k < t.wires.size(); ++k) {
            const Wire &w = t.wires.at(k);
            const QPair<int, int> to(w.to.node, w.to.port);
            if (!lookups.wireInto.contains(to))
                lookups.wireInto.insert(to, k);
            int &highest = lookups.highestPortInto[w.to.node];
            highest = std::max(highest, w.to.port);
            lookups.feeding.insert(w.from.node);
        }
    }
    bool duplicateIds = false;
    const Node *node(int id) const
    {
        const QHash<int, int> &first = duplicateIds ? lookups.nodeFirst : lookups.nodeRank;
        auto it = first.find(id);
        return it == first.end() ? nullptr : &type.nodes.at(it.value());
    }
    const Instance *instance(const QString &name) const
    {
        auto it = lookups.instance.find(name);
        return it == lookups.instance.end() ? nullptr : &type.instances.at(it.value());
    }
    std::optional<Wire> wireInto(PortRef to) const
    {
        auto it = lookups.wireInto.find(qMakePair(to.node, to.port));
        if (it == lookups.wireInto.end())
            return std::nullopt;
        return type.wires.at(it.value());
    }
};

const InstanceEval *TypeEval::instance(const QString &name) const
{
    for (const InstanceEval &i : instances)
        if (i.name == name)
            return &i;
    return nullptr;
}

std::optional<double> Analysis::resolve(const OptionValue &value, const QMap<QString, double> &args)
{
    if (!value.isArgument())
        return value.number;
    auto it = args.find(value.argument);
    if (it == args.end())
        return std::nullopt;
    return it.value();
}

Analysis::Analysis(const ProjectData &project, const Analysis *previous)
    : m_project(project), m_previous(previous)
{
    for (int k = int(m_project.types.size()) - 1; k >= 0; --k)
        m_typeIndex.insert(m_project.types.at(k).name, k);
    if (m_previous)
        findReusableTypes(*m_previous);
    const ModuleType *root = type(project.root);
    if (!root) {
        report(Diagnostic::Severity::Error, project.root, 0,
               QStringLiteral("The project has no root model `%1`.").arg(project.root));
    } else {
        QMap<QString, double> args;
        for (const Argument &a : root->arguments)
            args.insert(a.name, a.defaultValue);
        m_root = evaluate(root->name, args, {}, false, 0);
    }
    // Types the root does not use are evaluated with their defaults, so that the
    // editor shows sizes and problems inside them too.
    for (const ModuleType &t : project.types) {
        if (m_views.contains(t.name))
            continue;
        QMap<QString, double> args;
        for (const Argument &a : t.arguments)
            args.insert(a.name, a.defaultValue);
        evaluate(t.name, args, {}, false, 0);
    }
    m_previous = nullptr;
    m_reusable.clear();
}

const ModuleType *Analysis::type(const QString &name) const
{
    auto it = m_typeIndex.find(name);
    return it == m_typeIndex.end() ? nullptr : &m_project.types.at(it.value());
}

void Analysis::findReusableTypes(const Analysis &previous)
{
    if (previous.m_project.root != m_project.root)
        return;
    // A type is reusable when it is defined as before and every type it uses is
    // reusable too (or is missing now as it was before). Types on a cycle of use
    // never are: their evaluation depends on how deep it starts.
    enum class State { Visiting, Yes, No };
    QHash<QString, State> state;
    std::function<bool(const QString &)> reusable = [&](const QString &name) -> bool {
        auto it = state.find(name);
        if (it != state.end())
            return it.value() == State::Yes;
        const ModuleType *now = type(name);
        const ModuleType *before = previous.type(name);
        if (!now || !before || !(*now == *before)) {
            state.insert(name, State::No);
            return false;
        }
        state.insert(name, State::Visiting);
        bool ok = true;
        for (const Instance &i : now->instances) {
            if (mc::LayerRegistry::find(i.type))
                continue;
            const QString used = i.isStack() ? i.blockType : i.type;
            if (!type(used) && !previous.type(used))
                continue; // missing then and now: the same problem
            if (state.value(used, State::Yes) == State::Visiting || !reusable(used)) {
                ok = false;
                break;
            }
        }
        state.insert(name, ok ? State::Yes : State::No);
        return ok;
    };
    for (const ModuleType &t : m_project.types)
        if (reusable(t.name))
            m_reusable.insert(t.name);
}

void Analysis::report(Diagnostic::Severity severity, const QString &type, int node,
                      const QString &message, std::optional<Wire> wire)
{
    Diagnostic d{severity, type, node, wire, message};
    if (!m_stack.empty())
        m_stack.back()->trace.append(Event{d, QString()});
    addDiagnostic(d);
}

void Analysis::addDiagnostic(const Diagnostic &d)
{
    if (m_seen.contains(d))
        return;
    m_seen.insert(d);
    m_diagnostics.append(d);
}

bool Analysis::hasErrors() const
{
    for (const Diagnostic &d : m_diagnostics)
        if (d.severity == Diagnostic::Severity::Error)
            return true;
    return false;
}

QStringList Analysis::errorLines() const
{
    QStringList lines;
    for (const Diagnostic &d : m_diagnostics)
        if (d.severity == Diagnostic::Severity::Error)
            lines.append(QStringLiteral("%1: %2").arg(d.type, d.message));
    return lines;
}

QMap<QString, double> Analysis::resolveArguments(const ModuleType &inner, const ModuleType &outer,
                                                 const OptionMap &given,
                                                 const QMap<QString, double> &args, int node,
                                                 const QString &who)
{
    QMap<QString, double> values;
    for (const Argument &a : inner.arguments)
        values.insert(a.name, a.defaultValue);
    for (auto it = given.begin(); it != given.end(); ++it) {
        if (!inner.argument(it.key())) {
            report(Diagnostic::Severity::Error, outer.name, node,
                   QStringLiteral("`%1` gives argument `%2`, which `%3` does not take.")
                       .arg(who, it.key(), inner.name));
            continue;
        }
        if (it.value().isTuple() || it.value().isWord()) {
            report(Diagnostic::Severity::Error, outer.name, node,
                   QStringLiteral("`%1` gives argument `%2` the value %3; an argument takes a number.")
                       .arg(who, it.key(), it.value().toString()));
            continue;
        }
        const std::optional<double> v = resolve(it.value(), args);
        if (!v) {
            report(Diagnostic::Severity::Error, outer.name, node,
                   QStringLiteral("`%1` uses argument `%2`, which `%3` does not have.")
                       .arg(who, it.value().argument, outer.name));
            continue;
        }
        values.insert(it.key(), *v);
    }
    return values;
}

std::shared_ptr<const TypeEval> Analysis::evaluate(const QString &typeName,
                                                   const QMap<QString, double> &args,
                                                   const mc::Shapes &inputs, bool frozen, int depth)
{
    const QString key = memoKey(typeName, args, inputs, frozen);
    Record *parent = m_stack.empty() ? nullptr : m_stack.back();
    if (parent)
        parent->trace.append(Event{std::nullopt, key});
    auto hit = m_memo.constFind(key);
    if (hit == m_memo.constEnd() && m_previous && m_reusable.contains(typeName)) {
        auto before = m_previous->m_memo.constFind(key);
        if (before != m_previous->m_memo.constEnd() && !before->truncated &&
            depth + before->height <= kMaxDepth) {
            replay(key, before.value());
            hit = m_memo.constFind(key);
        }
    }
    if (hit != m_memo.constEnd()) {
        if (parent) {
            parent->height = std::max(parent->height, hit->height + 1);
            parent->truncated = parent->truncated || hit->truncated;
        }
        return hit->eval;
    }
    return evaluateFresh(key, typeName, args, inputs, frozen, depth);
}

void Analysis::replay(const QString &key, const Record &previous)
{
    ++m_reused;
    if (!m_views.contains(previous.eval->type))
        m_views.insert(previous.eval->type, previous.eval);
    for (const Event &e : previous.trace) {
        if (e.diagnostic) {
            addDiagnostic(*e.diagnostic);
        } else if (!m_memo.contains(e.nested)) {
            // Not truncated, so everything it asked for was recorded.
            auto nested = m_previous->m_memo.constFind(e.nested);
            if (nested != m_previous->m_memo.constEnd())
                replay(e.nested, nested.value());
        }
    }
    m_memo.insert(key, previous);
}

std::shared_ptr<const TypeEval> Analysis::evaluateFresh(const QString &key, const QString &typeName,
                                                        const QMap<QString, double> &args,
                                                        const mc::Shapes &inputs, bool frozen,
                                                        int depth)
{
    Record *parent = m_stack.empty() ? nullptr : m_stack.back();
    auto eval = std::make_shared<TypeEval>();
    eval->type = typeName;
    eval->arguments = args;
    const ModuleType *t = type(typeName);
    if (!t || depth > kMaxDepth) {
        if (depth > kMaxDepth)
            report(Diagnostic::Severity::Error, typeName, 0,
                   QStringLiteral("`%1` is nested more than %2 levels deep.").arg(typeName).arg(kMaxDepth));
        if (parent)
            parent->truncated = true;
        return eval;
    }
    ++m_evaluated;
    if (!m_views.contains(typeName))
        m_views.insert(typeName, eval);
    Record record;
    record.eval = eval;
    m_stack.push_back(&record);
    struct Pop
    {
        std::vector<Record *> &stack;
        ~Pop() { stack.pop_back(); }
    } pop{m_stack};
    const TypeIndex index(*t);

    // Duplicate names can only come from a document assembled by hand.
    QSet<QString> names;
    for (const Instance &i : t->instances) {
        if (names.contains(i.name))
            report(Diagnostic::Severity::Error, typeName, t->callsOf(i.name).value(0),
                   QStringLiteral("Two instances of `%1` are called `%2`.").arg(typeName, i.name));
        names.insert(i.name);
    }

    // Order the nodes so that every wire goes forward (Kahn's algorithm).
    QHash<int, int> indegree;
    QHash<int, QList<int>> next;
    for (const Node &n : t->nodes)
        indegree.insert(n.id, 0);
    for (const Wire &w : t->wires) {
        if (!indegree.contains(w.from.node) || !indegree.contains(w.to.node)) {
            report(Diagnostic::Severity::Error, typeName, w.to.node,
                   QStringLiteral("A wire of `%1` joins a node that does not exist.").arg(typeName), w);
            continue;
        }
        indegree[w.to.node] += 1;
        next[w.from.node].append(w.to.node);
    }
    // Among the nodes that are ready, take the earliest in the document first, so
    // that "first call" of a shared instance means what the user sees.
    const QHash<int, int> &rank = index.lookups.nodeRank;
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready; // ranks
    for (const Node &n : t->nodes)
        if (indegree.value(n.id) == 0)
            ready.push(rank.value(n.id));
    while (!ready.empty()) {
        const int id = t->nodes.at(ready.top()).id;
        ready.pop();
        eval->order.append(id);
        for (int to : next.value(id))
            if (--indegree[to] == 0)
                ready.push(rank.value(to));
    }
    if (eval->order.size() != t->nodes.size()) {
        for (const Node &n : t->nodes)
            if (indegree.value(n.id) > 0)
                report(Diagnostic::Severity::Error, typeName, n.id,
                       QStringLiteral("`%1` is part of a cycle of wires.").arg(n.name));
    }

    QHash<QString, int> instanceIndex; // instance name -> index in eval->instances
    // Ports are numbered in node order, whatever order the schedule visits them in.
    QHash<int, int> portIndex;
    const QList<const Node *> inputPorts = t->ports(NodeKind::Input);
    const QList<const Node *> outputPorts = t->ports(NodeKind::Output);
    for (int k = 0; k < inputPorts.size(); ++k)
        portIndex.insert(inputPorts.at(k)->id, k);
    for (int k = 0; k < outputPorts.size(); ++k)
        portIndex.insert(outputPorts.at(k)->id, k);
    eval->inputs = mc::Shapes(inputPorts.size());
    eval->outputs = mc::Shapes(outputPorts.size());
    for (int id : std::as_const(eval->order)) {
        const Node &n = *index.node(id);
        NodeEval &ne = eval->nodes[id];
        if (n.kind == NodeKind::Input) {
            mc::Shape shape = inputs.value(portIndex.value(id));
            if (!shape.isKnown() && !n.shape.isEmpty()) {
                const std::optional<mc::Shape> declared = declaredShape(n.shape, args);
                if (!declared)
                    report(Diagnostic::Severity::Error, typeName, id,
                           QStringLiteral("Input `%1` uses an argument that `%2` does not have.").arg(n.name, typeName));
                else
                    shape = *declared;
            }
            ne.out = {shape};
            eval->inputs[portIndex.value(id)] = shape;
            if (!shape.isComplete() && depth == 0 && typeName == m_project.root)
                report(Diagnostic::Severity::Error, typeName, id,
                       QStringLiteral("Input `%1` of the root model needs a shape (for example [10] for 10 features, [1, 28, 28] for a grey image).")
                           .arg(n.name));
        } else if (n.kind == NodeKind::Output) {
            const std::optional<Wire> w = index.wireInto({id, 0});
            mc::Shape shape;
            if (!w)
                report(Diagnostic::Severity::Error, typeName, id,
                       QStringLiteral("Output `%1` of `%2` is not connected.").arg(n.name, typeName));
            else
                shape = eval->nodes.value(w->from.node).out.value(w->from.port);
            ne.in = {shape};
            eval->outputs[portIndex.value(id)] = shape;
        } else {
            evaluateCall(index, n, *eval, instanceIndex, frozen, depth);
        }
    }
    // Nodes left out of the order (in a cycle) still get entries, so views can ask.
    for (const Node &n : t->nodes)
        if (!eval->nodes.contains(n.id))
            eval->nodes.insert(n.id, NodeEval{});

    // Call nodes whose output feeds nothing are most likely an unfinished edit.
    // A shared instance's calls are told apart by their place among its calls.
    for (const Node &n : t->nodes) {
        if (n.kind != NodeKind::Call && n.kind != NodeKind::Input)
            continue;
        if (index.lookups.feeding.contains(n.id))
            continue;
        const QList<int> calls = n.kind == NodeKind::Call ? t->callsOf(n.name) : QList<int>();
        if (calls.size() > 1)
            report(Diagnostic::Severity::Warning, typeName, n.id,
                   QStringLiteral("The output of `%1` at its call %2 of %3 (node %4) is not used.")
                       .arg(n.name).arg(calls.indexOf(n.id) + 1).arg(calls.size()).arg(n.id));
        else
            report(Diagnostic::Severity::Warning, typeName, n.id,
                   QStringLiteral("The output of `%1` is not used.").arg(n.name));
    }
    // Keep the document's instance order (the order parameters are registered in).
    {
        // The rank of a name is its last place (names are unique but in a broken document).
        QHash<QString, int> lastPlace;
        const bool duplicateNames = index.lookups.instance.size() != t->instances.size();
        if (duplicateNames)
            for (int k = 0; k < t->instances.size(); ++k)
                lastPlace.insert(t->instances.at(k).name, k);
        const QHash<QString, int> &instanceRank = duplicateNames ? lastPlace : index.lookups.instance;
        std::vector<std::pair<int, int>> ranked; // (rank, position now)
        ranked.reserve(size_t(eval->instances.size()));
        bool sorted = true;
        for (int k = 0; k < eval->instances.size(); ++k) {
            ranked.emplace_back(instanceRank.value(eval->instances.at(k).name), k);
            sorted = sorted && (k == 0 || ranked[size_t(k) - 1].first <= ranked[size_t(k)].first);
        }
        if (!sorted) {
            std::stable_sort(ranked.begin(), ranked.end(),
                             [](const auto &a, const auto &b) { return a.first < b.first; });
            QList<InstanceEval> inOrder;
            inOrder.reserve(eval->instances.size());
            for (const auto &r : ranked)
                inOrder.append(std::move(eval->instances[r.second]));
            eval->instances = std::move(inOrder);
        }
    }
    // A count that is not known yet makes the total unknown (-1), never a wrong number.
    for (const InstanceEval &ie : std::as_const(eval->instances)) {
        eval->params = ie.params < 0 || eval->params < 0 ? -1 : eval->params + ie.params;
        eval->trainable = ie.trainable < 0 || eval->trainable < 0 ? -1 : eval->trainable + ie.trainable;
        eval->buffers = ie.buffers < 0 || eval->buffers < 0 ? -1 : eval->buffers + ie.buffers;
    }
    if (eval->params > kMaxParams)
        report(Diagnostic::Severity::Error, typeName, 0,
               QStringLiteral("`%1` would hold %2 parameters, more than this machine can train.")
                   .arg(typeName).arg(eval->params));
    if (parent) {
        parent->height = std::max(parent->height, record.height + 1);
        parent->truncated = parent->truncated || record.truncated;
    }
    m_memo.insert(key, record);
    return eval;
}

void Analysis::evaluateCall(const TypeIndex &index, const Node &node, TypeEval &eval,
                            QHash<QString, int> &instanceIndex, bool frozen, int depth)
{
    const ModuleType &t = index.type;
    const QString &typeName = t.name;
    NodeEval &ne = eval.nodes[node.id];
    const Instance *inst = index.instance(node.name);
    if (!inst) {
        report(Diagnostic::Severity::Error, typeName, node.id,
               QStringLiteral("Node %1 calls `%2`, which `%3` does not have.").arg(node.id).arg(node.name, typeName));
        return;
    }
    const bool isFrozen = frozen || inst->frozen;

    // The shapes arriving at each input port, and who sends them.
    const mc::LayerDefinition *layer = mc::LayerRegistry::find(inst->type);
    const ModuleType *inner = layer ? nullptr : type(inst->isStack() ? inst->blockType : inst->type);
    QStringList inputNames;
    if (layer) {
        inputNames = layer->inputs;
    } else if (inner) {
        for (const Node *p : inner->ports(NodeKind::Input))
            inputNames.append(p->name);
        if (inst->isStack())
            inputNames = inputNames.mid(0, 1);
    }
    const int inputCount = int(inputNames.size());
    mc::Shapes shapes;
    QStringList sources;
    for (int port = 0; port < inputCount; ++port) {
        const std::optional<Wire> w = index.wireInto({node.id, port});
        if (!w) {
            report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("Input `%1` of `%2` is not connected.").arg(inputNames.at(port), node.name));
            shapes.append(mc::Shape());
            sources.append(QString());
            continue;
        }
        const Node *src = index.node(w->from.node);
        shapes.append(eval.nodes.value(w->from.node).out.value(w->from.port));
        sources.append(src ? portSource(index, *src, w->from.port) : QString());
    }
    if (index.lookups.highestPortInto.value(node.id, -1) >= inputCount) {
        for (const Wire &w : t.wires)
            if (w.to.node == node.id && w.to.port >= inputCount)
                report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("A wire goes into input %1 of `%2`, which has only %3.")
                       .arg(w.to.port).arg(node.name).arg(inputCount), w);
    }
    ne.in = shapes;

    // A shared instance is evaluated at its first call; later calls must match it.
    if (instanceIndex.contains(inst->name)) {
        InstanceEval &first = eval.instances[instanceIndex.value(inst->name)];
        first.calls.append(node.id);
        for (int k = 0; k < shapes.size(); ++k)
            if (conflict(shapes.at(k), first.in.value(k)))
                report(Diagnostic::Severity::Error, typeName, node.id,
                       QStringLiteral("Shared `%1` takes %2 where it is first called, `%3` gives %4 here.")
                           .arg(inst->name, shapeWords(first.in.value(k)), sources.at(k), givenText(shapes.at(k))));
        ne.out = first.out;
        return;
    }

    InstanceEval ie;
    ie.name = inst->name;
    ie.type = inst->type;
    ie.blockType = inst->blockType;
    ie.layer = layer;
    ie.in = shapes;
    ie.frozen = isFrozen;
    ie.calls = {node.id};

    if (layer) {
        evaluateLayer(index, node, *inst, eval.arguments, sources, ie);
        ie.trainable = isFrozen || ie.params < 0 ? (ie.params < 0 ? -1 : 0) : ie.params;
    } else if (!inner) {
        report(Diagnostic::Severity::Error, typeName, node.id,
               QStringLiteral("`%1` is of type `%2`, which is neither a built-in layer nor a module type of the project.")
                   .arg(inst->name, inst->isStack() ? inst->blockType : inst->type));
        ie.out = {mc::Shape()};
        ie.params = -1;
        ie.trainable = -1;
    } else if (!inst->isStack()) {
        const QMap<QString, double> args =
            resolveArguments(*inner, t, inst->options, eval.arguments, node.id, inst->name);
        // Compare the shapes the caller gives with the shapes the inside declares.
        const QList<const Node *> innerInputs = inner->ports(NodeKind::Input);
        for (int k = 0; k < innerInputs.size() && k < shapes.size(); ++k) {
            const std::optional<mc::Shape> declared = declaredShape(innerInputs.at(k)->shape, args);
            if (declared && conflict(*declared, shapes.at(k)))
                report(Diagnostic::Severity::Error, typeName, node.id,
                       QStringLiteral("`%1` expects %2 at `%3`, `%4` gives %5.")
                           .arg(inst->name, shapeWords(*declared), innerInputs.at(k)->name, sources.at(k),
                                givenText(shapes.at(k))));
        }
        ie.body = evaluate(inner->name, args, shapes, isFrozen, depth + 1);
        ie.out = ie.body->outputs;
        ie.params = ie.body->params;
        ie.trainable = ie.body->trainable;
        ie.buffers = ie.body->buffers;
    } else {
        const QList<const Node *> ins = inner->ports(NodeKind::Input);
        const QList<const Node *> outs = inner->ports(NodeKind::Output);
        if (ins.size() != 1 || outs.size() != 1)
            report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("A stack chains its blocks, so `%1` needs one input and one output (it has %2 and %3).")
                       .arg(inner->name).arg(ins.size()).arg(outs.size()));
        if (inst->rows.isEmpty())
            report(Diagnostic::Severity::Warning, typeName, node.id,
                   QStringLiteral("Stack `%1` has no blocks: it passes its input through.").arg(inst->name));
        mc::Shape shape = shapes.value(0);
        QString from = sources.value(0);
        for (int r = 0; r < inst->rows.size(); ++r) {
            const QString who = QStringLiteral("%1.%2").arg(inst->name).arg(r);
            const QMap<QString, double> args =
                resolveArguments(*inner, t, inst->rows.at(r), eval.arguments, node.id, who);
            if (!ins.isEmpty()) {
                const std::optional<mc::Shape> declared = declaredShape(ins.first()->shape, args);
                if (declared && conflict(*declared, shape))
                    report(Diagnostic::Severity::Error, typeName, node.id,
                           QStringLiteral("`%1` expects %2, `%3` gives %4.")
                               .arg(who, shapeWords(*declared), from, givenText(shape)));
            }
            auto block = evaluate(inner->name, args, {shape}, isFrozen, depth + 1);
            ie.blocks.append(block);
            shape = block->outputs.value(0);
            from = who;
            ie.params = block->params < 0 || ie.params < 0 ? -1 : ie.params + block->params;
            ie.trainable = block->trainable < 0 || ie.trainable < 0 ? -1 : ie.trainable + block->trainable;
            ie.buffers = block->buffers < 0 || ie.buffers < 0 ? -1 : ie.buffers + block->buffers;
        }
        ie.out = {shape};
    }
    ne.out = ie.out;
    instanceIndex.insert(ie.name, int(eval.instances.size()));
    eval.instances.append(ie);
}

QString Analysis::portSource(const TypeIndex &index, const Node &node, int port) const
{
    // A node with several outputs names the port: `lstm.h_n`.
    if (node.kind != NodeKind::Call)
        return node.name;
    const Instance *inst = index.instance(node.name);
    if (!inst)
        return node.name;
    QStringList outputs;
    if (const mc::LayerDefinition *layer = mc::LayerRegistry::find(inst->type)) {
        outputs = layer->outputs;
    } else if (const ModuleType *inner = type(inst->isStack() ? inst->blockType : inst->type)) {
        if (!inst->isStack())
            for (const Node *p : inner->ports(NodeKind::Output))
                outputs.append(p->name);
    }
    if (outputs.size() <= 1)
        return node.name;
    return node.name + QLatin1Char('.') + outputs.value(port, QString::number(port));
}

void Analysis::evaluateLayer(const TypeIndex &index, const Node &node, const Instance &inst,
                             const QMap<QString, double> &args, const QStringList &sources, InstanceEval &ie)
{
    const mc::LayerDefinition &layer = *ie.layer;
    const QString &typeName = index.type.name;
    // Defaults first, then the instance's own values, each checked.
    for (const mc::OptionSpec &o : layer.options) {
        if (o.kind == mc::OptionKind::Choice)
            ie.options.set(o.name, mc::ResolvedValue{{}, o.defaultChoice});
        else if (!o.defaultValue.isEmpty())
            ie.options.set(o.name, mc::ResolvedValue{o.defaultValue, {}});
    }
    for (auto it = inst.options.begin(); it != inst.options.end(); ++it) {
        const mc::OptionSpec *o = layer.option(it.key());
        if (!o) {
            report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("%1 has no option `%2` (on `%3`).").arg(layer.name, it.key(), inst.name));
            continue;
        }
        const std::optional<mc::ResolvedValue> v = it.value().resolved(args);
        if (!v) {
            report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("`%1` uses argument `%2`, which `%3` does not have.")
                       .arg(inst.name, it.value().argument, typeName));
            continue;
        }
        if (o->inferable && v->numbers == QList<double>{0})
            continue; // 0: take it from the wire
        if (const std::optional<QString> problem = mc::LayerDefinition::checkValue(*o, *v)) {
            report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("`%1` of `%2` is %3%4; it must be %5.")
                       .arg(it.key(), inst.name, mc::LayerDefinition::valueText(*v),
                            it.value().isArgument() ? QStringLiteral(" (argument `%1`)").arg(it.value().argument)
                                                    : QString(),
                            *problem));
            continue;
        }
        ie.options.set(it.key(), *v);
    }
    for (const mc::OptionSpec &o : layer.options)
        if (o.required && !inst.options.contains(o.name))
            report(Diagnostic::Severity::Error, typeName, node.id,
                   QStringLiteral("`%1` needs a value for `%2`.").arg(inst.name, o.name));

    mc::LayerShapes rule{ie.options, ie.in, inst.name, sources, {}, {}};
    layer.shapes(rule);
    if (!rule.problem.isEmpty())
        report(Diagnostic::Severity::Error, typeName, node.id, rule.problem + QLatin1Char('.'),
               index.wireInto({node.id, 0}));
    ie.out = rule.outputs;
    while (ie.out.size() < layer.outputs.size())
        ie.out.append(mc::Shape());
    if (rule.problem.isEmpty())
        checkShapes(typeName, node.id, inst.name, ie.out);
    ie.params = layer.parameterCount(ie.options);
    ie.buffers = layer.bufferCount(ie.options);
    if (ie.params > mc::Shape::kMaxParameters || ie.buffers > mc::Shape::kMaxParameters) {
        report(Diagnostic::Severity::Error, typeName, node.id,
               QStringLiteral("`%1` would hold more than %2 parameters, more than this machine can train.")
                   .arg(inst.name).arg(mc::Shape::kMaxParameters));
        ie.params = -1;
        ie.buffers = -1;
    }
}

void Analysis::checkShapes(const QString &typeName, int node, const QString &who, const mc::Shapes &shapes)
{
    for (const mc::Shape &s : shapes) {
        if (!s.elements())
            report(Diagnostic::Severity::Error, typeName, node,
                   QStringLiteral("`%1` would make tensors of shape %2 per sample: more than %3 elements.")
                       .arg(who, s.listText()).arg(mc::Shape::kMaxElements));
        else if (s.isComplete() && *s.elements() == 0)
            report(Diagnostic::Severity::Error, typeName, node,
                   QStringLiteral("`%1` makes an empty tensor (shape %2).").arg(who, s.listText()));
    }
}

QList<SummaryRow> Analysis::summary() const
{
    QList<SummaryRow> rows;
    std::function<void(const TypeEval &, const QString &, int)> walk =
        [&](const TypeEval &e, const QString &prefix, int depth) {
            for (const InstanceEval &ie : e.instances) {
                if (ie.layer && ie.layer->isOperator)
                    continue;
                SummaryRow row;
                row.name = prefix + ie.name;
                row.type = ie.type == kStackType ? QStringLiteral("Stack[%1]").arg(ie.blockType) : ie.type;
                row.params = ie.params;
                row.trainable = ie.trainable;
                row.in = ie.in;
                row.out = ie.out;
                row.depth = depth;
                row.calls = int(ie.calls.size());
                rows.append(row);
                if (ie.body)
                    walk(*ie.body, row.name + QLatin1Char('.'), depth + 1);
                for (int b = 0; b < ie.blocks.size(); ++b) {
                    const TypeEval &block = *ie.blocks.at(b);
                    SummaryRow br;
                    br.name = QStringLiteral("%1.%2").arg(row.name).arg(b);
                    br.type = ie.blockType;
                    br.params = block.params;
                    br.trainable = block.trainable;
                    br.in = block.inputs;
                    br.out = block.outputs;
                    br.depth = depth + 1;
                    rows.append(br);
                    walk(block, br.name + QLatin1Char('.'), depth + 2);
                }
            }
        };
    if (m_root)
        walk(*m_root, QString(), 0);
    return rows;
}

QString Analysis::summaryTable() const
{
    const QList<SummaryRow> rows = summary();
    QStringList header{QStringLiteral(""), QStringLiteral("Name"), QStringLiteral("Type"),
                       QStringLiteral("Params"), QStringLiteral("Trainable"),
                       QStringLiteral("In shape"), QStringLiteral("Out shape")};
    QList<QStringList> cells;
    for (int k = 0; k < rows.size(); ++k) {
        const SummaryRow &r = rows.at(k);
        QString trainable;
        if (r.params <= 0)
            trainable = QStringLiteral("-");
        else if (r.trainable == r.params)
            trainable = QStringLiteral("yes");
        else if (r.trainable == 0)
            trainable = QStringLiteral("no");
        else
            trainable = QStringLiteral("partly (%1)").arg(r.trainable);
        QString type = r.type;
        if (r.calls > 1)
            type += QStringLiteral(" (shared, %1 calls)").arg(r.calls);
        cells.append({QString::number(k), r.name, type,
                      r.params < 0 ? QStringLiteral("?") : QString::number(r.params), trainable,
                      mc::shapesText(r.in), mc::shapesText(r.out)});
    }
    QList<int> widths;
    for (int c = 0; c < header.size(); ++c) {
        int w = int(header.at(c).size());
        for (const QStringList &row : cells)
            w = std::max(w, int(row.at(c).size()));
        widths.append(w);
    }
    QString out;
    QTextStream s(&out);
    auto line = [&](const QStringList &row) {
        QStringList padded;
        for (int c = 0; c < row.size(); ++c)
            padded.append(c == 3 ? row.at(c).rightJustified(widths.at(c)) : row.at(c).leftJustified(widths.at(c)));
        QString text = padded.join(QStringLiteral(" | "));
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        s << text << '\n';
    };
    line(header);
    int total = 0;
    for (int w : widths)
        total += w + 3;
    s << QString(total - 3, QLatin1Char('-')) << '\n';
    for (const QStringList &row : cells)
        line(row);
    s << QString(total - 3, QLatin1Char('-')) << '\n';
    s << totalsText();
    return out;
}

QString Analysis::totalsText() const
{
    // An unknown count says so: a difference of unknowns is no number.
    const qint64 all = totalParams();
    const qint64 trainable = trainableParams();
    const QString unknown = QStringLiteral("? (sizes not known yet)");
    auto count = [&](qint64 n) { return n < 0 ? unknown : QString::number(n); };
    QString out;
    QTextStream s(&out);
    s << "Trainable params: " << count(trainable) << '\n';
    s << "Non-trainable params: " << (all < 0 || trainable < 0 ? unknown : QString::number(all - trainable)) << '\n';
    s << "Total params: " << count(all) << '\n';
    s << "Estimated size (MB): "
      << (all < 0 ? unknown : QString::number(double(all) * 4.0 / 1e6, 'f', 3))
      << '\n';
    return out;
}

} // namespace mc
