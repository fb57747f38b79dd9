#include "document/ZipDirectory.h"

#include <QIODevice>

#include <algorithm>
#include <array>
#include <initializer_list>

namespace mc {

namespace {

quint64 le(const QByteArray &b, qint64 at, int bytes)
{
    quint64 v = 0;
    for (int k = bytes - 1; k >= 0; --k)
        v = (v << 8) | quint8(b.at(at + k));
    return v;
}

quint32 crc32(const QByteArray &data)
{
    static const std::array<quint32, 256> table = [] {
        std::array<quint32, 256> t{};
        for (quint32 n = 0; n < 256; ++n) {
            quint32 c = n;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    quint32 c = 0xFFFFFFFFu;
    for (char ch : data)
        c = table[(c ^ quint8(ch)) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/// Reads `n` bytes at `offset`, or an empty array when the device is shorter.
QByteArray readAt(QIODevice &device, quint64 offset, qint64 n)
{
    const qint64 size = device.size();
    if (n < 0 || offset > quint64(size) || n > size - qint64(offset) || !device.seek(qint64(offset)))
        return {};
    QByteArray b = device.read(n);
    return b.size() == n ? b : QByteArray();
}

ZipFailure notZip(const char *why)
{
    return {ZipProblem::NotZip, QString::fromLatin1(why)};
}

} // namespace

QList<ZipEntry> readZipDirectory(QIODevice &device)
{
    const qint64 size = device.size();
    const qint64 tailSize = std::min<qint64>(size, 0xFFFF + 22);
    const QByteArray tail = readAt(device, quint64(size - tailSize), tailSize);
    const qsizetype eocd = tail.lastIndexOf(QByteArray("PK\x05\x06", 4));
    if (tail.isEmpty() || eocd < 0 || eocd + 22 > tail.size())
        throw notZip("no zip directory");
    quint64 entries = le(tail, eocd + 10, 2);
    quint64 dirSize = le(tail, eocd + 12, 4);
    quint64 dirOffset = le(tail, eocd + 16, 4);
    if (entries == 0xFFFF || dirSize == 0xFFFFFFFF || dirOffset == 0xFFFFFFFF) {
        // Zip64: the locator sits just before the classic end record.
        const quint64 at = quint64(size - tailSize) + quint64(eocd);
        const QByteArray locator = at >= 20 ? readAt(device, at - 20, 20) : QByteArray();
        if (locator.isEmpty() || !locator.startsWith(QByteArray("PK\x06\x07", 4)))
            throw notZip("a broken zip64 directory");
        const QByteArray record = readAt(device, le(locator, 8, 8), 56);
        if (record.isEmpty() || !record.startsWith(QByteArray("PK\x06\x06", 4)))
            throw notZip("a broken zip64 directory");
        entries = le(record, 32, 8);
        dirSize = le(record, 40, 8);
        dirOffset = le(record, 48, 8);
    }
    if (dirOffset > quint64(size) || dirSize > quint64(size) - dirOffset || entries > dirSize / 46)
        throw notZip("a zip directory outside the file");
    // Half a million tensors fit in 64 MiB of directory; more is not ours.
    constexpr quint64 kMaxDirectory = 64 * 1024 * 1024;
    if (dirSize > kMaxDirectory)
        throw notZip("a zip directory larger than 64 MiB");
    const QByteArray dir = readAt(device, dirOffset, qint64(dirSize));
    if (dir.size() != qint64(dirSize))
        throw notZip("an unreadable zip directory");

    QList<ZipEntry> result;
    result.reserve(qsizetype(entries));
    qint64 pos = 0;
    for (quint64 k = 0; k < entries; ++k) {
        if (pos + 46 > dir.size() || le(dir, pos, 4) != 0x02014b50)
            throw notZip("a broken zip directory");
        ZipEntry entry;
        entry.method = int(le(dir, pos + 10, 2));
        entry.crc = quint32(le(dir, pos + 16, 4));
        entry.compressedSize = le(dir, pos + 20, 4);
        entry.size = le(dir, pos + 24, 4);
        const int nameLength = int(le(dir, pos + 28, 2));
        const int extraLength = int(le(dir, pos + 30, 2));
        const int commentLength = int(le(dir, pos + 32, 2));
        entry.localHeader = le(dir, pos + 42, 4);
        const qint64 next = pos + 46 + nameLength + extraLength + commentLength;
        if (next > dir.size())
            throw notZip("a broken zip directory");
        entry.name = dir.mid(pos + 46, nameLength);
        // Zip64 sizes and offset, where the classic fields overflow.
        qint64 e = pos + 46 + nameLength;
        const qint64 extraEnd = e + extraLength;
        while (e + 4 <= extraEnd) {
            const int id = int(le(dir, e, 2)), n = int(le(dir, e + 2, 2));
            qint64 f = e + 4;
            if (id == 0x0001) {
                for (quint64 *field : {&entry.size, &entry.compressedSize, &entry.localHeader})
                    if (*field == 0xFFFFFFFF && f + 8 <= std::min(extraEnd, e + 4 + n)) {
                        *field = le(dir, f, 8);
                        f += 8;
                    }
            }
            e += 4 + n;
        }
        result.append(entry);
        pos = next;
    }
    return result;
}

quint64 zipEntryData(QIODevice &device, const ZipEntry &entry)
{
    const QByteArray header = readAt(device, entry.localHeader, 30);
    if (header.isEmpty() || le(header, 0, 4) != 0x04034b50)
        throw ZipFailure{ZipProblem::BadEntry, QStringLiteral("has no header")};
    const quint64 data = entry.localHeader + 30 + le(header, 26, 2) + le(header, 28, 2);
    const quint64 size = quint64(device.size());
    if (data > size || entry.compressedSize > size - data)
        throw ZipFailure{ZipProblem::BadEntry,
                         QStringLiteral("ends past the end of the file")};
    return data;
}

QByteArray readStoredZipEntry(QIODevice &device, const ZipEntry &entry, qint64 maxBytes)
{
    if (entry.method != 0 || entry.compressedSize != entry.size)
        throw ZipFailure{ZipProblem::BadEntry, QStringLiteral("is compressed")};
    if (entry.size > quint64(maxBytes))
        throw ZipFailure{ZipProblem::BadEntry, QStringLiteral("is larger than %1 MiB").arg(maxBytes >> 20)};
    const QByteArray bytes = readAt(device, zipEntryData(device, entry), qint64(entry.size));
    if (bytes.size() != qint64(entry.size) || crc32(bytes) != entry.crc)
        throw ZipFailure{ZipProblem::BadEntry, QStringLiteral("is damaged (checksum mismatch)")};
    return bytes;
}

} // namespace mc
