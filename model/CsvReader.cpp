#include "CsvReader.h"

#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <limits>

namespace {

/// The next line of `bytes` from `pos` without its line end; advances `pos`.
QByteArray nextLine(const QByteArray &bytes, qint64 &pos)
{
    const qint64 end = bytes.indexOf('\n', pos);
    const qint64 stop = end < 0 ? bytes.size() : end;
    qint64 len = stop - pos;
    if (len > 0 && bytes.at(pos + len - 1) == '\r')
        --len;
    const QByteArray line = bytes.mid(pos, len);
    pos = end < 0 ? bytes.size() : end + 1;
    return line;
}

bool blank(const QByteArray &line)
{
    return line.trimmed().isEmpty();
}

QString shown(const QByteArray &cell)
{
    QString s = QString::fromUtf8(cell.trimmed());
    if (s.size() > 40)
        s = s.left(37) + QStringLiteral("...");
    return s;
}

} // namespace

CsvReader::CsvReader(const QString &path)
    : m_path(path), m_shownName(QFileInfo(path).fileName())
{
    QFile file(path);
    if (!file.exists())
        throw DataError(QStringLiteral("The data file %1 does not exist.").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        throw DataError(QStringLiteral("The data file %1 cannot be read: %2.").arg(path, file.errorString()));
    if (file.size() > kMaxBytes)
        throw DataError(QStringLiteral("The data file %1 is larger than %2 GiB.").arg(path).arg(kMaxBytes >> 30));
    m_bytes = file.readAll();
    if (m_bytes.startsWith("\xEF\xBB\xBF"))
        m_bytes.remove(0, 3);

    qint64 pos = 0;
    qint64 line = 0;
    QByteArray headerLine;
    while (pos < m_bytes.size()) {
        headerLine = nextLine(m_bytes, pos);
        ++line;
        if (!blank(headerLine))
            break;
    }
    if (blank(headerLine))
        throw DataError(QStringLiteral("The data file %1 is empty; it needs a header row naming the columns "
                                       "and at least one row of numbers.").arg(path));
    bool ok = true;
    const QList<QByteArray> names = splitLine(headerLine, &ok);
    if (!ok)
        throw DataError(QStringLiteral("%1 line %2: a quoted field is not closed.").arg(m_shownName).arg(line));
    for (int c = 0; c < names.size(); ++c) {
        const QString name = QString::fromUtf8(names.at(c)).trimmed();
        if (name.isEmpty())
            throw DataError(QStringLiteral("%1 line %2, column %3: the header has an empty column name.")
                                .arg(m_shownName).arg(line).arg(c + 1));
        if (m_header.contains(name))
            throw DataError(QStringLiteral("%1 line %2, column %3: the header names `%4` twice.")
                                .arg(m_shownName).arg(line).arg(c + 1).arg(name));
        m_header.append(name);
    }
    m_bodyOffset = pos;
    m_headerLines = line;
}

QString CsvReader::where(qint64 line, int column) const
{
    if (column <= 0)
        return QStringLiteral("%1 line %2").arg(m_shownName).arg(line);
    return QStringLiteral("%1 line %2, column %3 (%4)")
        .arg(m_shownName).arg(line).arg(column).arg(m_header.value(column - 1));
}

torch::Tensor CsvReader::read(const QList<int> &columns, int classCount) const
{
    for (int c : columns)
        if (c < 0 || c >= m_header.size())
            throw DataError(QStringLiteral("%1 has no column %2.").arg(m_shownName).arg(c + 1));
    std::vector<float> values;
    values.reserve(size_t(columns.size()) * size_t(m_bytes.count('\n') + 1));
    qint64 pos = m_bodyOffset;
    qint64 line = m_headerLines;
    qint64 rows = 0;
    const int width = m_header.size();
    while (pos < m_bytes.size()) {
        const QByteArray text = nextLine(m_bytes, pos);
        ++line;
        if (blank(text))
            continue;
        bool ok = true;
        const QList<QByteArray> cells = splitLine(text, &ok);
        if (!ok)
            throw DataError(QStringLiteral("%1: a quoted field is not closed.").arg(where(line, 0)));
        if (cells.size() != width)
            throw DataError(QStringLiteral("%1 has %2 cells; the header has %3 columns.")
                                .arg(where(line, 0)).arg(cells.size()).arg(width));
        for (int k = 0; k < columns.size(); ++k) {
            const int c = columns.at(k);
            const QByteArray cell = cells.at(c).trimmed();
            bool number = false;
            const double d = cell.toDouble(&number);
            if (!number || cell.isEmpty())
                throw DataError(QStringLiteral("%1: \"%2\" is not a number.").arg(where(line, c + 1), shown(cell)));
            if (!std::isfinite(d) || std::fabs(d) > double(std::numeric_limits<float>::max()))
                throw DataError(QStringLiteral("%1: %2 is not a finite 32-bit number.")
                                    .arg(where(line, c + 1), shown(cell)));
            if (classCount > 0 && k == columns.size() - 1 && (d != std::floor(d) || d < 0 || d >= classCount))
                throw DataError(QStringLiteral("%1: %2 is not a class index (a whole number from 0 to %3).")
                                    .arg(where(line, c + 1), shown(cell)).arg(classCount - 1));
            values.push_back(float(d));
        }
        ++rows;
    }
    if (rows == 0)
        throw DataError(QStringLiteral("The data file %1 has a header but no rows of numbers.").arg(m_path));
    return torch::from_blob(values.data(), {rows, qint64(columns.size())}, torch::kFloat32).clone();
}

QList<QByteArray> CsvReader::splitLine(const QByteArray &line, bool *ok)
{
    QList<QByteArray> fields;
    QByteArray field;
    bool quoted = false;
    for (qint64 k = 0; k < line.size(); ++k) {
        const char ch = line.at(k);
        if (quoted) {
            if (ch == '"') {
                if (k + 1 < line.size() && line.at(k + 1) == '"') {
                    field.append('"');
                    ++k;
                } else {
                    quoted = false;
                }
            } else {
                field.append(ch);
            }
        } else if (ch == '"' && field.trimmed().isEmpty()) {
            field.clear();
            quoted = true;
        } else if (ch == ',') {
            fields.append(field);
            field.clear();
        } else {
            field.append(ch);
        }
    }
    fields.append(field);
    if (ok)
        *ok = !quoted;
    return fields;
}
