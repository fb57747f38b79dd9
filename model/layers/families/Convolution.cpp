// Convolutions: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, with
// PyTorch's options, defaults and shape rules (PyTorch 1.13).

#include "layers/families/Family.h"

#include <algorithm>

namespace mc::family {

namespace {

namespace nn = torch::nn;

const QString kIn = QStringLiteral("in_channels");
const QString kOut = QStringLiteral("out_channels");
const QString kOutputPadding = QStringLiteral("output_padding");
const QString kGroups = QStringLiteral("groups");
const QString kBias = QStringLiteral("bias");

template <int N, bool Transposed>
void convolutionShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    const qint64 out = s.options.integer(kOut);
    const qint64 outChannels = out > 0 ? out : Shape::kUnknown;
    QList<qint64> result(N + 1, Shape::kUnknown);
    result[0] = outChannels;
    if (!needRank(s, N + 1, spatialForm(N))) {
        s.outputs = {Shape(result)};
        return;
    }
    if (in.isKnown() && in.dim(0) == 0) {
        s.fail(QStringLiteral("`%1` needs input channels, %2 gives none (shape %3)")
                   .arg(s.who, s.source(0), in.listText()));
        s.outputs = {Shape(result)};
        return;
    }
    inferOrCheck(s, kIn, 0, QStringLiteral("input channels"));

    const qint64 groups = s.options.integer(kGroups);
    const qint64 inChannels = s.options.integer(kIn);
    if (groups > 0 && inChannels > 0 && inChannels % groups != 0) {
        const bool fromInput = in.isKnown() && in.dim(0) == inChannels;
        QString sentence = QStringLiteral("`%1` has %2, which must divide its input channels: %3")
                               .arg(s.who, count(groups, QStringLiteral("groups")));
        sentence = fromInput ? sentence.arg(QStringLiteral("%1 gives %2 (shape %3)")
                                                .arg(s.source(0))
                                                .arg(inChannels)
                                                .arg(in.listText()))
                             : sentence.arg(QStringLiteral("in_channels is %1").arg(inChannels));
        s.fail(sentence);
    }
    if (groups > 0 && out > 0 && out % groups != 0)
        s.fail(QStringLiteral("`%1` has %2, which must divide its out_channels (%3)")
                   .arg(s.who, count(groups, QStringLiteral("groups")))
                   .arg(out));

    const std::vector<int64_t> k = s.options.tuple(kKernel, N);
    const std::vector<int64_t> st = s.options.tuple(kStride, N);
    const std::vector<int64_t> p = s.options.tuple(kPadding, N);
    const std::vector<int64_t> d = s.options.tuple(kDilation, N);
    const std::vector<int64_t> op = Transposed ? s.options.tuple(kOutputPadding, N) : std::vector<int64_t>(N, 0);

    if (Transposed) {
        for (int i = 0; i < N; ++i) {
            if (op[size_t(i)] >= st[size_t(i)] && op[size_t(i)] >= d[size_t(i)]) {
                s.fail(QStringLiteral("`%1` has output_padding %2, which must be smaller than its stride (%3) or its dilation (%4)")
                           .arg(s.who, sizeText(op), sizeText(st), sizeText(d)));
                break;
            }
        }
    }

    const QList<qint64> spatial = spatialOf(in, N);
    bool tooSmall = false, empty = false, tooLarge = false;
    QList<qint64> shown; // the output as PyTorch computes it, 0 where it would not be positive
    for (int i = 0; i < N; ++i) {
        const qint64 x = spatial[i];
        const size_t j = size_t(i);
        qint64 y = Shape::kUnknown;
        if (x == 0) {
            empty = true;
        } else if (x > 0 && k[j] > 0 && st[j] > 0 && d[j] > 0) {
            if (!Transposed) {
                y = windowOutput(x, k[j], st[j], p[j], d[j]);
                if (y <= 0)
                    tooSmall = true;
            } else {
                // (x - 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1,
                // in 128 bits: x may be as large as a dimension may be.
                const __int128 v = __int128(x - 1) * st[j] - 2 * __int128(p[j]) + __int128(d[j]) * (k[j] - 1) + op[j] + 1;
                if (v <= 0) {
                    tooSmall = true;
                    y = 0;
                } else if (v > Shape::kMaxElements) {
                    tooLarge = true;
                    y = Shape::kUnknown;
                } else {
                    y = qint64(v);
                }
            }
        }
        shown.append(y < 0 ? y : std::max<qint64>(y, 0));
        result[1 + i] = y > 0 ? y : Shape::kUnknown;
    }
    if (empty)
        s.fail(QStringLiteral("`%1` needs a non-empty input, %2 gives %3").arg(s.who, s.source(0), in.listText()));
    else if (tooSmall && !Transposed)
        s.fail(QStringLiteral("`%1` makes %2 into %3%4: the input is too small")
                   .arg(s.who, Shape(spatial).text(), Shape(shown).text(), windowText(k, p, d)));
    else if (tooSmall && Transposed)
        s.fail(QStringLiteral("`%1` makes %2 into %3%4: the padding is too large")
                   .arg(s.who, Shape(spatial).text(), Shape(shown).text(), windowText(k, p, d)));
    if (tooLarge)
        s.fail(QStringLiteral("`%1` makes %2 into a dimension of more than %3 elements")
                   .arg(s.who, Shape(spatial).text())
                   .arg(Shape::kMaxElements));
    s.outputs = {Shape(result)};
}

template <int N, bool Transposed>
QList<TensorSpec> convolutionTensors(const ResolvedOptions &o)
{
    const int64_t in = o.integer(kIn), out = o.integer(kOut), groups = std::max<int64_t>(1, o.integer(kGroups));
    std::vector<int64_t> weight = Transposed ? std::vector<int64_t>{in, out / groups} : std::vector<int64_t>{out, in / groups};
    for (int64_t k : o.tuple(kKernel, N))
        weight.push_back(k);
    QList<TensorSpec> t{{QStringLiteral("weight"), weight}};
    if (o.flag(kBias))
        t.append({QStringLiteral("bias"), {out}});
    return t;
}

template <int N, bool Transposed>
LayerCall convolutionBuild(const LayerBuild &b)
{
    const ResolvedOptions &o = b.options;
    const int64_t in = o.integer(kIn), out = o.integer(kOut), groups = o.integer(kGroups);
    const torch::ExpandingArray<N> kernel(o.tuple(kKernel, N)), stride(o.tuple(kStride, N)),
        padding(o.tuple(kPadding, N)), dilation(o.tuple(kDilation, N));
    const bool bias = o.flag(kBias);
    if constexpr (Transposed) {
        const torch::ExpandingArray<N> outputPadding(o.tuple(kOutputPadding, N));
        auto options = nn::ConvTransposeOptions<N>(in, out, kernel)
                           .stride(stride)
                           .padding(padding)
                           .output_padding(outputPadding)
                           .groups(groups)
                           .bias(bias)
                           .dilation(dilation);
        // forward(x): output_size left out, so the options' output_padding holds.
        if constexpr (N == 1)
            return unaryCall(b.add(nn::ConvTranspose1d(options)));
        else
            return unaryCall(b.add(nn::ConvTranspose2d(options)));
    } else {
        auto options = nn::ConvOptions<N>(in, out, kernel)
                           .stride(stride)
                           .padding(padding)
                           .dilation(dilation)
                           .groups(groups)
                           .bias(bias);
        if constexpr (N == 1)
            return unaryCall(b.add(nn::Conv1d(options)));
        else
            return unaryCall(b.add(nn::Conv2d(options)));
    }
}

template <int N, bool Transposed>
QString convolutionScript(const ResolvedOptions &o, const QStringList &a)
{
    const QString head = QStringLiteral("%1, self.weight, %2")
                             .arg(a.value(0), optionalTensor(o.flag(kBias), QStringLiteral("bias")));
    const QString stride = python::integers(o.tuple(kStride, N)), padding = python::integers(o.tuple(kPadding, N)),
                  dilation = python::integers(o.tuple(kDilation, N)), groups = python::integer(o.integer(kGroups));
    if (Transposed)
        return returns(QStringLiteral("torch.conv_transpose%1d(%2, %3, %4, %5, %6, %7)")
                           .arg(N)
                           .arg(head, stride, padding, python::integers(o.tuple(kOutputPadding, N)), groups, dilation));
    return returns(QStringLiteral("torch.conv%1d(%2, %3, %4, %5, %6)").arg(N).arg(head, stride, padding, dilation, groups));
}

template <int N, bool Transposed>
LayerDefinition convolution()
{
    LayerDefinition d;
    d.name = QStringLiteral("%1%2d").arg(Transposed ? QStringLiteral("ConvTranspose") : QStringLiteral("Conv")).arg(N);
    d.category = QStringLiteral("Convolution");
    if (Transposed)
        d.doc = N == 1 ? QStringLiteral("Transposed 1-D convolution over [C, L]: grows a sequence by its stride.")
                       : QStringLiteral("Transposed 2-D convolution over [C, H, W]: grows an image by its stride.");
    else
        d.doc = N == 1 ? QStringLiteral("1-D convolution over [C, L]: learned filters slid along a sequence.")
                       : QStringLiteral("2-D convolution over [C, H, W]: learned filters slid over an image.");
    d.instanceName = Transposed ? QStringLiteral("deconv") : QStringLiteral("conv");
    d.options = {inferredSize(kIn, QStringLiteral("Input channels; taken from the wire when omitted.")),
                 requiredInteger(kOut, 1, QStringLiteral("Output channels (filters).")),
                 requiredTuple(kKernel, N, 1, QStringLiteral("Size of the filters.")),
                 tuple(kStride, N, {1}, 1, QStringLiteral("Step between applications of the filters.")),
                 tuple(kPadding, N, {0}, 0, QStringLiteral("Zeros added on each side of the input.")
                                                + (Transposed ? QStringLiteral(" (taken off the output)") : QString()))};
    if (Transposed)
        d.options.append(tuple(kOutputPadding, N, {0}, 0,
                               QStringLiteral("Size added on one side of the output; smaller than the stride or the dilation.")));
    d.options.append(tuple(kDilation, N, {1}, 1, QStringLiteral("Spacing between kernel elements.")));
    d.options.append(integer(kGroups, 1, 1, QStringLiteral("Blocked connections: channels split into this many groups.")));
    d.options.append(boolean(kBias, true, QStringLiteral("Learn an additive bias.")));
    d.pythonPositional = {kIn, kOut, kKernel};
    d.shapes = convolutionShapes<N, Transposed>;
    d.tensors = convolutionTensors<N, Transposed>;
    d.build = convolutionBuild<N, Transposed>;
    d.script = convolutionScript<N, Transposed>;
    if (!Transposed && N == 1)
        d.samples = {{QStringLiteral("sequence_stride_padding"),
                      QStringLiteral(R"({"out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1})"), {Shape({4, 20})}},
                     {QStringLiteral("dilation_groups_no_bias"),
                      QStringLiteral(R"({"in_channels": 4, "out_channels": 6, "kernel_size": 3, "dilation": 2, "groups": 2, "bias": false})"),
                      {Shape({4, 16})}}};
    else if (!Transposed)
        d.samples = {{QStringLiteral("image"), QStringLiteral(R"({"out_channels": 8, "kernel_size": 3})"), {Shape({1, 12, 12})}},
                     {QStringLiteral("stride_padding_rectangular"),
                      QStringLiteral(R"({"out_channels": 4, "kernel_size": [3, 5], "stride": [2, 1], "padding": [1, 2]})"),
                      {Shape({3, 9, 10})}},
                     {QStringLiteral("dilation_groups_no_bias"),
                      QStringLiteral(R"({"in_channels": 4, "out_channels": 6, "kernel_size": 3, "dilation": 2, "groups": 2, "bias": false})"),
                      {Shape({4, 11, 11})}}};
    else if (N == 1)
        d.samples = {{QStringLiteral("stride_output_padding"),
                      QStringLiteral(R"({"out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1})"),
                      {Shape({4, 10})}},
                     {QStringLiteral("dilation_groups_no_bias"),
                      QStringLiteral(R"({"in_channels": 4, "out_channels": 2, "kernel_size": 2, "dilation": 3, "groups": 2, "output_padding": 2, "bias": false})"),
                      {Shape({4, 7})}}};
    else
        d.samples = {{QStringLiteral("double_size"),
                      QStringLiteral(R"({"out_channels": 4, "kernel_size": 4, "stride": 2, "padding": 1})"), {Shape({8, 6, 6})}},
                     {QStringLiteral("output_padding_rectangular"),
                      QStringLiteral(R"({"out_channels": 2, "kernel_size": [3, 2], "stride": [2, 3], "padding": [1, 0], "output_padding": [1, 2]})"),
                      {Shape({3, 5, 4})}},
                     {QStringLiteral("dilation_groups_no_bias"),
                      QStringLiteral(R"({"in_channels": 6, "out_channels": 4, "kernel_size": 3, "dilation": 2, "groups": 2, "bias": false})"),
                      {Shape({6, 5, 5})}}};
    return d;
}

} // namespace

QList<LayerDefinition> convolutionLayers()
{
    return {convolution<1, false>(), convolution<2, false>(), convolution<1, true>(), convolution<2, true>()};
}

} // namespace mc::family
