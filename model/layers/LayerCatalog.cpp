#include "layers/LayerCatalog.h"

namespace {

OptionSpec intOption(const QString &name, double def, double min, const QString &doc,
                     bool required = false, bool inferable = false)
{
    OptionSpec o;
    o.name = name;
    o.defaultValue = def;
    o.required = required;
    o.inferable = inferable;
    o.integer = true;
    o.minimum = min;
    o.maximum = 1e8;
    o.doc = doc;
    return o;
}

OptionSpec realOption(const QString &name, double def, double min, double max, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.defaultValue = def;
    o.minimum = min;
    o.maximum = max;
    o.doc = doc;
    return o;
}

OptionSpec boolOption(const QString &name, bool def, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.defaultValue = def ? 1 : 0;
    o.boolean = true;
    o.integer = true;
    o.minimum = 0;
    o.maximum = 1;
    o.doc = doc;
    return o;
}

LayerSpec layer(const QString &name, const QString &category, const QString &doc,
                QList<OptionSpec> options = {}, QStringList inputs = {QStringLiteral("x")},
                bool isOperator = false)
{
    return LayerSpec{name, category, doc, inputs, isOperator, options};
}

QList<LayerSpec> makeCatalog()
{
    const QString layers = QStringLiteral("Layers");
    const QString act = QStringLiteral("Activations");
    const QString norm = QStringLiteral("Normalization");
    const QString ops = QStringLiteral("Operators");
    const QStringList two{QStringLiteral("a"), QStringLiteral("b")};
    return {
        layer(QStringLiteral("Linear"), layers, QStringLiteral("y = x Wᵀ + b"),
              {intOption(QStringLiteral("in_features"), 0, 1,
                         QStringLiteral("Input features; taken from the wire when omitted."),
                         false, true),
               intOption(QStringLiteral("out_features"), 0, 1, QStringLiteral("Output features."),
                         true),
               boolOption(QStringLiteral("bias"), true, QStringLiteral("Learn an additive bias."))}),
        layer(QStringLiteral("Dropout"), layers, QStringLiteral("Zeroes elements with probability p while training."),
              {realOption(QStringLiteral("p"), 0.5, 0, 1, QStringLiteral("Probability of an element to be zeroed."))}),
        layer(QStringLiteral("Flatten"), layers, QStringLiteral("Flattens all dimensions after the batch."),
              {}),
        layer(QStringLiteral("Identity"), layers, QStringLiteral("Passes its input through."), {}),
        layer(QStringLiteral("ReLU"), act, QStringLiteral("max(0, x)")),
        layer(QStringLiteral("LeakyReLU"), act, QStringLiteral("max(0, x) + slope · min(0, x)"),
              {realOption(QStringLiteral("negative_slope"), 0.01, 0, 1e6, QStringLiteral("Slope for x < 0."))}),
        layer(QStringLiteral("GELU"), act, QStringLiteral("Gaussian error linear unit.")),
        layer(QStringLiteral("Tanh"), act, QStringLiteral("Hyperbolic tangent.")),
        layer(QStringLiteral("Sigmoid"), act, QStringLiteral("1 / (1 + exp(-x))")),
        layer(QStringLiteral("Softmax"), act, QStringLiteral("Normalized exponentials over the features."),
              {intOption(QStringLiteral("dim"), 1, -1, QStringLiteral("Dimension to normalize (1 or -1: the features)."))}),
        layer(QStringLiteral("LogSoftmax"), act, QStringLiteral("log(softmax(x)) over the features."),
              {intOption(QStringLiteral("dim"), 1, -1, QStringLiteral("Dimension to normalize (1 or -1: the features)."))}),
        layer(QStringLiteral("LayerNorm"), norm, QStringLiteral("Normalizes each sample over its features."),
              {intOption(QStringLiteral("normalized_shape"), 0, 1,
                         QStringLiteral("Features; taken from the wire when omitted."), false, true),
               realOption(QStringLiteral("eps"), 1e-5, 0, 1, QStringLiteral("Added to the variance.")),
               boolOption(QStringLiteral("elementwise_affine"), true, QStringLiteral("Learn a scale and a shift."))}),
        layer(QStringLiteral("BatchNorm1d"), norm, QStringLiteral("Normalizes each feature over the batch."),
              {intOption(QStringLiteral("num_features"), 0, 1,
                         QStringLiteral("Features; taken from the wire when omitted."), false, true),
               realOption(QStringLiteral("eps"), 1e-5, 0, 1, QStringLiteral("Added to the variance.")),
               realOption(QStringLiteral("momentum"), 0.1, 0, 1, QStringLiteral("Running statistics momentum.")),
               boolOption(QStringLiteral("affine"), true, QStringLiteral("Learn a scale and a shift."))}),
        layer(QStringLiteral("Add"), ops, QStringLiteral("a + b"), {}, two, true),
        layer(QStringLiteral("Multiply"), ops, QStringLiteral("a · b, element by element"), {}, two, true),
        layer(QStringLiteral("Concat"), ops, QStringLiteral("[a, b] along the features"), {}, two, true),
    };
}

int inferableIndexValue(const LayerSpec &spec, const ResolvedOptions &options)
{
    for (const OptionSpec &o : spec.options)
        if (o.inferable)
            return int(options.value(o.name, 0));
    return 0;
}

} // namespace

const OptionSpec *LayerSpec::option(const QString &optionName) const
{
    for (const OptionSpec &o : options)
        if (o.name == optionName)
            return &o;
    return nullptr;
}

const QList<LayerSpec> &LayerCatalog::all()
{
    static const QList<LayerSpec> catalog = makeCatalog();
    return catalog;
}

const LayerSpec *LayerCatalog::find(const QString &name)
{
    for (const LayerSpec &s : all())
        if (s.name == name)
            return &s;
    return nullptr;
}

int LayerCatalog::inferredInput(const LayerSpec &spec, const ResolvedOptions &options,
                                const QList<int> &inputs)
{
    const int given = inferableIndexValue(spec, options);
    if (given > 0)
        return given;
    return inputs.isEmpty() ? -1 : inputs.first();
}

int LayerCatalog::outputFeatures(const LayerSpec &spec, const ResolvedOptions &options,
                                 const QList<int> &inputs, const QString &who,
                                 const QStringList &sources, QString *problem)
{
    const int in = inputs.isEmpty() ? -1 : inputs.first();
    const QString &n = spec.name;
    if (n == QLatin1String("Linear") || n == QLatin1String("LayerNorm") ||
        n == QLatin1String("BatchNorm1d")) {
        const int expected = inferableIndexValue(spec, options);
        if (expected > 0 && in > 0 && expected != in) {
            *problem = QStringLiteral("`%1` expects %2 features, `%3` gives %4")
                           .arg(who).arg(expected).arg(sources.value(0)).arg(in);
            return -1;
        }
        if (n == QLatin1String("Linear"))
            return int(options.value(QStringLiteral("out_features"), -1));
        return expected > 0 ? expected : in;
    }
    if (spec.inputs.size() == 2) {
        const int b = inputs.value(1, -1);
        if (n == QLatin1String("Concat"))
            return (in > 0 && b > 0) ? in + b : -1;
        if (in > 0 && b > 0 && in != b) {
            *problem = QStringLiteral("`%1` needs inputs of one size: `%2` gives %3 features, `%4` gives %5")
                           .arg(who, sources.value(0)).arg(in).arg(sources.value(1)).arg(b);
            return -1;
        }
        return in > 0 ? in : b;
    }
    return in;
}

qint64 LayerCatalog::parameterCount(const LayerSpec &spec, const ResolvedOptions &options,
                                    const QList<int> &inputs)
{
    const QString &n = spec.name;
    if (n == QLatin1String("Linear")) {
        const qint64 in = inferredInput(spec, options, inputs);
        const qint64 out = qint64(options.value(QStringLiteral("out_features"), -1));
        if (in <= 0 || out <= 0)
            return -1;
        return in * out + (options.value(QStringLiteral("bias"), 1) != 0 ? out : 0);
    }
    if (n == QLatin1String("LayerNorm") || n == QLatin1String("BatchNorm1d")) {
        const qint64 f = inferredInput(spec, options, inputs);
        if (f <= 0)
            return -1;
        const QString affine = n == QLatin1String("LayerNorm") ? QStringLiteral("elementwise_affine")
                                                               : QStringLiteral("affine");
        return options.value(affine, 1) != 0 ? 2 * f : 0;
    }
    return 0;
}
