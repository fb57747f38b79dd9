// libFuzzer target: any bytes in a file, read as IDX (gzipped or not: zlib
// takes both), either give dimensions whose product is the number of bytes
// read, or fail with a DataError whose sentence names the file. A header that
// announces more than the file holds must not allocate what it announces
// (-rss_limit_mb catches that).

#include "data/DataError.h"
#include "data/IdxFile.h"

#include <QFile>

#include <cstdint>
#include <cstdlib>
#include <unistd.h>

using namespace mc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QString path = QStringLiteral("/tmp/fuzz_idx_%1.idx").arg(getpid());
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            std::abort();
        f.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    try {
        const IdxFile file = IdxFile::read(path);
        int64_t count = 1;
        for (int64_t d : file.dims())
            count *= d;
        if (file.dims().empty() || count != file.data().numel())
            std::abort(); // all or nothing
    } catch (const DataError &e) {
        if (!QString::fromStdString(e.what()).contains(QStringLiteral("fuzz_idx_")))
            std::abort(); // every refusal names the file
    }
    return 0;
}
