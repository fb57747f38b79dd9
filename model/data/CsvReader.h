#pragma once

#include "data/CsvTable.h"
#include "data/DataError.h"

#include <torch/torch.h>

namespace mc {

/// Reads a comma-separated file whose first row names the columns into float
/// tensors: a thin wrapper over CsvTable (which has the rules and the messages)
/// that returns tensors. The header is read when the reader is made; `read`
/// parses every row, all or nothing, and throws DataError naming the line and
/// the column.
class CsvReader
{
public:
    /// Files larger than this are refused before reading.
    static constexpr qint64 kMaxBytes = CsvTable::kMaxBytes;

    /// Opens `path` and reads its header. Throws DataError.
    explicit CsvReader(const QString &path);

    const QString &path() const { return m_table.path(); }
    /// Column names in file order, trimmed.
    const QStringList &header() const { return m_table.header(); }
    /// The index of a named column, or -1.
    int column(const QString &name) const { return m_table.column(name); }
    /// The index of a named column; throws DataError naming line 1 and the
    /// header's columns when there is none (see CsvTable::requireColumn).
    int requireColumn(const QString &name, const QString &role) const { return m_table.requireColumn(name, role); }

    /// Parses `columns` (indices into header()) of every row into a
    /// [rows, columns.size()] float32 tensor. Every row must have exactly as
    /// many cells as the header; the chosen cells must be finite numbers.
    /// With `classCount` above 0, the last chosen column holds class indices:
    /// whole numbers from 0 to classCount - 1. Throws DataError.
    torch::Tensor read(const QList<int> &columns, int classCount = 0) const;

    /// Splits one line into fields (commas, double-quoted fields with "" for a quote).
    static QList<QByteArray> splitLine(const QByteArray &line, bool *ok = nullptr)
    {
        return CsvTable::splitLine(line, ok);
    }

private:
    CsvTable m_table;
};

} // namespace mc
