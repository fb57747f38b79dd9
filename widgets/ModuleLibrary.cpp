#include "ModuleLibrary.h"

namespace mc {

namespace {

Instance layer(const QString &name, const QString &type, const OptionMap &options = {})
{
    Instance i;
    i.name = name;
    i.type = type;
    i.options = options;
    return i;
}

Node input(int id, const QString &name, const OptionValue &features, QPointF pos)
{
    Node n;
    n.id = id;
    n.kind = NodeKind::Input;
    n.name = name;
    n.shape = {features};
    n.pos = pos;
    return n;
}

Node output(int id, const QString &name, QPointF pos)
{
    Node n;
    n.id = id;
    n.kind = NodeKind::Output;
    n.name = name;
    n.pos = pos;
    return n;
}

Node call(int id, const QString &name, QPointF pos)
{
    Node n;
    n.id = id;
    n.kind = NodeKind::Call;
    n.name = name;
    n.pos = pos;
    return n;
}

Wire wire(int from, int to, int toPort = 0)
{
    return Wire{PortRef{from, 0}, PortRef{to, toPort}};
}

OptionValue arg(const char *name)
{
    return OptionValue::ref(QString::fromLatin1(name));
}

/// x -> fc -> activation -> y, the shape of the article's three small modules.
ModuleType linearThen(const QString &name, const QString &description, const QString &inArg,
                      double inDefault, const QString &outArg, double outDefault,
                      const QString &activationName, const QString &activation)
{
    ModuleType t;
    t.name = name;
    t.description = description;
    t.arguments = {Argument{inArg, inDefault}, Argument{outArg, outDefault}};
    t.instances = {layer(QStringLiteral("fc"), QStringLiteral("Linear"),
                         {{QStringLiteral("in_features"), OptionValue::ref(inArg)},
                          {QStringLiteral("out_features"), OptionValue::ref(outArg)}}),
                   layer(activationName, activation)};
    t.nodes = {input(1, QStringLiteral("x"), OptionValue::ref(inArg), {0, 0}),
               call(2, QStringLiteral("fc"), {200, 0}), call(3, activationName, {400, 0}),
               output(4, QStringLiteral("y"), {600, 0})};
    t.wires = {wire(1, 2), wire(2, 3), wire(3, 4)};
    return t;
}

QList<ModuleType> makeLibrary()
{
    QList<ModuleType> types;
    types.append(linearThen(QStringLiteral("Encoder"), QStringLiteral("Linear then ReLU: input_dim -> hidden_dim."),
                            QStringLiteral("input_dim"), 10, QStringLiteral("hidden_dim"), 5,
                            QStringLiteral("relu"), QStringLiteral("ReLU")));
    types.append(linearThen(QStringLiteral("Decoder"), QStringLiteral("Linear then Sigmoid: hidden_dim -> output_dim."),
                            QStringLiteral("hidden_dim"), 5, QStringLiteral("output_dim"), 1,
                            QStringLiteral("sigmoid"), QStringLiteral("Sigmoid")));
    types.append(linearThen(QStringLiteral("Block"), QStringLiteral("Linear then ReLU: in_features -> out_features."),
                            QStringLiteral("in_features"), 10, QStringLiteral("out_features"), 20,
                            QStringLiteral("relu"), QStringLiteral("ReLU")));

    ModuleType mlp;
    mlp.name = QStringLiteral("MLP");
    mlp.description = QStringLiteral("Two Linear layers with a ReLU between: in_features -> hidden_features -> out_features.");
    mlp.arguments = {Argument{QStringLiteral("in_features"), 10}, Argument{QStringLiteral("hidden_features"), 32},
                     Argument{QStringLiteral("out_features"), 1}};
    mlp.instances = {layer(QStringLiteral("fc1"), QStringLiteral("Linear"),
                           {{QStringLiteral("in_features"), arg("in_features")},
                            {QStringLiteral("out_features"), arg("hidden_features")}}),
                     layer(QStringLiteral("relu"), QStringLiteral("ReLU")),
                     layer(QStringLiteral("fc2"), QStringLiteral("Linear"),
                           {{QStringLiteral("in_features"), arg("hidden_features")},
                            {QStringLiteral("out_features"), arg("out_features")}})};
    mlp.nodes = {input(1, QStringLiteral("x"), arg("in_features"), {0, 0}), call(2, QStringLiteral("fc1"), {200, 0}),
                 call(3, QStringLiteral("relu"), {400, 0}), call(4, QStringLiteral("fc2"), {600, 0}),
                 output(5, QStringLiteral("y"), {800, 0})};
    mlp.wires = {wire(1, 2), wire(2, 3), wire(3, 4), wire(4, 5)};
    types.append(mlp);

    ModuleType res;
    res.name = QStringLiteral("ResidualBlock");
    res.description = QStringLiteral("y = relu(x + fc2(relu(fc1(x)))): dim -> dim.");
    res.arguments = {Argument{QStringLiteral("dim"), 16}};
    const OptionMap square{{QStringLiteral("in_features"), arg("dim")}, {QStringLiteral("out_features"), arg("dim")}};
    res.instances = {layer(QStringLiteral("fc1"), QStringLiteral("Linear"), square),
                     layer(QStringLiteral("relu1"), QStringLiteral("ReLU")),
                     layer(QStringLiteral("fc2"), QStringLiteral("Linear"), square),
                     layer(QStringLiteral("add"), QStringLiteral("Add")),
                     layer(QStringLiteral("relu2"), QStringLiteral("ReLU"))};
    res.nodes = {input(1, QStringLiteral("x"), arg("dim"), {0, 100}), call(2, QStringLiteral("fc1"), {200, 0}),
                 call(3, QStringLiteral("relu1"), {400, 0}), call(4, QStringLiteral("fc2"), {600, 0}),
                 call(5, QStringLiteral("add"), {800, 100}), call(6, QStringLiteral("relu2"), {1000, 100}),
                 output(7, QStringLiteral("y"), {1200, 100})};
    res.wires = {wire(1, 2), wire(2, 3), wire(3, 4), wire(4, 5, 0), wire(1, 5, 1), wire(5, 6), wire(6, 7)};
    types.append(res);
    return types;
}

} // namespace

const QList<ModuleType> &ModuleLibrary::types()
{
    static const QList<ModuleType> library = makeLibrary();
    return library;
}

const ModuleType *ModuleLibrary::find(const QString &name)
{
    for (const ModuleType &t : types())
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace mc
