// Layers that only rearrange elements: Flatten and Unflatten (torch.nn
// modules, whose dimensions count the batch as PyTorch does), and the
// operators Reshape and Permute (written inline; their dimensions are the
// sample's, after the batch).

#include "layers/families/Family.h"

#include <algorithm>

namespace mc::family {

namespace {

namespace nn = torch::nn;

const QString kStart = QStringLiteral("start_dim");
const QString kEnd = QStringLiteral("end_dim");
const QString kDim = QStringLiteral("dim");
const QString kSizes = QStringLiteral("unflattened_size");
const QString kShape = QStringLiteral("shape");
const QString kDims = QStringLiteral("dims");

/// The product of `dims`: kUnknown when one is unknown, nullopt past kMaxElements.
std::optional<qint64> product(const QList<qint64> &dims)
{
    return Shape(dims).elements();
}

QString elementsText(qint64 n)
{
    return n == 1 ? QStringLiteral("1 element") : QStringLiteral("%1 elements").arg(n);
}

/// `[4, -1]` as the options write it (Shape::listText would write `?`).
QString listText(const std::vector<int64_t> &v)
{
    return python::integers(v);
}

/// The expression `x`, bracketed unless it is a name (`x`, `self.a`).
QString operand(const QString &x)
{
    for (QChar c : x)
        if (!c.isLetterOrNumber() && c != QLatin1Char('_') && c != QLatin1Char('.'))
            return QLatin1Char('(') + x + QLatin1Char(')');
    return x;
}

/// Sizes with at most one -1 (inferred from `total`): the sizes, unknown where
/// they cannot be told; nullopt after a sentence.
std::optional<QList<qint64>> inferSizes(LayerShapes &s, const std::vector<int64_t> &sizes, qint64 total,
                                        const QString &sentenceHead)
{
    QList<qint64> out;
    int inferred = -1;
    for (size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] == -1) {
            if (inferred >= 0) {
                s.fail(QStringLiteral("`%1` has two -1 in %2: only one size can be inferred").arg(s.who, listText(sizes)));
                return std::nullopt;
            }
            inferred = int(i);
        }
        out.append(sizes[i] < 0 ? Shape::kUnknown : sizes[i]);
    }
    if (total < 0)
        return out;
    QList<qint64> known = out;
    if (inferred >= 0)
        known.removeAt(inferred);
    const std::optional<qint64> given = product(known);
    if (!given) {
        s.fail(QStringLiteral("%1 %2, more than %3 elements").arg(sentenceHead, listText(sizes)).arg(Shape::kMaxElements));
        return std::nullopt;
    }
    if (inferred >= 0) {
        if (*given == 0) {
            s.fail(QStringLiteral("%1 %2: with a size 0 the -1 could be anything").arg(sentenceHead, listText(sizes)));
            return std::nullopt;
        }
        if (total % *given != 0) {
            s.fail(QStringLiteral("%1 %2: %3 do not divide by %4")
                       .arg(sentenceHead, listText(sizes), elementsText(total))
                       .arg(*given));
            return std::nullopt;
        }
        out[inferred] = total / *given;
    } else if (*given != total) {
        s.fail(QStringLiteral("%1 %2 (%3): the element counts differ").arg(sentenceHead, listText(sizes), elementsText(*given)));
        return std::nullopt;
    }
    return out;
}

// --- Flatten --------------------------------------------------------------------

/// A dimension counted as PyTorch counts it (batch included, negative from
/// the end) as an index of the whole tensor; nullopt after a sentence.
std::optional<int> wrapDim(LayerShapes &s, const QString &option, int64_t dim, const Shape &in)
{
    const int64_t full = in.rank() + 1;
    if (dim < -full || dim >= full) {
        s.fail(QStringLiteral("`%1` has %2 %3, outside %4 to %5: %6 gives %7, %8 with the batch")
                   .arg(s.who, option)
                   .arg(dim)
                   .arg(-full)
                   .arg(full - 1)
                   .arg(s.source(0), in.listText(),
                        full == 1 ? QStringLiteral("1 dimension") : QStringLiteral("%1 dimensions").arg(full)));
        return std::nullopt;
    }
    return int(dim < 0 ? dim + full : dim);
}

void flattenShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    const int64_t start = s.options.integer(kStart), end = s.options.integer(kEnd);
    s.outputs = {Shape()};
    if (start == 0) {
        s.fail(QStringLiteral("`%1` has start_dim 0, which would flatten the batch: dimensions count the batch as 0, start at 1")
                   .arg(s.who));
        return;
    }
    if (!in.isKnown()) {
        if (start > 0 && end >= 0 && start > end)
            s.fail(QStringLiteral("`%1` has start_dim %2 after end_dim %3").arg(s.who).arg(start).arg(end));
        return;
    }
    const std::optional<int> first = wrapDim(s, kStart, start, in);
    const std::optional<int> last = wrapDim(s, kEnd, end, in);
    if (!first || !last)
        return;
    if (*first == 0) {
        s.fail(QStringLiteral("`%1` has start_dim %2, which is the batch of %3's %4: it would flatten the batch")
                   .arg(s.who)
                   .arg(start)
                   .arg(s.source(0), in.listText()));
        return;
    }
    if (*first > *last) {
        s.fail(QStringLiteral("`%1` has start_dim %2 after end_dim %3 (for %4, which gives %5)")
                   .arg(s.who)
                   .arg(start)
                   .arg(end)
                   .arg(s.source(0), in.listText()));
        return;
    }
    // The sample's dimensions first-1 .. last-1 become one.
    const QList<qint64> &dims = in.dims();
    const std::optional<qint64> merged = product(dims.mid(*first - 1, *last - *first + 1));
    if (!merged) {
        s.fail(QStringLiteral("`%1` makes %2 into a dimension of more than %3 elements").arg(s.who, in.listText()).arg(Shape::kMaxElements));
        return;
    }
    QList<qint64> out = dims.mid(0, *first - 1);
    out.append(*merged);
    out.append(dims.mid(*last));
    s.outputs = {Shape(out)};
}

LayerDefinition flatten()
{
    LayerDefinition d;
    d.name = QStringLiteral("Flatten");
    d.category = QStringLiteral("Shape");
    d.doc = QStringLiteral("Merges dimensions start_dim to end_dim into one (dimensions count the batch as 0).");
    d.instanceName = QStringLiteral("flatten");
    d.options = {integer(kStart, 1, -64, QStringLiteral("First dimension to merge, the batch being 0 (so 1 or more, or negative from the end).")),
                 integer(kEnd, -1, -64, QStringLiteral("Last dimension to merge (-1: the last)."))};
    d.shapes = flattenShapes;
    d.build = [](const LayerBuild &b) {
        return unaryCall(b.add(nn::Flatten(nn::FlattenOptions()
                                               .start_dim(b.options.integer(kStart))
                                               .end_dim(b.options.integer(kEnd)))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.flatten(%1, %2, %3)")
                           .arg(a.value(0), python::integer(o.integer(kStart)), python::integer(o.integer(kEnd))));
    };
    d.samples = {{QStringLiteral("image"), QStringLiteral("{}"), {Shape({3, 4, 5})}},
                 {QStringLiteral("spatial_only"), QStringLiteral(R"({"start_dim": 2})"), {Shape({3, 4, 5})}},
                 {QStringLiteral("middle"), QStringLiteral(R"({"start_dim": 1, "end_dim": -2})"), {Shape({2, 3, 4, 5})}},
                 {QStringLiteral("negative_dims"), QStringLiteral(R"({"start_dim": -3, "end_dim": -2})"), {Shape({2, 3, 4, 5})}}};
    return d;
}

// --- Unflatten ------------------------------------------------------------------

void unflattenShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    const int64_t dim = s.options.integer(kDim);
    const std::vector<int64_t> sizes = s.options.integers(kSizes);
    s.outputs = {Shape()};
    if (dim == 0) {
        s.fail(QStringLiteral("`%1` has dim 0, which is the batch: dimensions count the batch as 0, start at 1").arg(s.who));
        return;
    }
    if (sizes.empty()) {
        s.fail(QStringLiteral("`%1` needs an unflattened_size").arg(s.who));
        return;
    }
    if (!in.isKnown()) {
        inferSizes(s, sizes, Shape::kUnknown, QString());
        return;
    }
    const std::optional<int> at = wrapDim(s, kDim, dim, in);
    if (!at)
        return;
    if (*at == 0) {
        s.fail(QStringLiteral("`%1` has dim %2, which is the batch of %3's %4").arg(s.who).arg(dim).arg(s.source(0), in.listText()));
        return;
    }
    const qint64 total = in.dim(*at - 1);
    const QString head = QStringLiteral("`%1` splits dimension %2 of %3's %4 (%5) into")
                             .arg(s.who)
                             .arg(dim)
                             .arg(s.source(0), in.listText(), total < 0 ? QStringLiteral("unknown") : elementsText(total));
    const std::optional<QList<qint64>> split = inferSizes(s, sizes, total, head);
    if (!split)
        return;
    QList<qint64> out = in.dims().mid(0, *at - 1);
    out.append(*split);
    out.append(in.dims().mid(*at));
    s.outputs = {Shape(out)};
}

LayerDefinition unflatten()
{
    LayerDefinition d;
    d.name = QStringLiteral("Unflatten");
    d.category = QStringLiteral("Shape");
    d.doc = QStringLiteral("Splits dimension dim (the batch being 0) into unflattened_size.");
    d.instanceName = QStringLiteral("unflatten");
    d.options = {requiredInteger(kDim, -64, QStringLiteral("Dimension to split, the batch being 0 (so 1 or more, or negative from the end).")),
                 dims(kSizes, -1, QStringLiteral("The sizes it splits into (one may be -1: inferred)."))};
    d.pythonPositional = {kDim, kSizes};
    d.shapes = unflattenShapes;
    d.build = [](const LayerBuild &b) {
        return unaryCall(b.add(nn::Unflatten(nn::UnflattenOptions(b.options.integer(kDim), b.options.integers(kSizes)))));
    };
    d.script = [](const ResolvedOptions &o, const QStringList &a) {
        return returns(QStringLiteral("torch.unflatten(%1, %2, %3)")
                           .arg(a.value(0), python::integer(o.integer(kDim)), python::integers(o.integers(kSizes))));
    };
    d.samples = {{QStringLiteral("features_to_image"), QStringLiteral(R"({"dim": 1, "unflattened_size": [2, 4, 4]})"), {Shape({32})}},
                 {QStringLiteral("last_inferred"), QStringLiteral(R"({"dim": -1, "unflattened_size": [3, -1]})"), {Shape({5, 12})}}};
    return d;
}

// --- Reshape --------------------------------------------------------------------

QString reshapeExpression(const ResolvedOptions &o, const QStringList &a)
{
    const std::vector<int64_t> shape = o.integers(kShape);
    // The batch is -1 unless the sample's shape has a -1 (or a 0, with which
    // -1 could be anything): then it is said.
    const bool sayBatch = std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d <= 0; });
    QStringList parts{sayBatch ? operand(a.value(0)) + QStringLiteral(".size(0)") : QStringLiteral("-1")};
    for (int64_t d : shape)
        parts.append(python::integer(d));
    return QStringLiteral("torch.reshape(%1, [%2])").arg(a.value(0), parts.join(QStringLiteral(", ")));
}

void reshapeShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    const std::vector<int64_t> shape = s.options.integers(kShape);
    s.outputs = {Shape()};
    if (shape.empty()) {
        s.fail(QStringLiteral("`%1` needs a shape").arg(s.who));
        return;
    }
    const std::optional<qint64> total = in.elements();
    if (!total) {
        s.fail(QStringLiteral("`%1` gets %2 from %3, more than %4 elements").arg(s.who, in.listText(), s.source(0)).arg(Shape::kMaxElements));
        return;
    }
    const QString head = QStringLiteral("`%1` reshapes %2's %3 (%4) into")
                             .arg(s.who, s.source(0), in.listText(), *total < 0 ? QStringLiteral("unknown") : elementsText(*total));
    const std::optional<QList<qint64>> out = inferSizes(s, shape, *total, head);
    if (out)
        s.outputs = {Shape(*out)};
}

LayerDefinition reshape()
{
    LayerDefinition d;
    d.name = QStringLiteral("Reshape");
    d.category = QStringLiteral("Shape");
    d.doc = QStringLiteral("Gives each sample a new shape with as many elements (one size may be -1).");
    d.instanceName = QStringLiteral("reshape");
    d.isOperator = true;
    d.options = {dims(kShape, -1, QStringLiteral("The sample's new shape, after the batch (one size may be -1: inferred)."))};
    d.shapes = reshapeShapes;
    d.build = [](const LayerBuild &b) {
        const std::vector<int64_t> shape = b.options.integers(kShape);
        return functionCall([shape](const Slots &s, const std::vector<int> &in) {
            const torch::Tensor &x = s[size_t(in[0])];
            std::vector<int64_t> full{x.size(0)};
            full.insert(full.end(), shape.begin(), shape.end());
            return x.reshape(full);
        });
    };
    d.script = reshapeExpression;
    d.python = reshapeExpression;
    d.samples = {{QStringLiteral("features_to_image"), QStringLiteral(R"({"shape": [4, 2, 3]})"), {Shape({24})}},
                 {QStringLiteral("inferred"), QStringLiteral(R"({"shape": [-1, 6]})"), {Shape({3, 4, 5})}},
                 {QStringLiteral("image_to_features"), QStringLiteral(R"({"shape": [60]})"), {Shape({3, 4, 5})}}};
    return d;
}

// --- Permute --------------------------------------------------------------------

/// The sample's order with the batch in front (`[2, 0, 1]` -> `[0, 3, 1, 2]`);
/// negative dimensions count from the end, in the sample and in the whole tensor alike.
std::vector<int64_t> fullOrder(const std::vector<int64_t> &dims)
{
    std::vector<int64_t> full{0};
    for (int64_t d : dims)
        full.push_back(d < 0 ? d : d + 1);
    return full;
}

QString permuteExpression(const ResolvedOptions &o, const QStringList &a)
{
    return QStringLiteral("torch.permute(%1, %2)").arg(a.value(0), python::integers(fullOrder(o.integers(kDims))));
}

void permuteShapes(LayerShapes &s)
{
    const Shape in = s.input(0);
    const std::vector<int64_t> dims = s.options.integers(kDims);
    const int n = int(dims.size());
    s.outputs = {Shape(QList<qint64>(n, Shape::kUnknown))};
    if (dims.empty()) {
        s.fail(QStringLiteral("`%1` needs dims").arg(s.who));
        return;
    }
    if (in.isKnown() && in.rank() != n) {
        s.fail(QStringLiteral("`%1` orders %2 dimensions (%3), %4 gives %5 (%6)")
                   .arg(s.who)
                   .arg(n)
                   .arg(listText(dims), s.source(0))
                   .arg(in.rank())
                   .arg(in.listText()));
        s.outputs = {Shape()};
        return;
    }
    QList<qint64> out;
    std::vector<bool> seen(size_t(n), false);
    for (int64_t d : dims) {
        if (d < -n || d >= n) {
            s.fail(QStringLiteral("`%1` has dimension %2 in %3, outside the sample's %4 dimensions (0 to %5, or -%4 to -1)")
                       .arg(s.who)
                       .arg(d)
                       .arg(listText(dims))
                       .arg(n)
                       .arg(n - 1));
            return;
        }
        const int64_t k = d < 0 ? d + n : d;
        if (seen[size_t(k)]) {
            s.fail(QStringLiteral("`%1` names dimension %2 twice in %3").arg(s.who).arg(k).arg(listText(dims)));
            return;
        }
        seen[size_t(k)] = true;
        out.append(in.isKnown() ? in.dim(int(k)) : Shape::kUnknown);
    }
    s.outputs = {Shape(out)};
}

LayerDefinition permute()
{
    LayerDefinition d;
    d.name = QStringLiteral("Permute");
    d.category = QStringLiteral("Shape");
    d.doc = QStringLiteral("Reorders the sample's dimensions ([2, 0, 1] makes [C, H, W] into [W, C, H]); the batch stays first.");
    d.instanceName = QStringLiteral("permute");
    d.isOperator = true;
    d.options = {dims(kDims, -8, QStringLiteral("The sample's dimensions in their new order, after the batch (0 is the first)."))};
    d.shapes = permuteShapes;
    d.build = [](const LayerBuild &b) {
        const std::vector<int64_t> order = fullOrder(b.options.integers(kDims));
        return functionCall([order](const Slots &s, const std::vector<int> &in) { return s[size_t(in[0])].permute(order); });
    };
    d.script = permuteExpression;
    d.python = permuteExpression;
    d.samples = {{QStringLiteral("channels_last"), QStringLiteral(R"({"dims": [1, 2, 0]})"), {Shape({3, 4, 5})}},
                 {QStringLiteral("swap_sequence"), QStringLiteral(R"({"dims": [-1, 0]})"), {Shape({6, 4})}}};
    return d;
}

} // namespace

QList<LayerDefinition> shapeLayers()
{
    return {flatten(), unflatten(), reshape(), permute()};
}

} // namespace mc::family
