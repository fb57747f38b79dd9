#include "layers/families/Family.h"

#include <algorithm>
#include <cmath>

namespace mc::family {

OptionSpec integer(const QString &name, double def, double min, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.kind = OptionKind::Integer;
    o.defaultValue = {def};
    o.minimum = min;
    o.doc = doc;
    return o;
}

OptionSpec inferredSize(const QString &name, const QString &doc)
{
    OptionSpec o = integer(name, 0, 1, doc);
    o.defaultValue = {};
    o.inferable = true;
    return o;
}

OptionSpec requiredInteger(const QString &name, double min, const QString &doc)
{
    OptionSpec o = integer(name, 0, min, doc);
    o.defaultValue = {};
    o.required = true;
    return o;
}

OptionSpec real(const QString &name, double def, double min, double max, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.kind = OptionKind::Real;
    o.defaultValue = {def};
    o.minimum = min;
    o.maximum = max;
    o.doc = doc;
    return o;
}

OptionSpec boolean(const QString &name, bool def, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.kind = OptionKind::Boolean;
    o.defaultValue = {def ? 1.0 : 0.0};
    o.minimum = 0;
    o.maximum = 1;
    o.doc = doc;
    return o;
}

OptionSpec choice(const QString &name, const QString &def, const QStringList &choices, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.kind = OptionKind::Choice;
    o.defaultChoice = def;
    o.choices = choices;
    o.doc = doc;
    return o;
}

OptionSpec tuple(const QString &name, int size, QList<double> def, double min, const QString &doc)
{
    OptionSpec o;
    o.name = name;
    o.kind = OptionKind::Tuple;
    o.tupleSize = size;
    o.defaultValue = std::move(def);
    o.minimum = min;
    o.doc = doc;
    return o;
}

OptionSpec requiredTuple(const QString &name, int size, double min, const QString &doc)
{
    OptionSpec o = tuple(name, size, {}, min, doc);
    o.required = true;
    return o;
}

OptionSpec dims(const QString &name, double min, const QString &doc, bool required)
{
    OptionSpec o;
    o.name = name;
    o.kind = OptionKind::Dims;
    o.minimum = min;
    o.required = required;
    o.doc = doc;
    return o;
}

QString count(qint64 n, const QString &what)
{
    return QStringLiteral("%1 %2").arg(n).arg(what);
}

bool needRank(LayerShapes &s, int rank, const QString &form)
{
    const Shape in = s.input(0);
    if (!in.isKnown() || in.rank() == rank)
        return true;
    return s.fail(QStringLiteral("`%1` takes %2, %3 gives %4").arg(s.who, form, s.source(0), in.listText()));
}

bool inferOrCheck(LayerShapes &s, const QString &option, int dim, const QString &what)
{
    const Shape in = s.input(0);
    const qint64 given = s.options.integer(option);
    const qint64 actual = in.dim(dim);
    if (given <= 0) {
        if (actual > 0)
            s.options.setNumber(option, double(actual));
        else
            s.options.remove(option);
        return true;
    }
    if (actual > 0 && actual != given) {
        QString sentence = QStringLiteral("`%1` expects %2, %3 gives %4")
                               .arg(s.who, count(given, what), s.source(0)).arg(actual);
        if (in.rank() > 1)
            sentence += QStringLiteral(" (shape %1)").arg(in.listText());
        return s.fail(sentence);
    }
    return true;
}

qint64 windowOutput(qint64 in, qint64 kernel, qint64 stride, qint64 padding, qint64 dilation)
{
    if (in < 0 || kernel <= 0 || stride <= 0)
        return Shape::kUnknown;
    const qint64 span = dilation * (kernel - 1) + 1;
    const qint64 room = in + 2 * padding - span;
    if (room < 0)
        return 0;
    return room / stride + 1;
}

QString spatialForm(int n)
{
    return n == 1 ? QStringLiteral("[C, L]") : QStringLiteral("[C, H, W]");
}

QList<qint64> spatialOf(const Shape &in, int n)
{
    QList<qint64> dims;
    for (int i = 0; i < n; ++i)
        dims.append(in.isKnown() ? in.dim(1 + i) : Shape::kUnknown);
    return dims;
}

QString sizeText(const std::vector<int64_t> &v)
{
    const bool same = std::all_of(v.begin(), v.end(), [&](int64_t d) { return d == v.front(); });
    if (same)
        return QString::number(v.front());
    return Shape(QList<qint64>(v.begin(), v.end())).text();
}

QString windowText(const std::vector<int64_t> &kernel, const std::vector<int64_t> &padding,
                   const std::vector<int64_t> &dilation)
{
    const auto anyOtherThan = [](const std::vector<int64_t> &v, int64_t value) {
        return std::any_of(v.begin(), v.end(), [&](int64_t d) { return d != value; });
    };
    QStringList parts{QStringLiteral("kernel ") + sizeText(kernel)};
    if (anyOtherThan(padding, 0))
        parts.append(QStringLiteral("padding ") + sizeText(padding));
    if (anyOtherThan(dilation, 1))
        parts.append(QStringLiteral("dilation ") + sizeText(dilation));
    QString text = parts.takeLast();
    if (!parts.isEmpty())
        text = parts.join(QStringLiteral(", ")) + QStringLiteral(" and ") + text;
    return QStringLiteral(" with ") + text;
}

void sameShape(LayerShapes &s)
{
    s.outputs = {s.input(0)};
}

QString returns(const QString &expression)
{
    return QStringLiteral("    return %1\n").arg(expression);
}

QString optionalTensor(bool present, const QString &name)
{
    return present ? QStringLiteral("self.") + name : QStringLiteral("None");
}

} // namespace mc::family
