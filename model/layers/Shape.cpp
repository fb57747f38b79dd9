#include "layers/Shape.h"

#include <QStringList>

namespace mc {

bool Shape::isComplete() const
{
    if (!m_known)
        return false;
    for (qint64 d : m_dims)
        if (d < 0)
            return false;
    return true;
}

qint64 Shape::dim(int k) const
{
    if (!m_known)
        return kUnknown;
    if (k < 0)
        k += rank();
    if (k < 0 || k >= rank())
        return kUnknown;
    return m_dims.at(k);
}

std::optional<qint64> Shape::elements() const
{
    if (!isComplete())
        return kUnknown;
    qint64 n = 1;
    for (qint64 d : m_dims) {
        if (d != 0 && n > kMaxElements / d)
            return std::nullopt;
        n *= d;
    }
    return n;
}

std::vector<int64_t> Shape::batched(int64_t batch) const
{
    std::vector<int64_t> sizes{batch};
    for (qint64 d : m_dims)
        sizes.push_back(d);
    return sizes;
}

QString Shape::text() const
{
    if (!m_known)
        return QStringLiteral("?");
    if (m_dims.isEmpty())
        return QStringLiteral("scalar");
    QStringList parts;
    for (qint64 d : m_dims)
        parts.append(d < 0 ? QStringLiteral("?") : QString::number(d));
    return parts.join(QChar(0x00D7));
}

QString Shape::listText() const
{
    if (!m_known)
        return QStringLiteral("?");
    QStringList parts;
    for (qint64 d : m_dims)
        parts.append(d < 0 ? QStringLiteral("?") : QString::number(d));
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString shapesText(const Shapes &shapes, ShapesForm form)
{
    QStringList parts;
    for (const Shape &s : shapes)
        parts.append(form == ShapesForm::List ? s.listText() : s.text());
    return parts.isEmpty() ? QStringLiteral("-") : parts.join(QStringLiteral(", "));
}

} // namespace mc
