#include "data/CsvReader.h"

namespace mc {

CsvReader::CsvReader(const QString &path)
    : m_table(path)
{
}

torch::Tensor CsvReader::read(const QList<int> &columns, int classCount) const
{
    qint64 rows = 0;
    std::vector<float> values = m_table.read(columns, classCount, &rows);
    return torch::from_blob(values.data(), {rows, qint64(columns.size())}, torch::kFloat32).clone();
}

} // namespace mc
