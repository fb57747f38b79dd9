#include "data/CsvTable.h"

#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <limits>

namespace mc {

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
    // At most 40 characters of a cell, cut before decoding so that a huge
    // cell costs nothing to quote.
    const QByteArray trimmed = cell.trimmed();
    QString s = QString::fromUtf8(trimmed.left(160));
    if (s.size() > 40 || trimmed.size() > 160)
        s = s.left(37) + QStringLiteral("...");
    return s;
}

/// "1 cell", "3 cells".
QString count(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        throw DataError(QStringLiteral("The data file %1 does not exist.").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        throw DataError(QStringLiteral("The data file %1 cannot be read: %2.").arg(path, file.errorString()));
    if (file.size() > CsvTable::kMaxBytes)
        throw DataError(QStringLiteral("The data file %1 is larger than %2 GiB.").arg(path).arg(CsvTable::kMaxBytes >> 30));
    return file.readAll();
}

} // namespace

CsvTable::CsvTable(const QString &path)
    : CsvTable(readFile(path), path)
{
}

CsvTable::CsvTable(const QByteArray &bytes, const QString &path)
    : m_path(path), m_shownName(QFileInfo(path).fileName()), m_bytes(bytes)
{
    if (m_bytes.startsWith("\xEF\xBB\xBF"))
        m_bytes.remove(0, 3);
    parseHeader();
}

void CsvTable::parseHeader()
{
    const qint64 invalid = firstInvalidUtf8(m_bytes);
    // Where the bad byte is: its line (from 1) and its cell (from 1).
    auto badPlace = [&](qint64 *line, int *column) {
        const qint64 lineStart = m_bytes.lastIndexOf('\n', invalid) + 1; // -1 + 1 = 0 on line 1
        *line = m_bytes.left(lineStart).count('\n') + 1;
        *column = int(splitLine(m_bytes.mid(lineStart, invalid - lineStart)).size());
    };
    auto utf8Error = [&](const QString &place, qint64 at) {
        return DataError(QStringLiteral("%1: the file is not UTF-8 text (byte 0x%2); save it as UTF-8.")
                             .arg(place).arg(uint(uchar(m_bytes.at(at))), 2, 16, QLatin1Char('0')));
    };

    qint64 pos = 0;
    qint64 line = 0;
    QByteArray headerLine;
    while (pos < m_bytes.size()) {
        headerLine = nextLine(m_bytes, pos);
        ++line;
        if (!blank(headerLine))
            break;
    }
    if (invalid >= 0 && invalid < pos) {
        qint64 badLine = 0;
        int badColumn = 0;
        badPlace(&badLine, &badColumn);
        throw utf8Error(where(badLine, badColumn), invalid);
    }
    if (blank(headerLine))
        throw DataError(QStringLiteral("The data file %1 is empty (line 1, column 1); it needs a header row "
                                       "naming the columns and at least one row of numbers.").arg(m_path));
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
    if (invalid >= 0) {
        qint64 badLine = 0;
        int badColumn = 0;
        badPlace(&badLine, &badColumn);
        throw utf8Error(where(badLine, badColumn), invalid);
    }
}

QString CsvTable::where(qint64 line, int column) const
{
    if (column <= 0)
        return QStringLiteral("%1 line %2").arg(m_shownName).arg(line);
    const QString name = m_header.value(column - 1);
    if (name.isEmpty())
        return QStringLiteral("%1 line %2, column %3").arg(m_shownName).arg(line).arg(column);
    return QStringLiteral("%1 line %2, column %3 (%4)").arg(m_shownName).arg(line).arg(column).arg(name);
}

QString CsvTable::columnList() const
{
    // A header of thousands of columns is not spelled out whole.
    if (m_header.size() <= 12)
        return m_header.join(QStringLiteral(", "));
    return m_header.mid(0, 10).join(QStringLiteral(", ")) + QStringLiteral(", ..., ") + m_header.last();
}

int CsvTable::requireColumn(const QString &name, const QString &role) const
{
    const int c = column(name);
    if (c >= 0)
        return c;
    const qint64 line = m_headerLines;
    const QString place = m_header.size() == 1
        ? QStringLiteral("%1 line %2, column 1 (%3)").arg(m_shownName).arg(line).arg(m_header.first())
        : QStringLiteral("%1 line %2, columns 1 to %3 (%4)").arg(m_shownName).arg(line).arg(m_header.size())
              .arg(columnList());
    QString text = QStringLiteral("%1: no column is named `%2`, asked for as %3").arg(place, name, role);
    for (int k = 0; k < m_header.size(); ++k)
        if (m_header.at(k).compare(name, Qt::CaseInsensitive) == 0) {
            text += QStringLiteral("; column %1 is `%2` (names are case-sensitive)").arg(k + 1).arg(m_header.at(k));
            break;
        }
    throw DataError(text + QLatin1Char('.'));
}

std::vector<float> CsvTable::read(const QList<int> &columns, int classCount, qint64 *rowCount) const
{
    for (int c : columns)
        if (c < 0 || c >= m_header.size())
            throw DataError(QStringLiteral("%1 line %2, column %3: there is no such column; the header has %4.")
                                .arg(m_shownName).arg(m_headerLines).arg(c + 1)
                                .arg(count(m_header.size(), "column", "columns")));
    std::vector<float> values;
    values.reserve(size_t(columns.size()) * size_t(m_bytes.count('\n') + 1));
    qint64 pos = m_bodyOffset;
    qint64 line = m_headerLines;
    qint64 rows = 0;
    const int width = int(m_header.size());
    while (pos < m_bytes.size()) {
        const QByteArray text = nextLine(m_bytes, pos);
        ++line;
        if (blank(text))
            continue;
        bool ok = true;
        const QList<QByteArray> cells = splitLine(text, &ok);
        if (!ok)
            throw DataError(QStringLiteral("%1: a quoted field is not closed.").arg(where(line, 0)));
        if (cells.size() != width) {
            // Name the first column without a cell, or the first cell without a column.
            const int n = int(cells.size());
            const QString counts = QStringLiteral("the row has %1, the header %2.")
                                       .arg(count(n, "cell", "cells"), count(width, "column", "columns"));
            if (n < width && n + 1 == width)
                throw DataError(QStringLiteral("%1 is missing: %2").arg(where(line, n + 1), counts));
            if (n < width)
                throw DataError(QStringLiteral("%1 line %2, columns %3 (%4) to %5 (%6) are missing: %7")
                                    .arg(m_shownName).arg(line).arg(n + 1).arg(m_header.at(n)).arg(width)
                                    .arg(m_header.last(), counts));
            if (n == width + 1)
                throw DataError(QStringLiteral("%1 is one cell too many: %2").arg(where(line, width + 1), counts));
            throw DataError(QStringLiteral("%1 line %2, columns %3 to %4 are too many: %5")
                                .arg(m_shownName).arg(line).arg(width + 1).arg(n).arg(counts));
        }
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
        throw DataError(QStringLiteral("The data file %1 has a header on line %2 but no rows of numbers after it.")
                            .arg(m_path).arg(m_headerLines));
    if (rowCount)
        *rowCount = rows;
    return values;
}

QList<QByteArray> CsvTable::splitLine(const QByteArray &line, bool *ok)
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

qint64 CsvTable::firstInvalidUtf8(const QByteArray &bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qint64 n = bytes.size();
    qint64 k = 0;
    while (k < n) {
        const unsigned char b = p[k];
        if (b < 0x80) {
            ++k;
            continue;
        }
        int more = 0;
        unsigned lo = 0x80, hi = 0xBF; // the allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) {
            more = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            more = 2;
            if (b == 0xE0)
                lo = 0xA0; // no overlong forms
            else if (b == 0xED)
                hi = 0x9F; // no surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            more = 3;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F; // nothing past U+10FFFF
        } else {
            return k;
        }
        if (k + more >= n) // cut short by the end of the file
            return k;
        if (p[k + 1] < lo || p[k + 1] > hi)
            return k;
        for (int j = 2; j <= more; ++j)
            if (p[k + j] < 0x80 || p[k + j] > 0xBF)
                return k;
        k += more + 1;
    }
    return -1;
}

} // namespace mc
