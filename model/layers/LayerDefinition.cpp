#include "layers/LayerDefinition.h"

#include "layers/PythonText.h"

#include <algorithm>
#include <cmath>

namespace mc {

double ResolvedOptions::number(const QString &name) const
{
    const auto it = m_values.find(name);
    return it == m_values.end() || it->numbers.isEmpty() ? 0.0 : it->numbers.first();
}

std::vector<int64_t> ResolvedOptions::tuple(const QString &name, int size) const
{
    const QList<double> n = m_values.value(name).numbers;
    std::vector<int64_t> out;
    for (int k = 0; k < size; ++k)
        out.push_back(n.isEmpty() ? 0 : int64_t(n.size() == 1 ? n.first() : n.value(k)));
    return out;
}

std::vector<int64_t> ResolvedOptions::integers(const QString &name) const
{
    std::vector<int64_t> out;
    for (double d : m_values.value(name).numbers)
        out.push_back(int64_t(d));
    return out;
}

QString LayerShapes::source(int k) const
{
    const QString s = sources.value(k);
    return s.isEmpty() ? QStringLiteral("its input") : QStringLiteral("`%1`").arg(s);
}

bool LayerShapes::fail(const QString &sentence)
{
    if (problem.isEmpty())
        problem = sentence;
    return false;
}

const OptionSpec *LayerDefinition::option(const QString &optionName) const
{
    for (const OptionSpec &o : options)
        if (o.name == optionName)
            return &o;
    return nullptr;
}

namespace {

qint64 countTensors(const LayerDefinition &d, const ResolvedOptions &options, bool buffers)
{
    if (!d.tensors)
        return 0;
    qint64 total = 0;
    for (const TensorSpec &t : d.tensors(options)) {
        if (t.buffer != buffers)
            continue;
        qint64 n = 1;
        for (int64_t dim : t.shape) {
            if (dim <= 0)
                return -1;
            if (n > Shape::kMaxParameters / dim)
                return Shape::kMaxParameters + 1;
            n *= dim;
        }
        total += n;
        if (total > Shape::kMaxParameters)
            return Shape::kMaxParameters + 1;
    }
    return total;
}

} // namespace

qint64 LayerDefinition::parameterCount(const ResolvedOptions &o) const
{
    return countTensors(*this, o, false);
}

qint64 LayerDefinition::bufferCount(const ResolvedOptions &o) const
{
    return countTensors(*this, o, true);
}

std::optional<QString> LayerDefinition::checkValue(const OptionSpec &o, const ResolvedValue &v)
{
    auto number = [](double d) { return d == std::floor(d) && std::abs(d) < 1e15 ? QString::number(qint64(d)) : QString::number(d); };
    const QString range = QStringLiteral("from %1 to %2").arg(number(o.minimum), number(o.maximum));
    switch (o.kind) {
    case OptionKind::Choice:
        if (!o.choices.contains(v.word))
            return QStringLiteral("one of %1").arg(o.choices.join(QStringLiteral(", ")));
        return std::nullopt;
    case OptionKind::Boolean:
        if (v.numbers.size() != 1 || (v.numbers.first() != 0 && v.numbers.first() != 1))
            return QStringLiteral("true or false (1 or 0)");
        return std::nullopt;
    case OptionKind::Real:
        if (v.numbers.size() != 1 || !std::isfinite(v.numbers.first()) || v.numbers.first() < o.minimum ||
            v.numbers.first() > o.maximum)
            return QStringLiteral("a number %1").arg(range);
        return std::nullopt;
    case OptionKind::Integer:
        if (v.numbers.size() != 1 || v.numbers.first() != std::floor(v.numbers.first()) ||
            v.numbers.first() < o.minimum || v.numbers.first() > o.maximum)
            return QStringLiteral("a whole number %1").arg(range);
        return std::nullopt;
    case OptionKind::Tuple:
    case OptionKind::Dims: {
        const bool sizeOk = o.kind == OptionKind::Dims ? (!v.numbers.isEmpty() && v.numbers.size() <= 8)
                                                       : (v.numbers.size() == 1 || v.numbers.size() == o.tupleSize);
        bool valuesOk = true;
        for (double d : v.numbers)
            valuesOk = valuesOk && d == std::floor(d) && d >= o.minimum && d <= o.maximum;
        if (!sizeOk || !valuesOk) {
            if (o.kind == OptionKind::Dims)
                return QStringLiteral("a list of 1 to 8 whole numbers %1").arg(range);
            return QStringLiteral("a whole number %1, or a list of %2 of them").arg(range).arg(o.tupleSize);
        }
        return std::nullopt;
    }
    }
    return std::nullopt;
}

QString LayerDefinition::valueText(const ResolvedValue &v)
{
    if (!v.word.isEmpty())
        return v.word;
    QStringList parts;
    for (double d : v.numbers)
        parts.append(QString::number(d, 'g', 17));
    if (parts.size() == 1)
        return parts.first();
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString LayerDefinition::pythonCode(const ResolvedOptions &o, const QStringList &arguments) const
{
    if (python)
        return python(o, arguments);
    // Positional while every one is known; past one that is not (a size not
    // inferred yet) the rest go by keyword, and the unknown one is left out,
    // so Python names what is missing instead of taking a made-up 0.
    QStringList args, positional;
    for (const QString &p : pythonPositional) {
        if (!o.has(p))
            break;
        args.append(python::option(*option(p), o));
        positional.append(p);
    }
    for (const OptionSpec &spec : options) {
        if (positional.contains(spec.name) || !o.has(spec.name))
            continue;
        if (pythonPositional.contains(spec.name) || !o.pythonName(spec.name).isEmpty()) {
            args.append(spec.name + QLatin1Char('=') + python::option(spec, o));
            continue;
        }
        const ResolvedValue v = o.value(spec.name);
        const bool isDefault = spec.kind == OptionKind::Choice
                                   ? v.word == spec.defaultChoice
                                   : (v.numbers == spec.defaultValue ||
                                      (spec.kind == OptionKind::Tuple && !spec.defaultValue.isEmpty() &&
                                       !v.numbers.isEmpty() &&
                                       std::all_of(v.numbers.begin(), v.numbers.end(),
                                                   [&](double d) { return d == spec.defaultValue.first(); })));
        if (!isDefault)
            args.append(spec.name + QLatin1Char('=') + python::value(spec, v));
    }
    return QStringLiteral("nn.%1(%2)").arg(name, args.join(QStringLiteral(", ")));
}

QString LayerDefinition::scriptCode(const ResolvedOptions &o, const QStringList &arguments) const
{
    return script(o, arguments.isEmpty() ? inputs : arguments);
}

} // namespace mc
