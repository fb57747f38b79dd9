// Normalization: LayerNorm, BatchNorm1d, BatchNorm2d, GroupNorm.

#include "layers/families/Family.h"

namespace mc::family {

namespace {

namespace nn = torch::nn;

QList<OptionSpec> batchNormOptions()
{
    return {inferredSize(QStringLiteral("num_features"), QStringLiteral("Channels (C); taken from the wire when omitted.")),
            real(QStringLiteral("eps"), 1e-5, 0, 1, QStringLiteral("Added to the variance.")),
            real(QStringLiteral("momentum"), 0.1, 0, 1, QStringLiteral("Running statistics momentum.")),
            boolean(QStringLiteral("affine"), true, QStringLiteral("Learn a scale and a shift."))};
}

QList<TensorSpec> batchNormTensors(const ResolvedOptions &o)
{
    const int64_t n = o.integer(QStringLiteral("num_features"));
    QList<TensorSpec> t;
    if (o.flag(QStringLiteral("affine")))
        t = {{QStringLiteral("weight"), {n}}, {QStringLiteral("bias"), {n}}};
    t.append({QStringLiteral("running_mean"), {n}, true});
    t.append({QStringLiteral("running_var"), {n}, true});
    t.append({QStringLiteral("num_batches_tracked"), {}, true});
    return t;
}

/// As torch.nn.BatchNorm*d: batch statistics while training (updating the
/// running ones), running statistics in eval mode.
QString batchNormScript(const ResolvedOptions &o, const QStringList &a)
{
    const bool affine = o.flag(QStringLiteral("affine"));
    return QStringLiteral("    if self.training:\n"
                          "        self.num_batches_tracked.add_(1)\n"
                          "    return torch.batch_norm(%1, %2, %3, self.running_mean, self.running_var, "
                          "self.training, %4, %5, True)\n")
        .arg(a.value(0), optionalTensor(affine, QStringLiteral("weight")), optionalTensor(affine, QStringLiteral("bias")),
             python::real(o.number(QStringLiteral("momentum"))), python::real(o.number(QStringLiteral("eps"))));
}

LayerDefinition layerNorm()
{
    LayerDefinition d;
    d.name = QStringLiteral("LayerNorm");
    d.category = QStringLiteral("Normalization");
    d.doc = QStringLiteral("Normalizes each sample over its last dimension.");
    d.instanceName = QStringLiteral("norm");
    d.options = {inferredSize(QStringLiteral("normalized_shape"), QStringLiteral("Size of the last dimension; taken from the wire when omitted.")),
                 real(QStringLiteral("eps"), 1e-5, 0, 1, QStringLiteral("Added to the variance.")),
                 boolean(QStringLiteral("elementwise_affine"), true, QStringLiteral("Learn a scale and a shift."))};
    d.pythonPositional = {QStringLiteral("normalized_shape")};
    d.shapes = [](LayerShapes &s) {
        inferOrCheck(s, QStringLiteral("normalized_shape"), -1, QStringLiteral("features"));
        const Shape in = s.input(0);
        s.outputs = {in.isKnown() ? in : Shape::features(s.options.integer(QStringLiteral("normalized_shape")))};
    };
    d.tensors = [](const ResolvedOptions &o) {
        const int64_t n = o.integer(QStringLiteral("normalized_shape"));
        if (!o.flag(QStringLiteral("elementwise_affine")))
            return QList<TensorSpec>();
        return QList<TensorSpec>{{QStringLiteral("weight"), {n}}, {QStringLiteral("bias"), {n}}};
    };
    d.build = [](const LayerBuild &b) {
        const ResolvedOptions &o = b.options;
        return unaryCall(b.add(nn::LayerNorm(nn::LayerNormOptions({o.integer(QStringLiteral("normalized_shape"))})
                                                 .eps(o.number(QStringLiteral("eps")))
                                                 .elementwise_affine(o.flag(QStringLiteral("elementwise_affine"))))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        const bool affine = o.flag(QStringLiteral("elementwise_affine"));
        return returns(QStringLiteral("torch.layer_norm(%1, [%2], %3, %4, %5)")
                           .arg(a.value(0))
                           .arg(o.integer(QStringLiteral("normalized_shape")))
                           .arg(optionalTensor(affine, QStringLiteral("weight")), optionalTensor(affine, QStringLiteral("bias")),
                                python::real(o.number(QStringLiteral("eps")))));
    };
    d.samples = {{QStringLiteral("features"), QStringLiteral("{}"), {Shape({6})}},
                 {QStringLiteral("sequence_plain"), QStringLiteral(R"({"elementwise_affine": false, "eps": 0.001})"), {Shape({4, 6})}}};
    return d;
}

LayerDefinition batchNorm1d()
{
    LayerDefinition d;
    d.name = QStringLiteral("BatchNorm1d");
    d.category = QStringLiteral("Normalization");
    d.doc = QStringLiteral("Normalizes each channel of [C] or [C, L] over the batch.");
    d.instanceName = QStringLiteral("bn");
    d.options = batchNormOptions();
    d.pythonPositional = {QStringLiteral("num_features")};
    d.shapes = [](LayerShapes &s) {
        const Shape in = s.input(0);
        if (in.isKnown() && in.rank() != 1 && in.rank() != 2)
            s.fail(QStringLiteral("`%1` takes [C] or [C, L], %2 gives %3").arg(s.who, s.source(0), in.listText()));
        inferOrCheck(s, QStringLiteral("num_features"), 0, QStringLiteral("features"));
        s.outputs = {in.isKnown() ? in : Shape::features(s.options.integer(QStringLiteral("num_features")))};
    };
    d.tensors = batchNormTensors;
    d.build = [](const LayerBuild &b) {
        const ResolvedOptions &o = b.options;
        return unaryCall(b.add(nn::BatchNorm1d(nn::BatchNorm1dOptions(o.integer(QStringLiteral("num_features")))
                                                   .eps(o.number(QStringLiteral("eps")))
                                                   .momentum(o.number(QStringLiteral("momentum")))
                                                   .affine(o.flag(QStringLiteral("affine"))))));
    };
    d.script = batchNormScript;
    d.samples = {{QStringLiteral("features"), QStringLiteral("{}"), {Shape({5})}},
                 {QStringLiteral("channels_plain"), QStringLiteral(R"({"affine": false, "momentum": 0.3})"), {Shape({3, 4})}}};
    return d;
}

LayerDefinition batchNorm2d()
{
    LayerDefinition d = batchNorm1d();
    d.name = QStringLiteral("BatchNorm2d");
    d.doc = QStringLiteral("Normalizes each channel of [C, H, W] over the batch.");
    d.shapes = [](LayerShapes &s) {
        needRank(s, 3, QStringLiteral("[C, H, W]"));
        inferOrCheck(s, QStringLiteral("num_features"), 0, QStringLiteral("input channels"));
        const Shape in = s.input(0);
        s.outputs = {in.isKnown() ? in : Shape()};
    };
    d.build = [](const LayerBuild &b) {
        const ResolvedOptions &o = b.options;
        return unaryCall(b.add(nn::BatchNorm2d(nn::BatchNorm2dOptions(o.integer(QStringLiteral("num_features")))
                                                   .eps(o.number(QStringLiteral("eps")))
                                                   .momentum(o.number(QStringLiteral("momentum")))
                                                   .affine(o.flag(QStringLiteral("affine"))))));
    };
    d.samples = {{QStringLiteral("image"), QStringLiteral("{}"), {Shape({3, 4, 4})}},
                 {QStringLiteral("image_plain"), QStringLiteral(R"({"num_features": 2, "affine": false, "eps": 0.01})"), {Shape({2, 3, 5})}}};
    return d;
}

LayerDefinition groupNorm()
{
    LayerDefinition d;
    d.name = QStringLiteral("GroupNorm");
    d.category = QStringLiteral("Normalization");
    d.doc = QStringLiteral("Normalizes groups of channels of [C, …] within each sample.");
    d.instanceName = QStringLiteral("norm");
    d.options = {requiredInteger(QStringLiteral("num_groups"), 1, QStringLiteral("Groups the channels are split into.")),
                 inferredSize(QStringLiteral("num_channels"), QStringLiteral("Channels (C); taken from the wire when omitted.")),
                 real(QStringLiteral("eps"), 1e-5, 0, 1, QStringLiteral("Added to the variance.")),
                 boolean(QStringLiteral("affine"), true, QStringLiteral("Learn a scale and a shift per channel."))};
    d.pythonPositional = {QStringLiteral("num_groups"), QStringLiteral("num_channels")};
    d.shapes = [](LayerShapes &s) {
        const Shape in = s.input(0);
        if (in.isKnown() && in.rank() < 1)
            s.fail(QStringLiteral("`%1` takes [C, …], %2 gives a single number").arg(s.who, s.source(0)));
        inferOrCheck(s, QStringLiteral("num_channels"), 0, QStringLiteral("channels"));
        const qint64 c = s.options.integer(QStringLiteral("num_channels"));
        const qint64 g = s.options.integer(QStringLiteral("num_groups"));
        if (c > 0 && g > 0 && c % g != 0)
            s.fail(QStringLiteral("`%1` splits %2 channels into %3 groups: the channels must divide evenly").arg(s.who).arg(c).arg(g));
        s.outputs = {in};
    };
    d.tensors = [](const ResolvedOptions &o) {
        const int64_t c = o.integer(QStringLiteral("num_channels"));
        if (!o.flag(QStringLiteral("affine")))
            return QList<TensorSpec>();
        return QList<TensorSpec>{{QStringLiteral("weight"), {c}}, {QStringLiteral("bias"), {c}}};
    };
    d.build = [](const LayerBuild &b) {
        const ResolvedOptions &o = b.options;
        return unaryCall(b.add(nn::GroupNorm(nn::GroupNormOptions(o.integer(QStringLiteral("num_groups")),
                                                                  o.integer(QStringLiteral("num_channels")))
                                                 .eps(o.number(QStringLiteral("eps")))
                                                 .affine(o.flag(QStringLiteral("affine"))))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        const bool affine = o.flag(QStringLiteral("affine"));
        return returns(QStringLiteral("torch.group_norm(%1, %2, %3, %4, %5, True)")
                           .arg(a.value(0))
                           .arg(o.integer(QStringLiteral("num_groups")))
                           .arg(optionalTensor(affine, QStringLiteral("weight")), optionalTensor(affine, QStringLiteral("bias")),
                                python::real(o.number(QStringLiteral("eps")))));
    };
    d.samples = {{QStringLiteral("image"), QStringLiteral(R"({"num_groups": 2})"), {Shape({4, 3, 3})}},
                 {QStringLiteral("sequence_plain"), QStringLiteral(R"({"num_groups": 3, "affine": false})"), {Shape({6, 5})}}};
    return d;
}

} // namespace

QList<LayerDefinition> normalizationLayers()
{
    return {layerNorm(), batchNorm1d(), batchNorm2d(), groupNorm()};
}

} // namespace mc::family
