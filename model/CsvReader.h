#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <torch/torch.h>

#include <stdexcept>

/// A data file that cannot be used, with one sentence saying where and why
/// (`data.csv line 7, column 3 (x2): "abc" is not a number`).
class DataError : public std::runtime_error
{
public:
    explicit DataError(const QString &message)
        : std::runtime_error(message.toStdString())
    {}
    QString message() const { return QString::fromStdString(what()); }
};

/// Reads a comma-separated file whose first row names the columns. The header
/// is read when the reader is made; `read` then parses the chosen columns of
/// every row into a float tensor, all or nothing: a bad cell, a row with too few
/// or too many cells or an unreadable file throws DataError naming the line
/// (from 1, the header being line 1) and the column (from 1). Fields may be
/// quoted with double quotes; blank lines are skipped; a UTF-8 BOM and CRLF line
/// ends are accepted.
class CsvReader
{
public:
    /// Files larger than this are refused before reading.
    static constexpr qint64 kMaxBytes = qint64(2) * 1024 * 1024 * 1024;

    /// Opens `path` and reads its header. Throws DataError.
    explicit CsvReader(const QString &path);

    const QString &path() const { return m_path; }
    /// Column names in file order, trimmed.
    const QStringList &header() const { return m_header; }
    /// The index of a named column, or -1.
    int column(const QString &name) const { return m_header.indexOf(name); }

    /// Parses `columns` (indices into header()) of every row into a
    /// [rows, columns.size()] float32 tensor. Every row must have exactly as
    /// many cells as the header; the chosen cells must be finite numbers.
    /// With `classCount` above 0, the last chosen column holds class indices:
    /// whole numbers from 0 to classCount - 1. Throws DataError.
    torch::Tensor read(const QList<int> &columns, int classCount = 0) const;

    /// Splits one line into fields (commas, double-quoted fields with "" for a quote).
    static QList<QByteArray> splitLine(const QByteArray &line, bool *ok = nullptr);

private:
    QString where(qint64 line, int column) const;

    QString m_path;
    QString m_shownName; ///< The file name used in messages.
    QByteArray m_bytes;
    qint64 m_bodyOffset = 0;  ///< Where the first row after the header starts.
    qint64 m_headerLines = 0; ///< Lines up to and including the header.
    QStringList m_header;
};
