#pragma once

// Reading the directory of a zip archive (what LibTorch writes: .pt exports,
// checkpoints) without trusting any size or offset the file claims. Used to
// read the project stored in an export without running its code, and to check
// that an archive lies wholly inside its bytes before LibTorch reads it
// (LibTorch 1.13's reader copies past the end of a truncated archive).

#include <QByteArray>
#include <QList>
#include <QString>

class QIODevice;

namespace mc {

/// Why an archive cannot give what was asked of it.
enum class ZipProblem {
    NotZip,   ///< No readable zip directory.
    NoEntry,  ///< A zip archive without the entry asked for.
    BadEntry, ///< The entry is there but lies outside the file or cannot be read as written.
};

struct ZipFailure
{
    ZipProblem problem;
    /// NotZip: a phrase such as "a zip directory outside the file"; BadEntry:
    /// what the entry does, to follow its name ("is damaged (checksum mismatch)").
    QString detail;
};

/// One file of the archive as its central directory describes it (zip64 sizes resolved).
struct ZipEntry
{
    QByteArray name;
    int method = 0; ///< 0 = stored.
    quint32 crc = 0;
    quint64 compressedSize = 0;
    quint64 size = 0;
    quint64 localHeader = 0; ///< Offset of the entry's local header.
};

/// The entries of the archive in `device` (open, seekable); throws ZipFailure
/// (NotZip) when there is no directory or it does not fit in the device.
QList<ZipEntry> readZipDirectory(QIODevice &device);

/// Where `entry`'s data starts, after checking that its local header and its
/// compressed data lie inside the device; throws ZipFailure (BadEntry).
quint64 zipEntryData(QIODevice &device, const ZipEntry &entry);

/// The stored (uncompressed) bytes of `entry`, checked against its CRC;
/// throws ZipFailure (BadEntry) for a compressed, oversized or damaged entry.
QByteArray readStoredZipEntry(QIODevice &device, const ZipEntry &entry, qint64 maxBytes);

} // namespace mc
