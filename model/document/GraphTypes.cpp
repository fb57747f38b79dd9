#include "document/GraphTypes.h"

#include <QStringList>

namespace mc {

QString OptionValue::toString() const
{
    if (isArgument())
        return argument;
    if (isWord())
        return word;
    if (isTuple()) {
        QStringList parts;
        for (double d : tuple)
            parts.append(QString::number(d));
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    return QString::number(number);
}

std::optional<mc::ResolvedValue> OptionValue::resolved(const QMap<QString, double> &args) const
{
    if (isWord())
        return mc::ResolvedValue{{}, word};
    if (isTuple())
        return mc::ResolvedValue{tuple, {}};
    if (!isArgument())
        return mc::ResolvedValue{{number}, {}};
    const auto it = args.find(argument);
    if (it == args.end())
        return std::nullopt;
    return mc::ResolvedValue{{it.value()}, {}};
}

const Node *ModuleType::node(int id) const
{
    for (const Node &n : nodes)
        if (n.id == id)
            return &n;
    return nullptr;
}

// The non-const accessors iterate non-const so that the list detaches: a
// pointer into data shared with a copy (an undo snapshot) must never be written.
Node *ModuleType::node(int id)
{
    for (Node &n : nodes)
        if (n.id == id)
            return &n;
    return nullptr;
}

const Instance *ModuleType::instance(const QString &instanceName) const
{
    for (const Instance &i : instances)
        if (i.name == instanceName)
            return &i;
    return nullptr;
}

Instance *ModuleType::instance(const QString &instanceName)
{
    for (Instance &i : instances)
        if (i.name == instanceName)
            return &i;
    return nullptr;
}

const Argument *ModuleType::argument(const QString &argName) const
{
    for (const Argument &a : arguments)
        if (a.name == argName)
            return &a;
    return nullptr;
}

QList<const Node *> ModuleType::ports(NodeKind kind) const
{
    QList<const Node *> out;
    for (const Node &n : nodes)
        if (n.kind == kind)
            out.append(&n);
    return out;
}

std::optional<Wire> ModuleType::wireInto(PortRef to) const
{
    for (const Wire &w : wires)
        if (w.to == to)
            return w;
    return std::nullopt;
}

QList<int> ModuleType::callsOf(const QString &instanceName) const
{
    QList<int> ids;
    for (const Node &n : nodes)
        if (n.kind == NodeKind::Call && n.name == instanceName)
            ids.append(n.id);
    return ids;
}

int ModuleType::nextNodeId() const
{
    int next = 1;
    for (const Node &n : nodes)
        next = std::max(next, n.id + 1);
    return next;
}

const ModuleType *ProjectData::type(const QString &name) const
{
    for (const ModuleType &t : types)
        if (t.name == name)
            return &t;
    return nullptr;
}

ModuleType *ProjectData::type(const QString &name)
{
    for (ModuleType &t : types)
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace mc
