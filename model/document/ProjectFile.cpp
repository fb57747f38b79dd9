#include "document/ProjectFile.h"

#include "layers/LayerRegistry.h"
#include "document/Project.h"
#include "document/SaveFile.h"
#include "training/TrainingSettings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <cmath>

namespace mc {

namespace {

constexpr int kMaxTypes = 10000;
constexpr int kMaxNodes = 100000;
constexpr int kMaxArguments = 256;
constexpr double kMaxNumber = 1e8;
constexpr int kMaxRank = 8;

const QString kFormat = QStringLiteral("modelcomposer-project");

[[noreturn]] void fail(const QString &path, const QString &what)
{
    throw ProjectFormatError(QStringLiteral("%1: %2").arg(path, what));
}

QString pathAt(const QString &path, int index)
{
    return QStringLiteral("%1[%2]").arg(path).arg(index);
}

QString field(const QString &path, const QString &key)
{
    return path.isEmpty() ? key : path + QLatin1Char('.') + key;
}

void onlyKnownFields(const QJsonObject &o, const QString &path, std::initializer_list<const char *> known)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        bool ok = false;
        for (const char *k : known)
            ok = ok || it.key() == QLatin1String(k);
        if (!ok)
            fail(field(path, it.key()), QStringLiteral("unknown field"));
    }
}

QJsonObject object(const QJsonValue &v, const QString &path)
{
    if (!v.isObject())
        fail(path, QStringLiteral("expected an object"));
    return v.toObject();
}

QJsonArray array(const QJsonValue &v, const QString &path, int maxSize)
{
    if (!v.isArray())
        fail(path, QStringLiteral("expected an array"));
    const QJsonArray a = v.toArray();
    if (a.size() > maxSize)
        fail(path, QStringLiteral("more than %1 entries").arg(maxSize));
    return a;
}

QString string(const QJsonValue &v, const QString &path)
{
    if (!v.isString())
        fail(path, QStringLiteral("expected a string"));
    return v.toString();
}

QString identifier(const QJsonValue &v, const QString &path, const QString &what)
{
    const QString s = string(v, path);
    if (EditResult r = Project::checkIdentifier(s, what); !r)
        fail(path, r.reason);
    return s;
}

double number(const QJsonValue &v, const QString &path, double min = -kMaxNumber,
              double max = kMaxNumber)
{
    if (v.isBool())
        return v.toBool() ? 1 : 0;
    if (!v.isDouble())
        fail(path, QStringLiteral("expected a number"));
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < min || d > max)
        fail(path, QStringLiteral("%1 is outside %2 to %3").arg(d).arg(min).arg(max));
    return d;
}

int integer(const QJsonValue &v, const QString &path, int min, int max)
{
    const double d = number(v, path, min, max);
    if (d != std::floor(d))
        fail(path, QStringLiteral("expected a whole number"));
    return int(d);
}

/// A number or an argument reference (`{"arg": "k"}`).
OptionValue scalarValue(const QJsonValue &v, const QString &path)
{
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        onlyKnownFields(o, path, {"arg"});
        return OptionValue::ref(identifier(o.value(QStringLiteral("arg")), field(path, QStringLiteral("arg")),
                                           QStringLiteral("argument")));
    }
    return OptionValue::constant(number(v, path, -kMaxNumber, kMaxNumber));
}

/// An option's value: a number, an argument, a tuple `[3, 3]` or a word `"bilinear"`.
OptionValue optionValue(const QJsonValue &v, const QString &path)
{
    if (v.isArray()) {
        const QJsonArray a = array(v, path, 8);
        if (a.isEmpty())
            fail(path, QStringLiteral("expected a list of one to eight numbers"));
        QList<double> numbers;
        for (int k = 0; k < a.size(); ++k)
            numbers.append(number(a.at(k), pathAt(path, k), -kMaxNumber, kMaxNumber));
        return OptionValue::numbers(numbers);
    }
    if (v.isString()) {
        const QString w = v.toString();
        if (w.isEmpty() || w.size() > 64)
            fail(path, QStringLiteral("expected a word of 1 to 64 characters"));
        return OptionValue::text(w);
    }
    return scalarValue(v, path);
}

QJsonValue optionJson(const OptionValue &v)
{
    if (v.isArgument())
        return QJsonObject{{QStringLiteral("arg"), v.argument}};
    if (v.isWord())
        return v.word;
    if (v.isTuple()) {
        QJsonArray a;
        for (double d : v.tuple)
            a.append(d);
        return a;
    }
    return v.number;
}

/// An Input node's shape: `[1, 28, 28]`, each dimension a whole number of at
/// least 1 or an argument.
ShapeDecl shapeValue(const QJsonValue &v, const QString &path)
{
    const QJsonArray a = array(v, path, kMaxRank);
    ShapeDecl shape;
    for (int k = 0; k < a.size(); ++k) {
        const QString p = pathAt(path, k);
        OptionValue d = scalarValue(a.at(k), p);
        if (!d.isArgument() && (d.number < 1 || d.number != std::floor(d.number)))
            fail(p, QStringLiteral("expected a whole number from 1 to %1").arg(kMaxNumber));
        shape.append(d);
    }
    return shape;
}

OptionMap optionMap(const QJsonValue &v, const QString &path)
{
    const QJsonObject o = object(v, path);
    if (o.size() > kMaxArguments)
        fail(path, QStringLiteral("more than %1 entries").arg(kMaxArguments));
    OptionMap m;
    for (auto it = o.begin(); it != o.end(); ++it)
        m.insert(it.key(), optionValue(it.value(), field(path, it.key())));
    return m;
}

QJsonObject optionMapJson(const OptionMap &m)
{
    QJsonObject o;
    for (auto it = m.begin(); it != m.end(); ++it)
        o.insert(it.key(), optionJson(it.value()));
    return o;
}

void checkLayerOptions(const mc::LayerDefinition &layer, const OptionMap &options, const QString &path)
{
    for (auto it = options.begin(); it != options.end(); ++it) {
        const mc::OptionSpec *o = layer.option(it.key());
        if (!o)
            fail(field(path, it.key()), QStringLiteral("%1 has no such option").arg(layer.name));
        const std::optional<mc::ResolvedValue> v = it.value().resolved({});
        if (!v)
            continue; // an argument: checked where its value is known
        if (o->inferable && v->numbers == QList<double>{0})
            continue; // 0: take it from the wire (version 1 files write it so)
        if (const std::optional<QString> problem = mc::LayerDefinition::checkValue(*o, *v))
            fail(field(path, it.key()), QStringLiteral("%1 is not %2").arg(it.value().toString(), *problem));
    }
}

Instance readInstance(const QJsonObject &o, const QString &path)
{
    onlyKnownFields(o, path, {"name", "type", "options", "block", "rows", "frozen"});
    Instance i;
    i.name = identifier(o.value(QStringLiteral("name")), field(path, QStringLiteral("name")),
                        QStringLiteral("module instance"));
    i.type = string(o.value(QStringLiteral("type")), field(path, QStringLiteral("type")));
    if (o.contains(QStringLiteral("options")))
        i.options = optionMap(o.value(QStringLiteral("options")), field(path, QStringLiteral("options")));
    if (o.contains(QStringLiteral("frozen"))) {
        if (!o.value(QStringLiteral("frozen")).isBool())
            fail(field(path, QStringLiteral("frozen")), QStringLiteral("expected true or false"));
        i.frozen = o.value(QStringLiteral("frozen")).toBool();
    }
    if (i.isStack()) {
        i.blockType = string(o.value(QStringLiteral("block")), field(path, QStringLiteral("block")));
        const QJsonArray rows = array(o.value(QStringLiteral("rows")), field(path, QStringLiteral("rows")), 10000);
        for (int r = 0; r < rows.size(); ++r)
            i.rows.append(optionMap(rows.at(r), pathAt(field(path, QStringLiteral("rows")), r)));
    } else if (o.contains(QStringLiteral("block")) || o.contains(QStringLiteral("rows"))) {
        fail(field(path, QStringLiteral("block")), QStringLiteral("only a Stack has blocks"));
    }
    if (const mc::LayerDefinition *layer = mc::LayerRegistry::find(i.type))
        checkLayerOptions(*layer, i.options, field(path, QStringLiteral("options")));
    return i;
}

QJsonObject instanceJson(const Instance &i)
{
    QJsonObject o{{QStringLiteral("name"), i.name}, {QStringLiteral("type"), i.type}};
    if (!i.options.isEmpty())
        o.insert(QStringLiteral("options"), optionMapJson(i.options));
    if (i.isStack()) {
        o.insert(QStringLiteral("block"), i.blockType);
        QJsonArray rows;
        for (const OptionMap &r : i.rows)
            rows.append(optionMapJson(r));
        o.insert(QStringLiteral("rows"), rows);
    }
    if (i.frozen)
        o.insert(QStringLiteral("frozen"), true);
    return o;
}

QPointF readPos(const QJsonValue &v, const QString &path)
{
    const QJsonArray a = array(v, path, 2);
    if (a.size() != 2)
        fail(path, QStringLiteral("expected an array of two numbers"));
    return {number(a.at(0), pathAt(path, 0), -1e7, 1e7), number(a.at(1), pathAt(path, 1), -1e7, 1e7)};
}

Node readNode(const QJsonObject &o, const QString &path)
{
    onlyKnownFields(o, path, {"id", "call", "input", "output", "shape", "features", "pos"});
    Node n;
    n.id = integer(o.value(QStringLiteral("id")), field(path, QStringLiteral("id")), 1, 1000000000);
    const int kinds = int(o.contains(QStringLiteral("call"))) + int(o.contains(QStringLiteral("input"))) +
                      int(o.contains(QStringLiteral("output")));
    if (kinds != 1)
        fail(path, QStringLiteral("a node has exactly one of `call`, `input` or `output`"));
    if (o.contains(QStringLiteral("call"))) {
        n.kind = NodeKind::Call;
        n.name = identifier(o.value(QStringLiteral("call")), field(path, QStringLiteral("call")),
                            QStringLiteral("module instance"));
    } else if (o.contains(QStringLiteral("input"))) {
        n.kind = NodeKind::Input;
        n.name = identifier(o.value(QStringLiteral("input")), field(path, QStringLiteral("input")),
                            QStringLiteral("input"));
    } else {
        n.kind = NodeKind::Output;
        n.name = identifier(o.value(QStringLiteral("output")), field(path, QStringLiteral("output")),
                            QStringLiteral("output"));
    }
    if (o.contains(QStringLiteral("shape"))) {
        if (n.kind != NodeKind::Input)
            fail(field(path, QStringLiteral("shape")), QStringLiteral("only an input declares a shape"));
        n.shape = shapeValue(o.value(QStringLiteral("shape")), field(path, QStringLiteral("shape")));
    }
    // Version 1: `features: N` (or an argument) is the shape [N]; 0 declares nothing.
    if (o.contains(QStringLiteral("features"))) {
        const QString p = field(path, QStringLiteral("features"));
        if (n.kind != NodeKind::Input)
            fail(p, QStringLiteral("only an input declares features"));
        if (o.contains(QStringLiteral("shape")))
            fail(p, QStringLiteral("an input declares either `shape` or `features`, not both"));
        const OptionValue f = scalarValue(o.value(QStringLiteral("features")), p);
        if (!f.isArgument() && (f.number < 0 || f.number != std::floor(f.number)))
            fail(p, QStringLiteral("expected a whole number of at least 0"));
        if (f.isArgument() || f.number > 0)
            n.shape = {f};
    }
    if (o.contains(QStringLiteral("pos")))
        n.pos = readPos(o.value(QStringLiteral("pos")), field(path, QStringLiteral("pos")));
    return n;
}

QJsonObject nodeJson(const Node &n)
{
    QJsonObject o{{QStringLiteral("id"), n.id}};
    switch (n.kind) {
    case NodeKind::Call: o.insert(QStringLiteral("call"), n.name); break;
    case NodeKind::Input: o.insert(QStringLiteral("input"), n.name); break;
    case NodeKind::Output: o.insert(QStringLiteral("output"), n.name); break;
    }
    if (n.kind == NodeKind::Input && !n.shape.isEmpty()) {
        QJsonArray shape;
        for (const OptionValue &d : n.shape)
            shape.append(optionJson(d));
        o.insert(QStringLiteral("shape"), shape);
    }
    o.insert(QStringLiteral("pos"), QJsonArray{n.pos.x(), n.pos.y()});
    return o;
}

PortRef readPort(const QJsonValue &v, const QString &path)
{
    const QJsonArray a = array(v, path, 2);
    if (a.size() != 2)
        fail(path, QStringLiteral("expected [node id, port]"));
    return {integer(a.at(0), pathAt(path, 0), 1, 1000000000), integer(a.at(1), pathAt(path, 1), 0, 1024)};
}

bool hasCycle(const ModuleType &t)
{
    // Kahn's algorithm: a graph is acyclic when every node can be taken in order.
    QHash<int, int> indegree;
    QHash<int, QList<int>> next;
    for (const Node &n : t.nodes)
        indegree.insert(n.id, 0);
    for (const Wire &w : t.wires) {
        indegree[w.to.node] += 1;
        next[w.from.node].append(w.to.node);
    }
    QList<int> ready;
    for (auto it = indegree.begin(); it != indegree.end(); ++it)
        if (it.value() == 0)
            ready.append(it.key());
    int taken = 0;
    while (!ready.isEmpty()) {
        const int id = ready.takeLast();
        ++taken;
        for (int to : next.value(id))
            if (--indegree[to] == 0)
                ready.append(to);
    }
    return taken != t.nodes.size();
}

ModuleType readType(const QJsonObject &o, const QString &path)
{
    onlyKnownFields(o, path, {"name", "description", "arguments", "instances", "nodes", "wires"});
    ModuleType t;
    t.name = identifier(o.value(QStringLiteral("name")), field(path, QStringLiteral("name")),
                        QStringLiteral("module type"));
    if (mc::LayerRegistry::isBuiltin(t.name) || t.name == kStackType)
        fail(field(path, QStringLiteral("name")), QStringLiteral("`%1` is a built-in layer").arg(t.name));
    if (o.contains(QStringLiteral("description")))
        t.description = string(o.value(QStringLiteral("description")), field(path, QStringLiteral("description")));

    const QString argsPath = field(path, QStringLiteral("arguments"));
    const QJsonArray args = o.contains(QStringLiteral("arguments"))
                                ? array(o.value(QStringLiteral("arguments")), argsPath, kMaxArguments)
                                : QJsonArray();
    for (int k = 0; k < args.size(); ++k) {
        const QString p = pathAt(argsPath, k);
        const QJsonObject a = object(args.at(k), p);
        onlyKnownFields(a, p, {"name", "default"});
        Argument arg;
        arg.name = identifier(a.value(QStringLiteral("name")), field(p, QStringLiteral("name")),
                              QStringLiteral("argument"));
        if (t.argument(arg.name))
            fail(field(p, QStringLiteral("name")), QStringLiteral("a second argument called `%1`").arg(arg.name));
        if (a.contains(QStringLiteral("default")))
            arg.defaultValue = number(a.value(QStringLiteral("default")), field(p, QStringLiteral("default")));
        t.arguments.append(arg);
    }

    const QString instPath = field(path, QStringLiteral("instances"));
    const QJsonArray insts = array(o.value(QStringLiteral("instances")), instPath, kMaxNodes);
    for (int k = 0; k < insts.size(); ++k) {
        Instance i = readInstance(object(insts.at(k), pathAt(instPath, k)), pathAt(instPath, k));
        if (t.instance(i.name))
            fail(field(pathAt(instPath, k), QStringLiteral("name")),
                 QStringLiteral("a second instance called `%1`").arg(i.name));
        auto checkArgs = [&](const OptionMap &m, const QString &p) {
            for (auto it = m.begin(); it != m.end(); ++it)
                if (it.value().isArgument() && !t.argument(it.value().argument))
                    fail(field(p, it.key()), QStringLiteral("`%1` has no argument `%2`")
                                                 .arg(t.name, it.value().argument));
        };
        checkArgs(i.options, field(pathAt(instPath, k), QStringLiteral("options")));
        for (int r = 0; r < i.rows.size(); ++r)
            checkArgs(i.rows.at(r), pathAt(field(pathAt(instPath, k), QStringLiteral("rows")), r));
        t.instances.append(i);
    }

    const QString nodePath = field(path, QStringLiteral("nodes"));
    const QJsonArray nodes = array(o.value(QStringLiteral("nodes")), nodePath, kMaxNodes);
    QSet<int> ids;
    QSet<QString> called;
    for (int k = 0; k < nodes.size(); ++k) {
        const QString p = pathAt(nodePath, k);
        Node n = readNode(object(nodes.at(k), p), p);
        if (ids.contains(n.id))
            fail(field(p, QStringLiteral("id")), QStringLiteral("a second node with id %1").arg(n.id));
        ids.insert(n.id);
        if (n.kind == NodeKind::Call) {
            if (!t.instance(n.name))
                fail(field(p, QStringLiteral("call")), QStringLiteral("`%1` has no instance called `%2`")
                                                           .arg(t.name, n.name));
            called.insert(n.name);
        } else {
            for (const Node &other : t.nodes)
                if (other.kind == n.kind && other.name == n.name)
                    fail(p, QStringLiteral("a second port called `%1`").arg(n.name));
        }
        for (const OptionValue &d : n.shape)
            if (d.isArgument() && !t.argument(d.argument))
                fail(field(p, QStringLiteral("shape")),
                     QStringLiteral("`%1` has no argument `%2`").arg(t.name, d.argument));
        t.nodes.append(n);
    }
    for (int k = 0; k < t.instances.size(); ++k)
        if (!called.contains(t.instances.at(k).name))
            fail(pathAt(instPath, k), QStringLiteral("instance `%1` is not called by any node")
                                      .arg(t.instances.at(k).name));

    const QString wirePath = field(path, QStringLiteral("wires"));
    const QJsonArray wires = array(o.value(QStringLiteral("wires")), wirePath, kMaxNodes * 4);
    for (int k = 0; k < wires.size(); ++k) {
        const QString p = pathAt(wirePath, k);
        const QJsonObject w = object(wires.at(k), p);
        onlyKnownFields(w, p, {"from", "to"});
        Wire wire{readPort(w.value(QStringLiteral("from")), field(p, QStringLiteral("from"))),
                  readPort(w.value(QStringLiteral("to")), field(p, QStringLiteral("to")))};
        if (!ids.contains(wire.from.node))
            fail(field(p, QStringLiteral("from")), QStringLiteral("there is no node %1").arg(wire.from.node));
        if (!ids.contains(wire.to.node))
            fail(field(p, QStringLiteral("to")), QStringLiteral("there is no node %1").arg(wire.to.node));
        if (t.wireInto(wire.to))
            fail(field(p, QStringLiteral("to")), QStringLiteral("input %1 of node %2 has a second wire")
                                                     .arg(wire.to.port).arg(wire.to.node));
        t.wires.append(wire);
    }
    if (hasCycle(t))
        fail(wirePath, QStringLiteral("the wires of `%1` form a cycle").arg(t.name));
    return t;
}

QJsonObject typeJson(const ModuleType &t)
{
    QJsonObject o{{QStringLiteral("name"), t.name}};
    if (!t.description.isEmpty())
        o.insert(QStringLiteral("description"), t.description);
    if (!t.arguments.isEmpty()) {
        QJsonArray args;
        for (const Argument &a : t.arguments)
            args.append(QJsonObject{{QStringLiteral("name"), a.name}, {QStringLiteral("default"), a.defaultValue}});
        o.insert(QStringLiteral("arguments"), args);
    }
    QJsonArray insts, nodes, wires;
    for (const Instance &i : t.instances)
        insts.append(instanceJson(i));
    for (const Node &n : t.nodes)
        nodes.append(nodeJson(n));
    for (const Wire &w : t.wires)
        wires.append(QJsonObject{{QStringLiteral("from"), QJsonArray{w.from.node, w.from.port}},
                                 {QStringLiteral("to"), QJsonArray{w.to.node, w.to.port}}});
    o.insert(QStringLiteral("instances"), insts);
    o.insert(QStringLiteral("nodes"), nodes);
    o.insert(QStringLiteral("wires"), wires);
    return o;
}

/// Fails when a type uses itself, directly or through others.
void checkTypeReferences(const ProjectData &p)
{
    for (int k = 0; k < p.types.size(); ++k) {
        const ModuleType &t = p.types.at(k);
        for (int j = 0; j < t.instances.size(); ++j) {
            const Instance &i = t.instances.at(j);
            const QString used = i.isStack() ? i.blockType : i.type;
            const QString path = field(pathAt(field(pathAt(QStringLiteral("types"), k), QStringLiteral("instances")), j),
                                       i.isStack() ? QStringLiteral("block") : QStringLiteral("type"));
            if (i.isStack() && mc::LayerRegistry::isBuiltin(used))
                fail(path, QStringLiteral("a stack holds blocks of a module type, not of the built-in `%1`").arg(used));
            if (!mc::LayerRegistry::isBuiltin(used) && !p.type(used))
                fail(path, QStringLiteral("there is no layer or module type `%1`").arg(used));
        }
    }
    // Depth-first search over the "uses" relation, three colours.
    QHash<QString, int> state;
    std::function<void(int)> visit = [&](int k) {
        const ModuleType &t = p.types.at(k);
        state[t.name] = 1;
        for (int j = 0; j < t.instances.size(); ++j) {
            const Instance &i = t.instances.at(j);
            const QString used = i.isStack() ? i.blockType : i.type;
            if (mc::LayerRegistry::isBuiltin(used))
                continue;
            if (state.value(used) == 1)
                fail(field(pathAt(field(pathAt(QStringLiteral("types"), k), QStringLiteral("instances")), j),
                           QStringLiteral("type")),
                     QStringLiteral("`%1` contains itself through `%2`").arg(used, t.name));
            if (state.value(used) == 0)
                for (int m = 0; m < p.types.size(); ++m)
                    if (p.types.at(m).name == used)
                        visit(m);
        }
        state[t.name] = 2;
    };
    for (int k = 0; k < p.types.size(); ++k)
        if (state.value(p.types.at(k).name) == 0)
            visit(k);
}

} // namespace

QJsonObject ProjectFile::toJson(const ProjectData &project)
{
    QJsonArray types;
    for (const ModuleType &t : project.types)
        types.append(typeJson(t));
    QJsonObject o{{QStringLiteral("format"), kFormat},
                  {QStringLiteral("version"), kVersion},
                  {QStringLiteral("root"), project.root},
                  {QStringLiteral("types"), types}};
    if (!project.training.isEmpty())
        o.insert(QStringLiteral("training"), project.training);
    return o;
}

QByteArray ProjectFile::toBytes(const ProjectData &project)
{
    return QJsonDocument(toJson(project)).toJson(QJsonDocument::Indented);
}

ProjectData ProjectFile::fromJson(const QJsonObject &o)
{
    if (o.value(QStringLiteral("format")) != kFormat)
        fail(QStringLiteral("format"), QStringLiteral("this is not a Model Composer project (expected \"%1\")").arg(kFormat));
    const int version = integer(o.value(QStringLiteral("version")), QStringLiteral("version"), 1, 1000000);
    if (version > kVersion)
        fail(QStringLiteral("version"),
             QStringLiteral("the file was written by a newer Model Composer (format %1; this one reads up to %2)")
                 .arg(version).arg(kVersion));
    onlyKnownFields(o, QString(), {"format", "version", "root", "types", "training"});
    ProjectData p;
    const QJsonArray types = array(o.value(QStringLiteral("types")), QStringLiteral("types"), kMaxTypes);
    qint64 totalNodes = 0;
    for (int k = 0; k < types.size(); ++k) {
        const QString path = pathAt(QStringLiteral("types"), k);
        ModuleType t = readType(object(types.at(k), path), path);
        if (p.type(t.name))
            fail(field(path, QStringLiteral("name")), QStringLiteral("a second module type called `%1`").arg(t.name));
        totalNodes += t.nodes.size();
        if (totalNodes > kMaxNodes)
            fail(path, QStringLiteral("the project has more than %1 nodes").arg(kMaxNodes));
        p.types.append(t);
    }
    p.root = string(o.value(QStringLiteral("root")), QStringLiteral("root"));
    if (!p.type(p.root))
        fail(QStringLiteral("root"), QStringLiteral("there is no module type `%1`").arg(p.root));
    checkTypeReferences(p);
    if (o.contains(QStringLiteral("training"))) {
        p.training = object(o.value(QStringLiteral("training")), QStringLiteral("training"));
        // Refuse bad settings when the project opens, not when training starts.
        (void)TrainingSettings::fromJson(p.training);
    }
    return p;
}

ProjectData ProjectFile::fromBytes(const QByteArray &bytes)
{
    if (bytes.size() > kMaxBytes)
        fail(QStringLiteral("(file)"), QStringLiteral("larger than %1 MiB").arg(kMaxBytes >> 20));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError)
        fail(QStringLiteral("(file)"), QStringLiteral("not valid JSON at byte %1: %2")
                                           .arg(error.offset).arg(error.errorString()));
    if (!doc.isObject())
        fail(QStringLiteral("(file)"), QStringLiteral("expected a JSON object at the top"));
    return fromJson(doc.object());
}

ProjectData ProjectFile::load(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw ProjectFormatError(QStringLiteral("Cannot open %1: %2").arg(path, file.errorString()));
    if (file.size() > kMaxBytes)
        throw ProjectFormatError(QStringLiteral("%1 is larger than %2 MiB.").arg(path).arg(kMaxBytes >> 20));
    try {
        return fromBytes(file.readAll());
    } catch (const ProjectFormatError &e) {
        throw ProjectFormatError(QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), e.message()));
    }
}

bool ProjectFile::save(const ProjectData &project, const QString &path, QString *error)
{
    QString reason;
    if (!saveFileAtomically(path, toBytes(project), &reason)) {
        if (error)
            *error = QStringLiteral("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), reason);
        return false;
    }
    return true;
}

} // namespace mc
