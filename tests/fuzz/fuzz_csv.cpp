// libFuzzer target: any bytes given to the CSV reader either give a header and
// rows of finite floats, or fail with a DataError whose sentence says where.
// The first byte picks the columns read and whether the last is a class index,
// so that every path of CsvTable::read is reached.

#include "data/CsvTable.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

using namespace mc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t mode = data[0];
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    try {
        const CsvTable table(bytes, QStringLiteral("fuzz.csv"));
        QList<int> columns;
        for (int c = 0; c < table.header().size(); ++c)
            if (!(mode & 1) || c % 2 == 0) // all columns, or every other one
                columns.append(c);
        const int classCount = (mode >> 1) & 7;
        qint64 rows = -1;
        const std::vector<float> values = table.read(columns, classCount, &rows);
        if (rows < 1 || values.size() != size_t(rows) * size_t(columns.size()))
            std::abort(); // a table reads all or nothing
        for (float v : values)
            if (!std::isfinite(v))
                std::abort(); // only finite numbers get through
    } catch (const DataError &e) {
        if (QString::fromStdString(e.what()).isEmpty())
            std::abort(); // every refusal says why
    }
    return 0;
}
