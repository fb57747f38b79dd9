#pragma once

#include "data/DataError.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace mc {

/// The torch-free core of CsvReader: a comma-separated text whose first row
/// names the columns. The header is read when the table is made; `read` then
/// parses the chosen columns of every row into floats, all or nothing: a bad
/// cell, a row with too few or too many cells, bytes that are not UTF-8 or an
/// unreadable file throw DataError naming the line (from 1, the header being
/// line 1) and the column (from 1). Fields may be quoted with double quotes;
/// blank lines are skipped; a UTF-8 BOM and CRLF line ends are accepted.
class CsvTable
{
public:
    /// Files larger than this are refused before reading.
    static constexpr qint64 kMaxBytes = qint64(2) * 1024 * 1024 * 1024;

    /// Opens `path` and reads its header. Throws DataError.
    explicit CsvTable(const QString &path);
    /// Reads the header of `bytes`, the content of a file at `path` (used in
    /// messages only). Throws DataError.
    CsvTable(const QByteArray &bytes, const QString &path);

    const QString &path() const { return m_path; }
    /// Column names in file order, trimmed.
    const QStringList &header() const { return m_header; }
    /// The index of a named column, or -1.
    int column(const QString &name) const { return m_header.indexOf(name); }
    /// The index of a named column; if the header has none, throws DataError
    /// naming the header's line and columns, the name and `role` (what the
    /// column was asked for as, e.g. "an input").
    int requireColumn(const QString &name, const QString &role) const;

    /// Parses `columns` (indices into header()) of every row, row after row,
    /// into `rows` x columns.size() floats. Every row must have exactly as
    /// many cells as the header; the chosen cells must be finite numbers.
    /// With `classCount` above 0, the last chosen column holds class indices:
    /// whole numbers from 0 to classCount - 1. Throws DataError.
    std::vector<float> read(const QList<int> &columns, int classCount, qint64 *rows) const;

    /// Splits one line into fields (commas, double-quoted fields with "" for a quote).
    static QList<QByteArray> splitLine(const QByteArray &line, bool *ok = nullptr);

    /// The offset of the first byte of `bytes` that is not part of valid UTF-8
    /// (overlong forms, surrogates and code points past U+10FFFF included), or -1.
    static qint64 firstInvalidUtf8(const QByteArray &bytes);

private:
    void parseHeader();
    QString where(qint64 line, int column) const;
    QString columnList() const;

    QString m_path;
    QString m_shownName; ///< The file name used in messages.
    QByteArray m_bytes;
    qint64 m_bodyOffset = 0;  ///< Where the first row after the header starts.
    qint64 m_headerLines = 0; ///< Lines up to and including the header.
    QStringList m_header;
};

} // namespace mc
