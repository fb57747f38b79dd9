// Activations: element-wise functions and the normalized exponentials.

#include "layers/families/Family.h"

namespace mc::family {

namespace {

namespace nn = torch::nn;

/// An element-wise activation without options: its TorchScript is `torch.<op>(x)`.
LayerDefinition plain(const QString &name, const QString &doc, const QString &instanceName,
                      LayerCall (*build)(const LayerBuild &), QString (*script)(const ResolvedOptions &, const QStringList &))
{
    LayerDefinition d;
    d.name = name;
    d.category = QStringLiteral("Activations");
    d.doc = doc;
    d.instanceName = instanceName;
    d.shapes = sameShape;
    d.build = build;
    d.script = script;
    d.samples = {{QStringLiteral("features"), QStringLiteral("{}"), {Shape({7})}},
                 {QStringLiteral("image"), QStringLiteral("{}"), {Shape({2, 3, 4})}}};
    return d;
}

/// Softmax's `dim` as the Python export writes it: a number, or the
/// argument of the module type that gives it.
QString dimText(const ResolvedOptions &o)
{
    const QString name = o.pythonName(QStringLiteral("dim"));
    return name.isEmpty() ? python::integer(o.integer(QStringLiteral("dim"))) : name;
}

/// Softmax and LogSoftmax: `dim` counts the batch dimension, as in PyTorch.
LayerDefinition normalizedExponential(const QString &name, const QString &doc, const QString &instanceName)
{
    LayerDefinition d;
    d.name = name;
    d.category = QStringLiteral("Activations");
    d.doc = doc;
    d.instanceName = instanceName;
    d.options = {integer(QStringLiteral("dim"), 1, -9, QStringLiteral("Dimension to normalize, counting the batch as 0 (1 or -1: the features of a vector)."))};
    d.options[0].maximum = 9;
    d.shapes = [](LayerShapes &s) {
        const Shape in = s.input(0);
        const qint64 dim = s.options.integer(QStringLiteral("dim"));
        if (in.isKnown() && (dim > in.rank() || dim < -(in.rank() + 1)))
            s.fail(QStringLiteral("`%1` normalizes dimension %2, but %3 gives %4 dimensions with the batch (shape %5)")
                       .arg(s.who).arg(dim).arg(s.source(0)).arg(in.rank() + 1).arg(in.listText()));
        else if (dim == 0 || (in.isKnown() && dim == -(in.rank() + 1)))
            s.fail(QStringLiteral("`%1` would normalize across the batch (dim %2)").arg(s.who).arg(dim));
        sameShape(s);
    };
    d.samples = {{QStringLiteral("features"), QStringLiteral(R"({"dim": 1})"), {Shape({6})}},
                 {QStringLiteral("last_of_sequence"), QStringLiteral(R"({"dim": -1})"), {Shape({3, 5})}}};
    return d;
}

} // namespace

QList<LayerDefinition> activationLayers()
{
    LayerDefinition relu = plain(
        QStringLiteral("ReLU"), QStringLiteral("max(0, x)"), QStringLiteral("relu"),
        [](const LayerBuild &b) { return unaryCall(b.add(nn::ReLU())); },
        [](const ResolvedOptions &, const QStringList &a) { return returns(QStringLiteral("torch.relu(%1)").arg(a.value(0))); });

    LayerDefinition leaky = plain(
        QStringLiteral("LeakyReLU"), QStringLiteral("max(0, x) + negative_slope · min(0, x)"), QStringLiteral("leaky_relu"),
        [](const LayerBuild &b) {
            return unaryCall(b.add(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(b.options.number(QStringLiteral("negative_slope"))))));
        },
        [](const ResolvedOptions &o, const QStringList &a) {
            return returns(QStringLiteral("torch.leaky_relu(%1, %2)").arg(a.value(0), python::real(o.number(QStringLiteral("negative_slope")))));
        });
    leaky.options = {real(QStringLiteral("negative_slope"), 0.01, 0, 1e6, QStringLiteral("Slope for x < 0."))};
    leaky.samples.append({QStringLiteral("steep"), QStringLiteral(R"({"negative_slope": 0.2})"), {Shape({9})}});

    LayerDefinition gelu = plain(
        QStringLiteral("GELU"), QStringLiteral("Gaussian error linear unit."), QStringLiteral("gelu"),
        [](const LayerBuild &b) {
            return unaryCall(b.add(nn::GELU(nn::GELUOptions().approximate(b.options.word(QStringLiteral("approximate")).toStdString()))));
        },
        [](const ResolvedOptions &o, const QStringList &a) {
            return returns(QStringLiteral("torch.gelu(%1, approximate=%2)").arg(a.value(0), python::word(o.word(QStringLiteral("approximate")))));
        });
    gelu.options = {choice(QStringLiteral("approximate"), QStringLiteral("none"), {QStringLiteral("none"), QStringLiteral("tanh")},
                           QStringLiteral("`tanh`: the tanh approximation."))};
    gelu.samples.append({QStringLiteral("tanh"), QStringLiteral(R"({"approximate": "tanh"})"), {Shape({9})}});

    LayerDefinition tanh = plain(
        QStringLiteral("Tanh"), QStringLiteral("Hyperbolic tangent."), QStringLiteral("tanh"),
        [](const LayerBuild &b) { return unaryCall(b.add(nn::Tanh())); },
        [](const ResolvedOptions &, const QStringList &a) { return returns(QStringLiteral("torch.tanh(%1)").arg(a.value(0))); });

    LayerDefinition sigmoid = plain(
        QStringLiteral("Sigmoid"), QStringLiteral("1 / (1 + exp(-x))"), QStringLiteral("sigmoid"),
        [](const LayerBuild &b) { return unaryCall(b.add(nn::Sigmoid())); },
        [](const ResolvedOptions &, const QStringList &a) { return returns(QStringLiteral("torch.sigmoid(%1)").arg(a.value(0))); });

    LayerDefinition silu = plain(
        QStringLiteral("SiLU"), QStringLiteral("x · sigmoid(x)"), QStringLiteral("silu"),
        [](const LayerBuild &b) { return unaryCall(b.add(nn::SiLU())); },
        [](const ResolvedOptions &, const QStringList &a) { return returns(QStringLiteral("torch.silu(%1)").arg(a.value(0))); });

    LayerDefinition elu = plain(
        QStringLiteral("ELU"), QStringLiteral("x for x > 0, alpha · (exp(x) − 1) otherwise"), QStringLiteral("elu"),
        [](const LayerBuild &b) { return unaryCall(b.add(nn::ELU(nn::ELUOptions().alpha(b.options.number(QStringLiteral("alpha")))))); },
        [](const ResolvedOptions &o, const QStringList &a) {
            return returns(QStringLiteral("torch.elu(%1, %2)").arg(a.value(0), python::real(o.number(QStringLiteral("alpha")))));
        });
    elu.options = {real(QStringLiteral("alpha"), 1.0, 0, 1e6, QStringLiteral("Value for large negative x."))};
    elu.samples.append({QStringLiteral("alpha"), QStringLiteral(R"({"alpha": 0.5})"), {Shape({9})}});

    LayerDefinition softplus = plain(
        QStringLiteral("Softplus"), QStringLiteral("log(1 + exp(beta · x)) / beta"), QStringLiteral("softplus"),
        [](const LayerBuild &b) {
            return unaryCall(b.add(nn::Softplus(nn::SoftplusOptions()
                                                    .beta(b.options.number(QStringLiteral("beta")))
                                                    .threshold(b.options.number(QStringLiteral("threshold"))))));
        },
        [](const ResolvedOptions &o, const QStringList &a) {
            return returns(QStringLiteral("torch.softplus(%1, %2, %3)")
                               .arg(a.value(0), python::real(o.number(QStringLiteral("beta"))),
                                    python::real(o.number(QStringLiteral("threshold")))));
        });
    softplus.options = {real(QStringLiteral("beta"), 1.0, 1e-6, 1e6, QStringLiteral("Sharpness.")),
                        real(QStringLiteral("threshold"), 20.0, 0, 1e6, QStringLiteral("Linear above beta · x > threshold."))};
    softplus.samples.append({QStringLiteral("sharp"), QStringLiteral(R"({"beta": 2, "threshold": 1})"), {Shape({9})}});

    LayerDefinition hardswish = plain(
        QStringLiteral("Hardswish"), QStringLiteral("x · relu6(x + 3) / 6"), QStringLiteral("hardswish"),
        [](const LayerBuild &b) {
            return unaryCall(b.add(FunctionLayer([](const torch::Tensor &x) { return torch::hardswish(x); })));
        },
        [](const ResolvedOptions &, const QStringList &a) { return returns(QStringLiteral("torch.hardswish(%1)").arg(a.value(0))); });

    LayerDefinition selu = plain(
        QStringLiteral("SELU"), QStringLiteral("scale · elu(x, alpha), self-normalizing (alpha ≈ 1.673, scale ≈ 1.051)"),
        QStringLiteral("selu"), [](const LayerBuild &b) { return unaryCall(b.add(nn::SELU())); },
        [](const ResolvedOptions &, const QStringList &a) { return returns(QStringLiteral("torch.selu(%1)").arg(a.value(0))); });

    LayerDefinition softmax = normalizedExponential(QStringLiteral("Softmax"), QStringLiteral("Normalized exponentials along dim."),
                                                    QStringLiteral("softmax"));
    softmax.build = [](const LayerBuild &b) {
        return unaryCall(b.add(nn::Softmax(nn::SoftmaxOptions(b.options.integer(QStringLiteral("dim"))))));
    };
    softmax.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.softmax(%1, %2)").arg(a.value(0)).arg(o.integer(QStringLiteral("dim"))));
    };
    softmax.python = [](const ResolvedOptions &o, const QStringList &) {
        return QStringLiteral("nn.Softmax(dim=%1)").arg(dimText(o));
    };
    LayerDefinition logSoftmax = normalizedExponential(QStringLiteral("LogSoftmax"), QStringLiteral("log(softmax(x)) along dim."),
                                                       QStringLiteral("log_softmax"));
    logSoftmax.build = [](const LayerBuild &b) {
        return unaryCall(b.add(nn::LogSoftmax(nn::LogSoftmaxOptions(b.options.integer(QStringLiteral("dim"))))));
    };
    logSoftmax.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.log_softmax(%1, %2)").arg(a.value(0)).arg(o.integer(QStringLiteral("dim"))));
    };
    logSoftmax.python = [](const ResolvedOptions &o, const QStringList &) {
        return QStringLiteral("nn.LogSoftmax(dim=%1)").arg(dimText(o));
    };
    return {relu, leaky, gelu, tanh, sigmoid, silu, elu, selu, softplus, hardswish, softmax, logSoftmax};
}

} // namespace mc::family
