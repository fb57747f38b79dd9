#include "layers/PythonText.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mc::python {

QString real(double v)
{
    if (!std::isfinite(v))
        throw std::invalid_argument("An option of the model is not a finite number.");
    // A whole number as digits (`20.0`, not `2e+01`).
    if (v == std::floor(v) && std::abs(v) < 1e16)
        return QString::number(qint64(v)) + QStringLiteral(".0");
    QString s;
    for (int precision = 1; precision <= 17; ++precision) {
        s = QString::number(v, 'g', precision);
        if (s.toDouble() == v)
            break;
    }
    // `1e-05` as Black writes it; `1e+20` becomes `1e20`.
    s.replace(QStringLiteral("e+"), QStringLiteral("e"));
    if (!s.contains(QLatin1Char('.')) && !s.contains(QLatin1Char('e')) && !s.contains(QLatin1Char('n')))
        s += QStringLiteral(".0");
    return s;
}

QString integer(int64_t v)
{
    return QString::number(v);
}

QString boolean(bool v)
{
    return v ? QStringLiteral("True") : QStringLiteral("False");
}

QString integers(const std::vector<int64_t> &v, bool tuple)
{
    QStringList parts;
    for (int64_t d : v)
        parts.append(QString::number(d));
    if (tuple)
        return QLatin1Char('(') + parts.join(QStringLiteral(", ")) + (parts.size() == 1 ? QStringLiteral(",)") : QStringLiteral(")"));
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString word(const QString &w)
{
    QString escaped = w;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString value(const OptionSpec &option, const ResolvedValue &v)
{
    switch (option.kind) {
    case OptionKind::Choice:
        return word(v.word);
    case OptionKind::Boolean:
        return boolean(!v.numbers.isEmpty() && v.numbers.first() != 0);
    case OptionKind::Real:
        return real(v.numbers.value(0));
    case OptionKind::Integer:
        return integer(int64_t(v.numbers.value(0)));
    case OptionKind::Tuple:
    case OptionKind::Dims: {
        std::vector<int64_t> n;
        for (double d : v.numbers)
            n.push_back(int64_t(d));
        const bool allSame = !n.empty() && std::all_of(n.begin(), n.end(), [&](int64_t d) { return d == n.front(); });
        if (option.kind == OptionKind::Tuple && allSame)
            return integer(n.front());
        return integers(n, true);
    }
    }
    return QString();
}

QString option(const OptionSpec &option, const ResolvedOptions &options)
{
    const QString name = options.pythonName(option.name);
    return name.isEmpty() ? value(option, options.value(option.name)) : name;
}

} // namespace mc::python
