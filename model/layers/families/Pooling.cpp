// Pooling and resampling: MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d,
// AdaptiveAvgPool1d, AdaptiveAvgPool2d and Upsample, with PyTorch's options,
// defaults and shape rules (PyTorch 1.13; ceil_mode is not offered).

#include "layers/families/Family.h"

#include <algorithm>
#include <cmath>

namespace mc::family {

namespace {

namespace nn = torch::nn;

const QString kOutputSize = QStringLiteral("output_size");
const QString kSize = QStringLiteral("size");
const QString kScale = QStringLiteral("scale_factor");
const QString kMode = QStringLiteral("mode");
const QString kAlign = QStringLiteral("align_corners");

/// The stride, which is the kernel size when None (PyTorch's default).
std::vector<int64_t> strideOf(const ResolvedOptions &o, int n)
{
    return o.has(kStride) ? o.tuple(kStride, n) : o.tuple(kKernel, n);
}

// --- MaxPool, AvgPool ---------------------------------------------------------

template <int N, bool Max>
void windowPoolShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    QList<qint64> result(N + 1, Shape::kUnknown);
    if (!needRank(s, N + 1, spatialForm(N))) {
        s.outputs = {Shape(result)};
        return;
    }
    result[0] = in.dim(0);
    const std::vector<int64_t> k = s.options.tuple(kKernel, N);
    const std::vector<int64_t> st = strideOf(s.options, N);
    const std::vector<int64_t> p = s.options.tuple(kPadding, N);
    const std::vector<int64_t> d = Max ? s.options.tuple(kDilation, N) : std::vector<int64_t>(N, 1);
    for (int i = 0; i < N; ++i) {
        // PyTorch compares the padding with the kernel, not the dilated kernel.
        if (p[size_t(i)] > k[size_t(i)] / 2) {
            s.fail(QStringLiteral("`%1` has padding %2, which must be at most half its kernel (%3)")
                       .arg(s.who, sizeText(p), sizeText(k)));
            break;
        }
    }
    const QList<qint64> spatial = spatialOf(in, N);
    if (in.isKnown() && in.dims().contains(0)) {
        s.fail(QStringLiteral("`%1` needs a non-empty input, %2 gives %3").arg(s.who, s.source(0), in.listText()));
        s.outputs = {Shape(result)};
        return;
    }
    bool tooSmall = false;
    QList<qint64> shown;
    for (int i = 0; i < N; ++i) {
        const size_t j = size_t(i);
        const qint64 y = windowOutput(spatial[i], k[j], st[j], p[j], d[j]);
        if (spatial[i] >= 0 && y <= 0)
            tooSmall = true;
        shown.append(y);
        result[1 + i] = y > 0 ? y : Shape::kUnknown;
    }
    if (tooSmall) {
        s.fail(QStringLiteral("`%1` makes %2 into %3%4: the input is too small")
                   .arg(s.who, Shape(spatial).text(), Shape(shown).text(), windowText(k, p, d)));
    }
    s.outputs = {Shape(result)};
}

template <int N>
LayerCall maxPoolBuild(const LayerBuild &b)
{
    const ResolvedOptions &o = b.options;
    auto options = nn::MaxPoolOptions<N>(torch::ExpandingArray<N>(o.tuple(kKernel, N)))
                       .stride(torch::ExpandingArray<N>(strideOf(o, N)))
                       .padding(torch::ExpandingArray<N>(o.tuple(kPadding, N)))
                       .dilation(torch::ExpandingArray<N>(o.tuple(kDilation, N)));
    if constexpr (N == 1)
        return unaryCall(b.add(nn::MaxPool1d(options)));
    else
        return unaryCall(b.add(nn::MaxPool2d(options)));
}

template <int N>
QString maxPoolScript(const ResolvedOptions &o, const QStringList &a)
{
    return returns(QStringLiteral("torch.max_pool%1d(%2, %3, %4, %5, %6, False)")
                       .arg(N)
                       .arg(a.value(0), python::integers(o.tuple(kKernel, N)), python::integers(strideOf(o, N)),
                            python::integers(o.tuple(kPadding, N)), python::integers(o.tuple(kDilation, N))));
}

template <int N>
LayerCall avgPoolBuild(const LayerBuild &b)
{
    const ResolvedOptions &o = b.options;
    auto options = nn::AvgPoolOptions<N>(torch::ExpandingArray<N>(o.tuple(kKernel, N)))
                       .stride(torch::ExpandingArray<N>(strideOf(o, N)))
                       .padding(torch::ExpandingArray<N>(o.tuple(kPadding, N)));
    if constexpr (N == 1)
        return unaryCall(b.add(nn::AvgPool1d(options)));
    else
        return unaryCall(b.add(nn::AvgPool2d(options)));
}

template <int N>
QString avgPoolScript(const ResolvedOptions &o, const QStringList &a)
{
    // ceil_mode=False, count_include_pad=True (and for 2-D divisor_override=None).
    return returns(QStringLiteral("torch.avg_pool%1d(%2, %3, %4, %5, False, True%6)")
                       .arg(N)
                       .arg(a.value(0), python::integers(o.tuple(kKernel, N)), python::integers(strideOf(o, N)),
                            python::integers(o.tuple(kPadding, N)), N == 2 ? QStringLiteral(", None") : QString()));
}

template <int N, bool Max>
LayerDefinition windowPool()
{
    LayerDefinition d;
    d.name = QStringLiteral("%1Pool%2d").arg(Max ? QStringLiteral("Max") : QStringLiteral("Avg")).arg(N);
    d.category = QStringLiteral("Pooling");
    const QString over = N == 1 ? QStringLiteral("[C, L]") : QStringLiteral("[C, H, W]");
    d.doc = Max ? QStringLiteral("The largest value of each window, channel by channel, over %1.").arg(over)
                : QStringLiteral("The mean of each window (padding counted as zeros), channel by channel, over %1.").arg(over);
    d.instanceName = QStringLiteral("pool");
    OptionSpec stride = tuple(kStride, N, {}, 1, QStringLiteral("Step between windows; the kernel size when not given."));
    d.options = {requiredTuple(kKernel, N, 1, QStringLiteral("Size of the window.")), stride,
                 tuple(kPadding, N, {0}, 0,
                       QStringLiteral("%1 added on each side; at most half the kernel.")
                           .arg(Max ? QStringLiteral("-inf") : QStringLiteral("Zeros")))};
    if (Max)
        d.options.append(tuple(kDilation, N, {1}, 1, QStringLiteral("Spacing between window elements.")));
    d.pythonPositional = {kKernel};
    d.shapes = windowPoolShapes<N, Max>;
    d.build = Max ? maxPoolBuild<N> : avgPoolBuild<N>;
    d.script = Max ? maxPoolScript<N> : avgPoolScript<N>;
    if (N == 1 && Max)
        d.samples = {{QStringLiteral("halve"), QStringLiteral(R"({"kernel_size": 2})"), {Shape({3, 16})}},
                     {QStringLiteral("stride_padding_dilation"),
                      QStringLiteral(R"({"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2})"), {Shape({2, 15})}}};
    else if (Max)
        d.samples = {{QStringLiteral("halve"), QStringLiteral(R"({"kernel_size": 2})"), {Shape({4, 8, 8})}},
                     {QStringLiteral("stride_padding"), QStringLiteral(R"({"kernel_size": 3, "stride": 2, "padding": 1})"),
                      {Shape({2, 9, 9})}},
                     {QStringLiteral("rectangular_dilation"),
                      QStringLiteral(R"({"kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 0], "dilation": [2, 1]})"),
                      {Shape({2, 7, 10})}}};
    else if (N == 1)
        d.samples = {{QStringLiteral("halve"), QStringLiteral(R"({"kernel_size": 2})"), {Shape({3, 16})}},
                     {QStringLiteral("stride_padding"), QStringLiteral(R"({"kernel_size": 4, "stride": 3, "padding": 2})"),
                      {Shape({2, 13})}}};
    else
        d.samples = {{QStringLiteral("halve"), QStringLiteral(R"({"kernel_size": 2})"), {Shape({4, 8, 8})}},
                     {QStringLiteral("stride_padding_rectangular"),
                      QStringLiteral(R"({"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 1]})"), {Shape({2, 9, 7})}}};
    return d;
}

// --- AdaptiveAvgPool ------------------------------------------------------------

template <int N>
void adaptivePoolShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    QList<qint64> result(N + 1, Shape::kUnknown);
    const std::vector<int64_t> size = s.options.tuple(kOutputSize, N);
    for (int i = 0; i < N; ++i)
        result[1 + i] = size[size_t(i)] > 0 ? size[size_t(i)] : Shape::kUnknown;
    if (!needRank(s, N + 1, spatialForm(N))) {
        s.outputs = {Shape(result)};
        return;
    }
    result[0] = in.dim(0);
    const QList<qint64> spatial = spatialOf(in, N);
    if (std::any_of(spatial.begin(), spatial.end(), [](qint64 v) { return v == 0; }))
        s.fail(QStringLiteral("`%1` needs a non-empty input, %2 gives %3").arg(s.who, s.source(0), in.listText()));
    s.outputs = {Shape(result)};
}

template <int N>
LayerCall adaptivePoolBuild(const LayerBuild &b)
{
    const std::vector<int64_t> size = b.options.tuple(kOutputSize, N);
    if constexpr (N == 1)
        return unaryCall(b.add(nn::AdaptiveAvgPool1d(nn::AdaptiveAvgPool1dOptions(size))));
    else
        return unaryCall(b.add(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(size))));
}

template <int N>
QString adaptivePoolScript(const ResolvedOptions &o, const QStringList &a)
{
    return returns(QStringLiteral("torch.adaptive_avg_pool%1d(%2, %3)")
                       .arg(N)
                       .arg(a.value(0), python::integers(o.tuple(kOutputSize, N))));
}

template <int N>
LayerDefinition adaptivePool()
{
    LayerDefinition d;
    d.name = QStringLiteral("AdaptiveAvgPool%1d").arg(N);
    d.category = QStringLiteral("Pooling");
    d.doc = N == 1 ? QStringLiteral("Averages [C, L] down (or up) to a fixed length, whatever the input's.")
                   : QStringLiteral("Averages [C, H, W] to a fixed height and width, whatever the input's.");
    d.instanceName = QStringLiteral("pool");
    d.options = {requiredTuple(kOutputSize, N, 1, QStringLiteral("Size of the output, after the channels."))};
    d.pythonPositional = {kOutputSize};
    d.shapes = adaptivePoolShapes<N>;
    d.build = adaptivePoolBuild<N>;
    d.script = adaptivePoolScript<N>;
    if (N == 1)
        d.samples = {{QStringLiteral("shrink"), QStringLiteral(R"({"output_size": 4})"), {Shape({3, 10})}},
                     {QStringLiteral("grow"), QStringLiteral(R"({"output_size": 7})"), {Shape({2, 5})}}};
    else
        d.samples = {{QStringLiteral("global"), QStringLiteral(R"({"output_size": 1})"), {Shape({8, 5, 5})}},
                     {QStringLiteral("rectangular"), QStringLiteral(R"({"output_size": [3, 2]})"), {Shape({2, 7, 9})}},
                     {QStringLiteral("grow"), QStringLiteral(R"({"output_size": [6, 5]})"), {Shape({2, 4, 3})}}};
    return d;
}

// --- Upsample -------------------------------------------------------------------

bool isBilinear(const ResolvedOptions &o)
{
    return o.word(kMode) == QLatin1String("bilinear");
}

/// Whether the layer can only take [C, H, W]: bilinear, or a size of two
/// different numbers (`[5, 5]` is one number for every dimension, as the
/// Python export writes it: `size=5`).
bool onlyImages(const ResolvedOptions &o)
{
    if (isBilinear(o))
        return true;
    const QList<double> size = o.value(kSize).numbers;
    return o.has(kSize) && size.size() == 2 && size.first() != size.last();
}

void upsampleShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    const ResolvedOptions &o = s.options;
    const bool bilinear = isBilinear(o);
    const bool images = onlyImages(o);
    const bool hasSize = o.has(kSize), hasScale = o.has(kScale);
    if (hasSize && hasScale)
        s.fail(QStringLiteral("`%1` has both size and scale_factor: give only one").arg(s.who));
    else if (!hasSize && !hasScale)
        s.fail(QStringLiteral("`%1` needs a size or a scale_factor").arg(s.who));
    if (!bilinear && o.has(kAlign))
        s.fail(QStringLiteral("`%1` has align_corners, which only mode bilinear takes (mode is %2)")
                   .arg(s.who, o.word(kMode)));

    if (!in.isKnown()) {
        // The rank is that of the input: [C, L] or [C, H, W].
        if (!images) {
            s.outputs = {Shape()};
            return;
        }
    } else if (images && in.rank() != 3) {
        if (bilinear)
            s.fail(QStringLiteral("`%1` takes [C, H, W] with mode bilinear, %2 gives %3").arg(s.who, s.source(0), in.listText()));
        else
            s.fail(QStringLiteral("`%1` has size %2 for [C, H, W], %3 gives %4")
                       .arg(s.who, LayerDefinition::valueText(o.value(kSize)), s.source(0), in.listText()));
        s.outputs = {Shape()};
        return;
    } else if (in.rank() != 2 && in.rank() != 3) {
        s.fail(QStringLiteral("`%1` takes [C, L] or [C, H, W], %2 gives %3").arg(s.who, s.source(0), in.listText()));
        s.outputs = {Shape()};
        return;
    }

    const int n = in.isKnown() ? in.rank() - 1 : 2;
    const QList<qint64> spatial = spatialOf(in, n);
    QList<qint64> result{in.dim(0)};
    bool empty = false, tooLarge = false;
    for (int i = 0; i < n; ++i) {
        const qint64 x = spatial[i];
        if (x == 0)
            empty = true;
        qint64 y = Shape::kUnknown;
        if (hasSize && !hasScale) {
            y = o.tuple(kSize, n)[size_t(i)];
        } else if (hasScale && !hasSize && x >= 0) {
            // As PyTorch: the input size times the scale, truncated.
            const double v = std::floor(double(x) * o.number(kScale));
            if (v > double(Shape::kMaxElements))
                tooLarge = true;
            else
                y = qint64(v);
        }
        result.append(y);
    }
    if (empty)
        s.fail(QStringLiteral("`%1` needs a non-empty input, %2 gives %3").arg(s.who, s.source(0), in.listText()));
    else if (tooLarge)
        s.fail(QStringLiteral("`%1` scales %2 by %3 into a dimension of more than %4 elements")
                   .arg(s.who, Shape(spatial).text(), python::real(o.number(kScale)))
                   .arg(Shape::kMaxElements));
    else if (std::any_of(result.begin() + 1, result.end(), [](qint64 v) { return v == 0; }))
        s.fail(QStringLiteral("`%1` makes %2 into %3 with scale_factor %4: the input is too small")
                   .arg(s.who, Shape(spatial).text(), Shape(result.mid(1)).text(), python::real(o.number(kScale))));
    for (qint64 &v : result)
        if (v == 0)
            v = Shape::kUnknown;
    s.outputs = {Shape(result)};
}

/// UpsampleOptions for `n` spatial dimensions.
nn::UpsampleOptions upsampleOptions(const ResolvedOptions &o, int n)
{
    nn::UpsampleOptions u;
    if (o.has(kSize))
        u.size(o.tuple(kSize, n));
    if (o.has(kScale))
        u.scale_factor(std::vector<double>(size_t(n), o.number(kScale)));
    if (isBilinear(o)) {
        u.mode(torch::kBilinear);
        // PyTorch's None means False (LibTorch warns about None).
        u.align_corners(o.has(kAlign) && o.flag(kAlign));
    } else {
        u.mode(torch::kNearest);
    }
    return u;
}

/// The same as F::InterpolateFuncOptions, with recompute_scale_factor False:
/// what nn.Upsample does in Python (the scale goes to the kernel), without the
/// warning LibTorch's Upsample gives on every call for a fractional scale.
nn::functional::InterpolateFuncOptions interpolateOptions(const nn::UpsampleOptions &u)
{
    nn::functional::InterpolateFuncOptions f;
    f.size(u.size()).scale_factor(u.scale_factor()).align_corners(u.align_corners()).recompute_scale_factor(false);
    if (c10::get_if<torch::enumtype::kBilinear>(&u.mode()))
        f.mode(torch::kBilinear);
    else
        f.mode(torch::kNearest);
    return f;
}

LayerCall upsampleBuild(const LayerBuild &b)
{
    // The registered module is LibTorch's Upsample, made for [C, H, W]. A call
    // runs F::interpolate with its options: LibTorch's Upsample::forward warns
    // on every call for a fractional scale_factor, and it needs as many sizes
    // or scales as the input has spatial dimensions. The input's rank chooses
    // at each call, as in PyTorch's nn.Upsample (F.interpolate dispatches on
    // input.dim()): one shared instance may resize a sequence in one place and
    // an image in another, so the build cannot fix the rank. Upsample holds no
    // tensors and no training state.
    auto module = b.add(nn::Upsample(upsampleOptions(b.options, 2)));
    const auto images = interpolateOptions(module->options);
    const auto sequences = interpolateOptions(upsampleOptions(b.options, 1));
    return functionCall([images, sequences](const Slots &s, const std::vector<int> &in) {
        const torch::Tensor &x = s[size_t(in[0])];
        return nn::functional::interpolate(x, x.dim() == 3 ? sequences : images);
    });
}

/// `torch.upsample_nearest2d(x, None, [2.0, 2.0])` for `n` spatial dimensions:
/// the overloads that take the scale, as nn.Upsample passes it.
QString upsampleCall(const ResolvedOptions &o, const QString &x, int n)
{
    QString size = QStringLiteral("None"), scales = QStringLiteral("None");
    if (o.has(kSize))
        size = python::integers(o.tuple(kSize, n));
    if (o.has(kScale)) {
        QStringList s;
        for (int i = 0; i < n; ++i)
            s.append(python::real(o.number(kScale)));
        scales = QLatin1Char('[') + s.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    if (isBilinear(o))
        return QStringLiteral("torch.upsample_bilinear2d(%1, %2, %3, %4)")
            .arg(x, size, python::boolean(o.has(kAlign) && o.flag(kAlign)), scales);
    return QStringLiteral("torch.upsample_nearest%1d(%2, %3, %4)").arg(n).arg(x, size, scales);
}

QString upsampleScript(const ResolvedOptions &o, const QStringList &a)
{
    const QString x = a.value(0);
    if (onlyImages(o))
        return returns(upsampleCall(o, x, 2));
    // The options fit [C, L] and [C, H, W]: the input's rank chooses.
    return QStringLiteral("    if %1.dim() == 3:\n    ").arg(x) + returns(upsampleCall(o, x, 1)) + returns(upsampleCall(o, x, 2));
}

LayerDefinition upsample()
{
    LayerDefinition d;
    d.name = QStringLiteral("Upsample");
    d.category = QStringLiteral("Pooling");
    d.doc = QStringLiteral("Resizes [C, L] or [C, H, W] to a size or by a scale (nearest; bilinear for images).");
    d.instanceName = QStringLiteral("upsample");
    OptionSpec scale = real(kScale, 0, 0, 1e6, QStringLiteral("Multiplier of each spatial size (the output is truncated); or give size."));
    scale.defaultValue = {};
    OptionSpec align = boolean(kAlign, false,
                               QStringLiteral("bilinear: align the corner pixels of input and output (PyTorch's None is False)."));
    align.defaultValue = {};
    d.options = {tuple(kSize, 2, {}, 1, QStringLiteral("Output size after the channels; or give scale_factor.")), scale,
                 choice(kMode, QStringLiteral("nearest"), {QStringLiteral("nearest"), QStringLiteral("bilinear")},
                        QStringLiteral("nearest: repeat values ([C, L] or [C, H, W]); bilinear: interpolate ([C, H, W]).")),
                 align};
    d.shapes = upsampleShapes;
    d.build = upsampleBuild;
    d.script = upsampleScript;
    d.samples = {{QStringLiteral("nearest_scale"), QStringLiteral(R"({"scale_factor": 2})"), {Shape({3, 4, 5})}},
                 {QStringLiteral("nearest_fractional_scale_sequence"), QStringLiteral(R"({"scale_factor": 2.5})"), {Shape({2, 7})}},
                 {QStringLiteral("nearest_size"), QStringLiteral(R"({"size": [6, 9]})"), {Shape({2, 4, 4})}},
                 {QStringLiteral("nearest_size_sequence"), QStringLiteral(R"({"size": 11})"), {Shape({3, 4})}},
                 {QStringLiteral("bilinear_scale"), QStringLiteral(R"({"scale_factor": 1.7, "mode": "bilinear"})"),
                  {Shape({2, 5, 6})}},
                 {QStringLiteral("bilinear_align_corners_size"),
                  QStringLiteral(R"({"size": [7, 5], "mode": "bilinear", "align_corners": true})"), {Shape({2, 3, 4})}},
                 {QStringLiteral("bilinear_align_corners_scale"),
                  QStringLiteral(R"({"scale_factor": 1.5, "mode": "bilinear", "align_corners": true})"), {Shape({1, 5, 5})}}};
    return d;
}

} // namespace

QList<LayerDefinition> poolingLayers()
{
    return {windowPool<1, true>(), windowPool<2, true>(), windowPool<1, false>(), windowPool<2, false>(),
            adaptivePool<1>(),     adaptivePool<2>(),     upsample()};
}

} // namespace mc::family
