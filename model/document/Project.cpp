#include "document/Project.h"

#include "layers/LayerRegistry.h"

#include <QRegularExpression>
#include <QSet>

namespace mc {

namespace {

const QSet<QString> &reservedNames()
{
    // Python keywords, and the attributes every torch module has: an instance
    // called `forward` or `training` would break the TorchScript export.
    static const QSet<QString> names = [] {
        QSet<QString> n = Project::pythonKeywords();
        for (const char *attribute : {"self", "forward", "training", "torch", "parameters", "modules",
                                      "state_dict", "eval", "train", "to", "float", "int", "bool",
                                      "Tensor", "List", "Tuple"})
            n.insert(QString::fromLatin1(attribute));
        return n;
    }();
    return names;
}

} // namespace

Project::Project(QObject *parent) : QObject(parent) {}

const QSet<QString> &Project::pythonKeywords()
{
    static const QSet<QString> keywords = [] {
        QSet<QString> k;
        for (const char *word : {"False", "None", "True", "and", "as", "assert", "async", "await", "break",
                                 "class", "continue", "def", "del", "elif", "else", "except", "finally",
                                 "for", "from", "global", "if", "import", "in", "is", "lambda",
                                 "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
                                 "with", "yield"})
            k.insert(QString::fromLatin1(word));
        return k;
    }();
    return keywords;
}

void Project::setData(const ProjectData &data)
{
    m_data = data;
    Q_EMIT reset();
    Q_EMIT changed();
}

EditResult Project::setRootType(const QString &name)
{
    if (!m_data.type(name))
        return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(name));
    if (m_data.root == name)
        return EditResult::success();
    m_data.root = name;
    Q_EMIT rootChanged(name);
    Q_EMIT changed();
    return EditResult::success();
}

QStringList Project::typeNames() const
{
    QStringList names;
    for (const ModuleType &t : m_data.types)
        names.append(t.name);
    return names;
}

void Project::setTraining(const QJsonObject &training)
{
    if (m_data.training == training)
        return;
    m_data.training = training;
    Q_EMIT trainingChanged();
    Q_EMIT changed();
}

EditResult Project::checkIdentifier(const QString &name, const QString &what)
{
    static const QRegularExpression identifier(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    if (name.isEmpty())
        return EditResult::failure(QStringLiteral("A %1 needs a name.").arg(what));
    if (name.size() > 128)
        return EditResult::failure(QStringLiteral("The %1 name `%2…` is longer than 128 characters.")
                                       .arg(what, name.left(20)));
    if (!identifier.match(name).hasMatch())
        return EditResult::failure(
            QStringLiteral("`%1` cannot name a %2: use letters, digits and _, not starting with a digit.")
                .arg(name, what));
    if (reservedNames().contains(name))
        return EditResult::failure(
            QStringLiteral("`%1` cannot name a %2: it is reserved in Python or TorchScript.")
                .arg(name, what));
    return EditResult::success();
}

ModuleType *Project::mutableType(const QString &name, EditResult *result)
{
    ModuleType *t = m_data.type(name);
    if (!t)
        *result = EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(name));
    return t;
}

bool Project::typeUses(const QString &outer, const QString &inner) const
{
    QSet<QString> seen;
    QList<QString> todo{outer};
    while (!todo.isEmpty()) {
        const QString name = todo.takeLast();
        if (seen.contains(name))
            continue;
        seen.insert(name);
        const ModuleType *t = m_data.type(name);
        if (!t)
            continue;
        for (const Instance &i : t->instances) {
            const QString used = i.isStack() ? i.blockType : i.type;
            if (used == inner)
                return true;
            todo.append(used);
        }
    }
    return false;
}

EditResult Project::addType(const ModuleType &type)
{
    if (EditResult r = checkIdentifier(type.name, QStringLiteral("module type")); !r)
        return r;
    if (mc::LayerRegistry::isBuiltin(type.name) || type.name == kStackType)
        return EditResult::failure(
            QStringLiteral("`%1` is a built-in layer; choose another name for the module type.")
                .arg(type.name));
    if (m_data.type(type.name))
        return EditResult::failure(QStringLiteral("A module type `%1` already exists.").arg(type.name));
    m_data.types.append(type);
    if (m_data.root.isEmpty())
        m_data.root = type.name;
    Q_EMIT typeAdded(type.name);
    Q_EMIT changed();
    return EditResult::success();
}

// The edits below that rename or remove take their names by value first: a
// caller may pass a reference into this project's own data (an editor reading
// `type(x)->name`), which the edit itself changes or destroys.

EditResult Project::removeType(const QString &nameArg)
{
    const QString name = nameArg;
    if (!m_data.type(name))
        return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(name));
    if (m_data.root == name)
        return EditResult::failure(QStringLiteral("`%1` is the root model and cannot be removed.").arg(name));
    for (const ModuleType &t : m_data.types)
        for (const Instance &i : t.instances)
            if (i.type == name || i.blockType == name)
                return EditResult::failure(QStringLiteral("`%1` is used by `%2` in `%3`.")
                                               .arg(name, i.name, t.name));
    m_data.types.removeIf([&](const ModuleType &t) { return t.name == name; });
    Q_EMIT typeRemoved(name);
    Q_EMIT changed();
    return EditResult::success();
}

EditResult Project::renameType(const QString &fromArg, const QString &toArg)
{
    const QString from = fromArg;
    const QString to = toArg;
    if (!m_data.type(from))
        return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(from));
    if (from == to)
        return EditResult::success();
    if (EditResult r = checkIdentifier(to, QStringLiteral("module type")); !r)
        return r;
    if (mc::LayerRegistry::isBuiltin(to) || to == kStackType)
        return EditResult::failure(QStringLiteral("`%1` is a built-in layer.").arg(to));
    if (m_data.type(to))
        return EditResult::failure(QStringLiteral("A module type `%1` already exists.").arg(to));
    for (ModuleType &t : m_data.types) {
        if (t.name == from)
            t.name = to;
        for (Instance &i : t.instances) {
            if (i.type == from)
                i.type = to;
            if (i.blockType == from)
                i.blockType = to;
        }
    }
    if (m_data.root == from)
        m_data.root = to;
    Q_EMIT typeRenamed(from, to);
    Q_EMIT changed();
    return EditResult::success();
}

EditResult Project::replaceType(const ModuleType &type)
{
    EditResult r;
    ModuleType *t = mutableType(type.name, &r);
    if (!t)
        return r;
    if (*t == type)
        return r;
    *t = type;
    Q_EMIT typeChanged(type.name);
    Q_EMIT changed();
    return r;
}

EditResult Project::setArguments(const QString &typeName, const QList<Argument> &arguments)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    QSet<QString> names;
    for (const Argument &a : arguments) {
        if (EditResult c = checkIdentifier(a.name, QStringLiteral("argument")); !c)
            return c;
        if (names.contains(a.name))
            return EditResult::failure(QStringLiteral("Two arguments are called `%1`.").arg(a.name));
        names.insert(a.name);
    }
    // An argument the type still refers to stays: without it the document
    // would be one the project reader refuses.
    for (const Argument &old : std::as_const(t->arguments)) {
        if (names.contains(old.name))
            continue;
        auto refers = [&](const OptionValue &v) { return v.isArgument() && v.argument == old.name; };
        auto usedBy = [&]() -> QString {
            for (const Instance &i : std::as_const(t->instances)) {
                for (const OptionValue &v : i.options)
                    if (refers(v))
                        return QStringLiteral("`%1`").arg(i.name);
                for (const OptionMap &row : i.rows)
                    for (const OptionValue &v : row)
                        if (refers(v))
                            return QStringLiteral("`%1`").arg(i.name);
            }
            for (const Node &n : std::as_const(t->nodes))
                for (const OptionValue &d : n.shape)
                    if (refers(d))
                        return QStringLiteral("the shape of `%1`").arg(n.name);
            return {};
        };
        if (const QString user = usedBy(); !user.isEmpty())
            return EditResult::failure(QStringLiteral("`%1` is still used by %2: give it a value there before removing "
                                                      "the argument.").arg(old.name, user));
    }
    t->arguments = arguments;
    Q_EMIT typeChanged(typeName);
    Q_EMIT changed();
    return r;
}

EditResult Project::setDescription(const QString &typeName, const QString &description)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    t->description = description;
    Q_EMIT typeChanged(typeName);
    Q_EMIT changed();
    return r;
}

EditResult Project::checkNewInstance(const ModuleType &parent, const Instance &instance) const
{
    if (EditResult r = checkIdentifier(instance.name, QStringLiteral("module instance")); !r)
        return r;
    if (parent.instance(instance.name))
        return EditResult::failure(
            QStringLiteral("`%1` already has an instance called `%2`.").arg(parent.name, instance.name));
    const QString used = instance.isStack() ? instance.blockType : instance.type;
    if (!mc::LayerRegistry::isBuiltin(used)) {
        if (!m_data.type(used))
            return EditResult::failure(QStringLiteral("There is no layer or module type `%1`.").arg(used));
        if (used == parent.name)
            return EditResult::failure(QStringLiteral("`%1` cannot contain an instance of itself.").arg(used));
        if (typeUses(used, parent.name))
            return EditResult::failure(
                QStringLiteral("`%1` cannot contain `%2`: `%2` already contains `%1`.")
                    .arg(parent.name, used));
    } else if (instance.isStack()) {
        return EditResult::failure(QStringLiteral("A stack holds blocks of a module type, not of the built-in `%1`.")
                                       .arg(used));
    }
    return EditResult::success();
}

std::optional<int> Project::addCall(const QString &typeName, const Instance &instance, QPointF pos,
                                    QString *why)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (t)
        r = checkNewInstance(*t, instance);
    if (!r) {
        if (why)
            *why = r.reason;
        return std::nullopt;
    }
    Node n;
    n.id = t->nextNodeId();
    n.kind = NodeKind::Call;
    n.name = instance.name;
    n.pos = pos;
    t->instances.append(instance);
    t->nodes.append(n);
    Q_EMIT instanceAdded(typeName, instance.name);
    Q_EMIT nodeAdded(typeName, n.id);
    Q_EMIT changed();
    return n.id;
}

std::optional<int> Project::addSharedCall(const QString &typeName, const QString &instanceName,
                                          QPointF pos, QString *why)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (t && !t->instance(instanceName))
        r = EditResult::failure(
            QStringLiteral("`%1` has no instance called `%2`.").arg(typeName, instanceName));
    if (!r) {
        if (why)
            *why = r.reason;
        return std::nullopt;
    }
    Node n;
    n.id = t->nextNodeId();
    n.kind = NodeKind::Call;
    n.name = instanceName;
    n.pos = pos;
    t->nodes.append(n);
    Q_EMIT nodeAdded(typeName, n.id);
    Q_EMIT changed();
    return n.id;
}

std::optional<int> Project::addPort(const QString &typeName, NodeKind kind, const QString &name,
                                    QPointF pos, ShapeDecl shape, QString *why)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (t && kind == NodeKind::Call)
        r = EditResult::failure(QStringLiteral("A port is an Input or an Output node."));
    if (r)
        r = checkIdentifier(name, kind == NodeKind::Input ? QStringLiteral("input")
                                                            : QStringLiteral("output"));
    if (r)
        for (const Node *p : t->ports(kind))
            if (p->name == name)
                r = EditResult::failure(QStringLiteral("`%1` already has a port called `%2`.")
                                            .arg(typeName, name));
    if (r && kind == NodeKind::Input)
        r = checkShape(*t, shape);
    if (!r) {
        if (why)
            *why = r.reason;
        return std::nullopt;
    }
    Node n;
    n.id = t->nextNodeId();
    n.kind = kind;
    n.name = name;
    n.pos = pos;
    if (kind == NodeKind::Input)
        n.shape = shape;
    t->nodes.append(n);
    Q_EMIT nodeAdded(typeName, n.id);
    Q_EMIT changed();
    return n.id;
}

EditResult Project::removeNode(const QString &typeName, int nodeId)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    const Node *n = t->node(nodeId);
    if (!n)
        return EditResult::failure(QStringLiteral("`%1` has no node %2.").arg(typeName).arg(nodeId));
    const Node removed = *n;
    QList<Wire> gone;
    for (const Wire &w : t->wires)
        if (w.from.node == nodeId || w.to.node == nodeId)
            gone.append(w);
    t->wires.removeIf([&](const Wire &w) { return w.from.node == nodeId || w.to.node == nodeId; });
    t->nodes.removeIf([&](const Node &x) { return x.id == nodeId; });
    for (const Wire &w : gone)
        Q_EMIT wireRemoved(typeName, w);
    Q_EMIT nodeRemoved(typeName, nodeId);
    if (removed.kind == NodeKind::Call && t->callsOf(removed.name).isEmpty()) {
        t->instances.removeIf([&](const Instance &i) { return i.name == removed.name; });
        Q_EMIT instanceRemoved(typeName, removed.name);
    }
    Q_EMIT changed();
    return r;
}

EditResult Project::moveNode(const QString &typeName, int nodeId, QPointF pos)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Node *n = t->node(nodeId);
    if (!n)
        return EditResult::failure(QStringLiteral("`%1` has no node %2.").arg(typeName).arg(nodeId));
    if (n->pos == pos)
        return r;
    n->pos = pos;
    Q_EMIT nodeMoved(typeName, nodeId, pos);
    Q_EMIT changed();
    return r;
}

EditResult Project::renamePort(const QString &typeName, int nodeId, const QString &name)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Node *n = t->node(nodeId);
    if (!n || n->kind == NodeKind::Call)
        return EditResult::failure(QStringLiteral("Node %1 of `%2` is not a port.").arg(nodeId).arg(typeName));
    if (n->name == name)
        return r;
    if (EditResult c = checkIdentifier(name, QStringLiteral("port")); !c)
        return c;
    for (const Node *p : t->ports(n->kind))
        if (p->name == name)
            return EditResult::failure(QStringLiteral("`%1` already has a port called `%2`.").arg(typeName, name));
    n->name = name;
    Q_EMIT nodeChanged(typeName, nodeId);
    Q_EMIT changed();
    return r;
}

EditResult Project::checkShape(const ModuleType &type, const ShapeDecl &shape)
{
    if (shape.size() > 8)
        return EditResult::failure(QStringLiteral("A shape has at most 8 dimensions after the batch."));
    for (const OptionValue &d : shape) {
        if (d.isArgument()) {
            if (!type.argument(d.argument))
                return EditResult::failure(QStringLiteral("`%1` has no argument `%2`.").arg(type.name, d.argument));
        } else if (d.isTuple() || d.isWord() || d.number < 1 || d.number > 1e8 || d.number != std::floor(d.number)) {
            return EditResult::failure(QStringLiteral("Each dimension of a shape is a whole number from 1 to 100000000."));
        }
    }
    return EditResult::success();
}

EditResult Project::setPortShape(const QString &typeName, int nodeId, const ShapeDecl &shape)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Node *n = t->node(nodeId);
    if (!n || n->kind != NodeKind::Input)
        return EditResult::failure(QStringLiteral("Node %1 of `%2` is not an input.").arg(nodeId).arg(typeName));
    r = checkShape(*t, shape);
    if (!r)
        return r;
    if (n->shape == shape)
        return r;
    n->shape = shape;
    Q_EMIT nodeChanged(typeName, nodeId);
    Q_EMIT changed();
    return r;
}

QPair<int, int> Project::portCounts(const QString &typeName, int nodeId) const
{
    const ModuleType *t = m_data.type(typeName);
    const Node *n = t ? t->node(nodeId) : nullptr;
    if (!n)
        return {0, 0};
    if (n->kind == NodeKind::Input)
        return {0, 1};
    if (n->kind == NodeKind::Output)
        return {1, 0};
    return {int(portNames(typeName, nodeId, true).size()), int(portNames(typeName, nodeId, false).size())};
}

QStringList Project::portNames(const QString &typeName, int nodeId, bool inputs) const
{
    const ModuleType *t = m_data.type(typeName);
    const Node *n = t ? t->node(nodeId) : nullptr;
    if (!n)
        return {};
    if (n->kind == NodeKind::Input)
        return inputs ? QStringList{} : QStringList{n->name};
    if (n->kind == NodeKind::Output)
        return inputs ? QStringList{n->name} : QStringList{};
    const Instance *i = t->instance(n->name);
    if (!i)
        return {};
    if (const mc::LayerDefinition *layer = mc::LayerRegistry::find(i->type))
        return inputs ? layer->inputs : layer->outputs;
    const ModuleType *inner = m_data.type(i->isStack() ? i->blockType : i->type);
    if (!inner)
        return {};
    QStringList names;
    for (const Node *p : inner->ports(inputs ? NodeKind::Input : NodeKind::Output))
        names.append(p->name);
    if (i->isStack()) // A stack chains its blocks: one input, one output.
        return names.mid(0, 1);
    return names;
}

bool Project::wouldCycle(const ModuleType &t, const Wire &wire) const
{
    // Adding from→to closes a cycle when `from.node` is reachable from `to.node`.
    QSet<int> seen;
    QList<int> todo{wire.to.node};
    while (!todo.isEmpty()) {
        const int id = todo.takeLast();
        if (id == wire.from.node)
            return true;
        if (seen.contains(id))
            continue;
        seen.insert(id);
        for (const Wire &w : t.wires)
            if (w.from.node == id)
                todo.append(w.to.node);
    }
    return false;
}

EditResult Project::canAddWire(const QString &typeName, const Wire &wire) const
{
    const ModuleType *t = m_data.type(typeName);
    if (!t)
        return EditResult::failure(QStringLiteral("There is no module type `%1`.").arg(typeName));
    const Node *from = t->node(wire.from.node);
    const Node *to = t->node(wire.to.node);
    if (!from || !to)
        return EditResult::failure(QStringLiteral("A wire needs two nodes of `%1`.").arg(typeName));
    const auto [fromIns, fromOuts] = portCounts(typeName, from->id);
    const auto [toIns, toOuts] = portCounts(typeName, to->id);
    Q_UNUSED(fromIns);
    Q_UNUSED(toOuts);
    if (wire.from.port < 0 || wire.from.port >= fromOuts)
        return EditResult::failure(QStringLiteral("`%1` has no output %2.").arg(from->name).arg(wire.from.port));
    if (wire.to.port < 0 || wire.to.port >= toIns)
        return EditResult::failure(QStringLiteral("`%1` has no input %2.").arg(to->name).arg(wire.to.port));
    if (from->id == to->id)
        return EditResult::failure(QStringLiteral("`%1` cannot feed itself.").arg(from->name));
    if (t->wireInto(wire.to))
        return EditResult::failure(QStringLiteral("Input %1 of `%2` is already connected.")
                                       .arg(portNames(typeName, to->id, true).value(wire.to.port), to->name));
    if (wouldCycle(*t, wire))
        return EditResult::failure(
            QStringLiteral("A wire from `%1` to `%2` would close a cycle.").arg(from->name, to->name));
    return EditResult::success();
}

EditResult Project::addWire(const QString &typeName, const Wire &wire)
{
    if (EditResult r = canAddWire(typeName, wire); !r)
        return r;
    m_data.type(typeName)->wires.append(wire);
    Q_EMIT wireAdded(typeName, wire);
    Q_EMIT changed();
    return EditResult::success();
}

EditResult Project::removeWire(const QString &typeName, const Wire &wire)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    if (!t->wires.removeOne(wire))
        return EditResult::failure(QStringLiteral("There is no such wire in `%1`.").arg(typeName));
    Q_EMIT wireRemoved(typeName, wire);
    Q_EMIT changed();
    return r;
}

EditResult Project::renameInstance(const QString &typeName, const QString &fromArg, const QString &toArg)
{
    const QString from = fromArg;
    const QString to = toArg;
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Instance *i = t->instance(from);
    if (!i)
        return EditResult::failure(QStringLiteral("`%1` has no instance called `%2`.").arg(typeName, from));
    if (from == to)
        return r;
    if (EditResult c = checkIdentifier(to, QStringLiteral("module instance")); !c)
        return c;
    if (t->instance(to))
        return EditResult::failure(QStringLiteral("`%1` already has an instance called `%2`.").arg(typeName, to));
    i->name = to;
    for (Node &n : t->nodes)
        if (n.kind == NodeKind::Call && n.name == from)
            n.name = to;
    Q_EMIT instanceRenamed(typeName, from, to);
    Q_EMIT changed();
    return r;
}

EditResult Project::setOption(const QString &typeName, const QString &instanceName,
                              const QString &key, const OptionValue &value)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Instance *i = t->instance(instanceName);
    if (!i)
        return EditResult::failure(QStringLiteral("`%1` has no instance called `%2`.").arg(typeName, instanceName));
    if (value.isArgument() && !t->argument(value.argument))
        return EditResult::failure(QStringLiteral("`%1` has no argument `%2`.").arg(typeName, value.argument));
    if (const mc::LayerDefinition *layer = mc::LayerRegistry::find(i->type)) {
        const mc::OptionSpec *o = layer->option(key);
        if (!o)
            return EditResult::failure(QStringLiteral("%1 has no option `%2`.").arg(layer->name, key));
        const std::optional<mc::ResolvedValue> v = value.resolved({});
        const bool infer = o->inferable && v && v->numbers == QList<double>{0};
        if (v && !infer)
            if (const std::optional<QString> problem = mc::LayerDefinition::checkValue(*o, *v))
                return EditResult::failure(QStringLiteral("`%1` of `%2` must be %3.").arg(key, instanceName, *problem));
    } else if (!i->isStack()) {
        const ModuleType *inner = m_data.type(i->type);
        if (inner && !inner->argument(key))
            return EditResult::failure(QStringLiteral("`%1` takes no argument `%2`.").arg(i->type, key));
    }
    if (i->options.contains(key) && i->options.value(key) == value)
        return r;
    i->options.insert(key, value);
    Q_EMIT instanceChanged(typeName, instanceName);
    Q_EMIT changed();
    return r;
}

EditResult Project::removeOption(const QString &typeName, const QString &instanceName, const QString &key)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Instance *i = t->instance(instanceName);
    if (!i)
        return EditResult::failure(QStringLiteral("`%1` has no instance called `%2`.").arg(typeName, instanceName));
    if (i->options.remove(key) == 0)
        return r;
    Q_EMIT instanceChanged(typeName, instanceName);
    Q_EMIT changed();
    return r;
}

EditResult Project::setFrozen(const QString &typeName, const QString &instanceName, bool frozen)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Instance *i = t->instance(instanceName);
    if (!i)
        return EditResult::failure(QStringLiteral("`%1` has no instance called `%2`.").arg(typeName, instanceName));
    if (i->frozen == frozen)
        return r;
    i->frozen = frozen;
    Q_EMIT instanceChanged(typeName, instanceName);
    Q_EMIT changed();
    return r;
}

EditResult Project::setStackRows(const QString &typeName, const QString &instanceName,
                                 const QList<OptionMap> &rows)
{
    EditResult r;
    ModuleType *t = mutableType(typeName, &r);
    if (!t)
        return r;
    Instance *i = t->instance(instanceName);
    if (!i || !i->isStack())
        return EditResult::failure(QStringLiteral("`%1` has no stack called `%2`.").arg(typeName, instanceName));
    if (rows.size() > 10000)
        return EditResult::failure(QStringLiteral("A stack holds at most 10000 blocks."));
    if (i->rows == rows)
        return r;
    i->rows = rows;
    Q_EMIT instanceChanged(typeName, instanceName);
    Q_EMIT changed();
    return r;
}

QString Project::uniqueInstanceName(const QString &typeName, const QString &base) const
{
    const ModuleType *t = m_data.type(typeName);
    QString stem = base;
    while (!stem.isEmpty() && stem.back().isDigit())
        stem.chop(1);
    if (stem.isEmpty())
        stem = QStringLiteral("m");
    if (t && !t->instance(base) && checkIdentifier(base, QString()))
        return base;
    for (int k = 1;; ++k) {
        const QString candidate = stem + QString::number(k);
        if (!t || !t->instance(candidate))
            return candidate;
    }
}

} // namespace mc
