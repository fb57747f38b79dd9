// Linear layers and the layers that pass values through: Linear, Identity,
// Dropout, Dropout2d.

#include "layers/families/Family.h"

namespace mc::family {

namespace {

namespace nn = torch::nn;

LayerDefinition linear()
{
    LayerDefinition d;
    d.name = QStringLiteral("Linear");
    d.category = QStringLiteral("Layers");
    d.doc = QStringLiteral("y = x Wᵀ + b, on the last dimension");
    d.instanceName = QStringLiteral("fc1");
    d.options = {inferredSize(QStringLiteral("in_features"), QStringLiteral("Input features; taken from the wire when omitted.")),
                 requiredInteger(QStringLiteral("out_features"), 1, QStringLiteral("Output features.")),
                 boolean(QStringLiteral("bias"), true, QStringLiteral("Learn an additive bias."))};
    d.pythonPositional = {QStringLiteral("in_features"), QStringLiteral("out_features")};
    d.shapes = [](LayerShapes &s) {
        const Shape in = s.input(0);
        if (in.isKnown() && in.rank() == 0)
            s.fail(QStringLiteral("`%1` acts on the last dimension, %2 gives a single number").arg(s.who, s.source(0)));
        inferOrCheck(s, QStringLiteral("in_features"), -1, QStringLiteral("features"));
        const qint64 out = s.options.integer(QStringLiteral("out_features"));
        if (!in.isKnown() || in.rank() == 0) {
            s.outputs = {in.isKnown() ? Shape() : Shape::features(out)};
            return;
        }
        QList<qint64> dims = in.dims();
        dims.last() = out > 0 ? out : Shape::kUnknown;
        s.outputs = {Shape(dims)};
    };
    d.tensors = [](const ResolvedOptions &o) {
        const int64_t in = o.integer(QStringLiteral("in_features")), out = o.integer(QStringLiteral("out_features"));
        QList<TensorSpec> t{{QStringLiteral("weight"), {out, in}}};
        if (o.flag(QStringLiteral("bias")))
            t.append({QStringLiteral("bias"), {out}});
        return t;
    };
    d.build = [](const LayerBuild &b) {
        const ResolvedOptions &o = b.options;
        return unaryCall(b.add(nn::Linear(nn::LinearOptions(o.integer(QStringLiteral("in_features")),
                                                            o.integer(QStringLiteral("out_features")))
                                              .bias(o.flag(QStringLiteral("bias"))))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.linear(%1, self.weight, %2)")
                           .arg(a.value(0), optionalTensor(o.flag(QStringLiteral("bias")), QStringLiteral("bias"))));
    };
    d.samples = {{QStringLiteral("features"), QStringLiteral(R"({"out_features": 4})"), {Shape({6})}},
                 {QStringLiteral("sequence_no_bias"), QStringLiteral(R"({"in_features": 6, "out_features": 3, "bias": false})"),
                  {Shape({5, 6})}}};
    return d;
}

LayerDefinition identity()
{
    LayerDefinition d;
    d.name = QStringLiteral("Identity");
    d.category = QStringLiteral("Layers");
    d.doc = QStringLiteral("Passes its input through.");
    d.instanceName = QStringLiteral("identity");
    d.shapes = sameShape;
    d.build = [](const LayerBuild &b) { return unaryCall(b.add(nn::Identity())); };
    d.script = [](const ResolvedOptions &, const QStringList &a) { return returns(a.value(0)); };
    d.samples = {{QStringLiteral("image"), QStringLiteral("{}"), {Shape({2, 3, 3})}}};
    return d;
}

LayerDefinition dropout()
{
    LayerDefinition d;
    d.name = QStringLiteral("Dropout");
    d.category = QStringLiteral("Layers");
    d.doc = QStringLiteral("Zeroes elements with probability p while training.");
    d.instanceName = QStringLiteral("dropout");
    d.options = {real(QStringLiteral("p"), 0.5, 0, 1, QStringLiteral("Probability of an element to be zeroed."))};
    d.shapes = sameShape;
    d.build = [](const LayerBuild &b) {
        return unaryCall(b.add(nn::Dropout(nn::DropoutOptions(b.options.number(QStringLiteral("p"))))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.dropout(%1, %2, self.training)")
                           .arg(a.value(0), python::real(o.number(QStringLiteral("p")))));
    };
    d.samples = {{QStringLiteral("features"), QStringLiteral(R"({"p": 0.25})"), {Shape({8})}}};
    return d;
}

LayerDefinition dropout2d()
{
    LayerDefinition d;
    d.name = QStringLiteral("Dropout2d");
    d.category = QStringLiteral("Layers");
    d.doc = QStringLiteral("Zeroes whole channels of [C, H, W] with probability p while training.");
    d.instanceName = QStringLiteral("dropout");
    d.options = {real(QStringLiteral("p"), 0.5, 0, 1, QStringLiteral("Probability of a channel to be zeroed."))};
    d.shapes = [](LayerShapes &s) {
        needRank(s, 3, QStringLiteral("[C, H, W]"));
        sameShape(s);
    };
    d.build = [](const LayerBuild &b) {
        return unaryCall(b.add(nn::Dropout2d(nn::Dropout2dOptions(b.options.number(QStringLiteral("p"))))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.feature_dropout(%1, %2, self.training)")
                           .arg(a.value(0), python::real(o.number(QStringLiteral("p")))));
    };
    d.samples = {{QStringLiteral("image"), QStringLiteral(R"({"p": 0.3})"), {Shape({4, 5, 5})}}};
    return d;
}

} // namespace

QList<LayerDefinition> linearLayers()
{
    return {linear(), dropout(), dropout2d(), identity()};
}

} // namespace mc::family
