// Operators: written inline (`a + b`), not modules, and holding no tensors.

#include "layers/families/Family.h"

namespace mc::family {

namespace {

const QStringList kTwoInputs{QStringLiteral("a"), QStringLiteral("b")};

/// PyTorch's broadcasting of two per-sample shapes. The batch dimension stands
/// in front of both, so the ranks must agree (`[B, 3, 4] + [B, 4]` would pair
/// the batch with 3); each pair of dimensions must be equal or one of them 1.
void broadcast(LayerShapes &s)
{
    const Shape a = s.input(0), b = s.input(1);
    if (!a.isKnown() || !b.isKnown()) {
        s.outputs = {a.isKnown() ? a : b};
        if (a.isKnown() != b.isKnown())
            s.outputs = {Shape()};
        return;
    }
    auto mismatch = [&] {
        if (a.rank() == 1 && b.rank() == 1)
            return s.fail(QStringLiteral("`%1` needs inputs of one size: %2 gives %3 features, %4 gives %5")
                              .arg(s.who, s.source(0)).arg(a.dim(0)).arg(s.source(1)).arg(b.dim(0)));
        return s.fail(QStringLiteral("`%1` cannot broadcast %2 and %3: %4 gives %2, %5 gives %3")
                          .arg(s.who, a.listText(), b.listText(), s.source(0), s.source(1)));
    };
    if (a.rank() != b.rank()) {
        mismatch();
        s.outputs = {Shape()};
        return;
    }
    QList<qint64> out;
    for (int k = 0; k < a.rank(); ++k) {
        const qint64 x = a.dim(k), y = b.dim(k);
        if (x > 0 && y > 0 && x != y && x != 1 && y != 1) {
            mismatch();
            out.append(Shape::kUnknown);
        } else if (x < 0 || y < 0) {
            out.append(x == 1 ? y : y == 1 ? x : (x < 0 ? y : x));
        } else {
            out.append(std::max(x, y));
        }
    }
    s.outputs = {Shape(out)};
}

/// An element-wise operator of two inputs; the caller sets build, script and python.
LayerDefinition elementwise(const QString &name, const QString &doc, const QString &instanceName)
{
    LayerDefinition d;
    d.name = name;
    d.category = QStringLiteral("Operators");
    d.doc = doc;
    d.instanceName = instanceName;
    d.inputs = kTwoInputs;
    d.isOperator = true;
    d.shapes = broadcast;
    d.samples = {{QStringLiteral("features"), QStringLiteral("{}"), {Shape({5}), Shape({5})}},
                 {QStringLiteral("broadcast"), QStringLiteral("{}"), {Shape({3, 4}), Shape({1, 4})}}};
    return d;
}

} // namespace

QList<LayerDefinition> operatorLayers()
{
    LayerDefinition add = elementwise(QStringLiteral("Add"), QStringLiteral("a + b (broadcasting as PyTorch does)"),
                                      QStringLiteral("add"));
    add.build = [](const LayerBuild &) {
        return LayerCall{[](Slots &s, const std::vector<int> &in, const std::vector<int> &out) {
            s[size_t(out[0])] = s[size_t(in[0])] + s[size_t(in[1])];
        }};
    };
    add.script = [](const ResolvedOptions &, const QStringList &a) { return QStringLiteral("%1 + %2").arg(a.value(0), a.value(1)); };
    add.python = add.script;

    LayerDefinition subtract = elementwise(QStringLiteral("Subtract"), QStringLiteral("a − b (broadcasting as PyTorch does)"),
                                           QStringLiteral("sub"));
    subtract.build = [](const LayerBuild &) {
        return LayerCall{[](Slots &s, const std::vector<int> &in, const std::vector<int> &out) {
            s[size_t(out[0])] = s[size_t(in[0])] - s[size_t(in[1])];
        }};
    };
    subtract.script = [](const ResolvedOptions &, const QStringList &a) { return QStringLiteral("%1 - %2").arg(a.value(0), a.value(1)); };
    subtract.python = subtract.script;

    LayerDefinition multiply = elementwise(QStringLiteral("Multiply"), QStringLiteral("a · b, element by element (broadcasting)"),
                                           QStringLiteral("mul"));
    multiply.build = [](const LayerBuild &) {
        return LayerCall{[](Slots &s, const std::vector<int> &in, const std::vector<int> &out) {
            s[size_t(out[0])] = s[size_t(in[0])] * s[size_t(in[1])];
        }};
    };
    multiply.script = [](const ResolvedOptions &, const QStringList &a) { return QStringLiteral("%1 * %2").arg(a.value(0), a.value(1)); };
    multiply.python = multiply.script;

    LayerDefinition concat;
    concat.name = QStringLiteral("Concat");
    concat.category = QStringLiteral("Operators");
    concat.doc = QStringLiteral("[a, b] joined along dim (counting the batch as 0, as torch.cat does)");
    concat.instanceName = QStringLiteral("cat");
    concat.inputs = kTwoInputs;
    concat.isOperator = true;
    concat.options = {integer(QStringLiteral("dim"), 1, -9, QStringLiteral("Dimension to join along; 1 or -1: the features of vectors."))};
    concat.options[0].maximum = 9;
    concat.shapes = [](LayerShapes &s) {
        const Shape a = s.input(0), b = s.input(1);
        if (!a.isKnown() || !b.isKnown()) {
            s.outputs = {Shape()};
            return;
        }
        const qint64 given = s.options.integer(QStringLiteral("dim"));
        const int rank = a.rank();
        const qint64 dim = given < 0 ? given + rank + 1 : given; // counting the batch
        if (a.rank() != b.rank() || dim < 1 || dim > rank) {
            if (a.rank() != b.rank())
                s.fail(QStringLiteral("`%1` joins tensors of one rank: %2 gives %3, %4 gives %5")
                           .arg(s.who, s.source(0), a.listText(), s.source(1), b.listText()));
            else
                s.fail(QStringLiteral("`%1` joins along dim %2, which %3 (shape %4 after the batch) does not have")
                           .arg(s.who).arg(given).arg(s.source(0), a.listText()));
            s.outputs = {Shape()};
            return;
        }
        QList<qint64> out = a.dims();
        for (int k = 0; k < rank; ++k) {
            if (k == dim - 1) {
                out[k] = a.dim(k) >= 0 && b.dim(k) >= 0 ? a.dim(k) + b.dim(k) : Shape::kUnknown;
            } else if (a.dim(k) >= 0 && b.dim(k) >= 0 && a.dim(k) != b.dim(k)) {
                s.fail(QStringLiteral("`%1` joins along dim %2, so the other dimensions must agree: %3 gives %4, %5 gives %6")
                           .arg(s.who).arg(given).arg(s.source(0), a.listText(), s.source(1), b.listText()));
                out[k] = Shape::kUnknown;
            } else if (a.dim(k) < 0) {
                out[k] = b.dim(k);
            }
        }
        s.outputs = {Shape(out)};
    };
    concat.build = [](const LayerBuild &b) {
        const int64_t dim = b.options.integer(QStringLiteral("dim"));
        return LayerCall{[dim](Slots &s, const std::vector<int> &in, const std::vector<int> &out) {
            s[size_t(out[0])] = torch::cat({s[size_t(in[0])], s[size_t(in[1])]}, dim);
        }};
    };
    concat.script = [](const ResolvedOptions &o, const QStringList &a) {
        return QStringLiteral("torch.cat([%1, %2], dim=%3)").arg(a.value(0), a.value(1)).arg(o.integer(QStringLiteral("dim")));
    };
    concat.python = [](const ResolvedOptions &o, const QStringList &a) {
        const QString dim = o.pythonName(QStringLiteral("dim"));
        return QStringLiteral("torch.cat([%1, %2], dim=%3)")
            .arg(a.value(0), a.value(1), dim.isEmpty() ? python::integer(o.integer(QStringLiteral("dim"))) : dim);
    };
    concat.samples = {{QStringLiteral("features"), QStringLiteral("{}"), {Shape({3}), Shape({4})}},
                      {QStringLiteral("channels"), QStringLiteral(R"({"dim": 1})"), {Shape({2, 3, 3}), Shape({1, 3, 3})}},
                      {QStringLiteral("last"), QStringLiteral(R"({"dim": -1})"), {Shape({2, 3}), Shape({2, 2})}}};
    return {add, subtract, multiply, concat};
}

} // namespace mc::family
