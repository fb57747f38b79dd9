#include "data/IdxFile.h"

#include "data/DataError.h"

#include <QFile>
#include <QFileInfo>
#include <QLocale>

#include <zlib.h>

#include <memory>
#include <vector>

namespace mc {

namespace {

/// A gzip (or plain: zlib passes those through) file read with gzread.
class GzReader
{
public:
    explicit GzReader(const QString &path) : m_file(gzopen(QFile::encodeName(path).constData(), "rb")) {}
    ~GzReader()
    {
        if (m_file)
            gzclose(m_file);
    }
    GzReader(const GzReader &) = delete;
    GzReader &operator=(const GzReader &) = delete;
    bool isOpen() const { return m_file != nullptr; }
    /// Bytes read, up to `size`; -1 on a read error (a corrupt gzip stream).
    int64_t read(void *into, int64_t size)
    {
        int64_t done = 0;
        auto *bytes = static_cast<unsigned char *>(into);
        while (done < size) {
            const unsigned chunk = unsigned(std::min<int64_t>(size - done, 1 << 30));
            const int n = gzread(m_file, bytes + done, chunk);
            if (n < 0)
                return -1;
            if (n == 0)
                break;
            done += n;
        }
        return done;
    }
    QString error()
    {
        int code = Z_OK;
        const char *text = gzerror(m_file, &code);
        return code == Z_OK || !text ? QString() : QString::fromLatin1(text);
    }

private:
    gzFile m_file;
};

QString number(int64_t n)
{
    return QLocale(QLocale::English).toString(qlonglong(n)); // 47,040,000
}

} // namespace

IdxFile IdxFile::read(const QString &path)
{
    const QString name = QFileInfo(path).fileName();
    if (!QFileInfo(path).isFile())
        throw DataError(QStringLiteral("%1: there is no such file.").arg(path));
    GzReader in(path);
    if (!in.isOpen())
        throw DataError(QStringLiteral("%1: the file cannot be read.").arg(path));
    unsigned char magic[4] = {};
    const int64_t got = in.read(magic, 4);
    if (got < 0)
        throw DataError(QStringLiteral("%1: the file is not a valid gzip file (%2).").arg(name, in.error()));
    if (got < 4 || magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 8)
        throw DataError(QStringLiteral("%1: the file is not in the IDX format (it does not start with the IDX "
                                       "header of MNIST-like files).").arg(name));
    if (magic[2] != 0x08)
        throw DataError(QStringLiteral("%1: the IDX elements are of type 0x%2; only unsigned bytes (0x08) are read.")
                            .arg(name)
                            .arg(int(magic[2]), 2, 16, QLatin1Char('0')));
    IdxFile file;
    int64_t count = 1;
    for (int k = 0; k < magic[3]; ++k) {
        unsigned char b[4] = {};
        if (in.read(b, 4) != 4)
            throw DataError(QStringLiteral("%1: the file ends inside its IDX header: it is truncated.").arg(name));
        const int64_t dim = (int64_t(b[0]) << 24) | (int64_t(b[1]) << 16) | (int64_t(b[2]) << 8) | int64_t(b[3]);
        if (dim <= 0)
            throw DataError(QStringLiteral("%1: dimension %2 of the IDX header is 0.").arg(name).arg(k + 1));
        // 2^33 bytes: far past any data set this window trains on, and a
        // header that says more is a broken one. Checked before multiplying:
        // four 32-bit dimensions overflow 64 bits (fuzz_idx found it).
        constexpr int64_t kMaxBytes = int64_t(1) << 33;
        if (dim > kMaxBytes / count)
            throw DataError(QStringLiteral("%1: the IDX header announces more than 8 GiB of data.").arg(name));
        count *= dim;
        file.m_dims.push_back(dim);
    }
    // Read in pieces, growing as the data arrives: a header that announces
    // gigabytes over a short file costs what the file holds, not what it says.
    auto buffer = std::make_unique<std::vector<uint8_t>>();
    int64_t read = 0;
    while (read < count) {
        const int64_t want = std::min<int64_t>(count - read, int64_t(16) << 20);
        buffer->resize(size_t(read + want));
        const int64_t n = in.read(buffer->data() + read, want);
        if (n < 0)
            throw DataError(QStringLiteral("%1: the file is not a valid gzip file (%2).").arg(name, in.error()));
        read += n;
        if (n < want)
            break;
    }
    if (read < count)
        throw DataError(QStringLiteral("%1: the file ends after %2 of the %3 values its header announces: it is "
                                       "truncated.").arg(name, number(read), number(count)));
    unsigned char extra = 0;
    if (in.read(&extra, 1) != 0)
        throw DataError(QStringLiteral("%1: the file goes on after the %2 values its header announces.")
                            .arg(name, number(count)));
    std::vector<uint8_t> *bytes = buffer.release();
    file.m_data = torch::from_blob(bytes->data(), file.m_dims, [bytes](void *) { delete bytes; }, torch::kUInt8);
    return file;
}

} // namespace mc
