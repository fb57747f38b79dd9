#pragma once

#include <QByteArray>
#include <QString>

namespace mc {

/// Writes `bytes` to `path` atomically: through a QSaveFile opened unbuffered
/// and written until every byte is in, then committed. On failure the previous
/// file stays as it was, nothing is left beside it, and `reason` (if given)
/// gets QFileDevice's description ("No space left on device", "File too
/// large"…) for the caller to put in its sentence.
///
/// Why not QSaveFile's buffered write: Qt 6.4 reports a short write (full disk,
/// file size limit) as a whole one and then commits the cut file over the old
/// one (tst_saving shows it for projects, checkpoints, CSV exports).
bool saveFileAtomically(const QString &path, const QByteArray &bytes, QString *reason = nullptr);

} // namespace mc
