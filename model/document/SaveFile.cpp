#include "document/SaveFile.h"

#include <QSaveFile>

namespace mc {

bool saveFileAtomically(const QString &path, const QByteArray &bytes, QString *reason)
{
    QSaveFile file(path);
    bool ok = file.open(QIODevice::WriteOnly | QIODevice::Unbuffered);
    for (qint64 done = 0; ok && done < bytes.size();) {
        const qint64 n = file.write(bytes.constData() + done, bytes.size() - done);
        ok = n > 0;
        done += n;
    }
    if (ok && file.commit())
        return true;
    if (reason)
        *reason = file.errorString();
    return false; // an uncommitted QSaveFile removes its temporary file
}

} // namespace mc
