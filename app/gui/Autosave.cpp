#include "Autosave.h"

#include "document/ProjectFile.h"
#include "document/SaveFile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QStandardPaths>
#include <QUuid>

namespace mc {

Autosave::Autosave(const QString &directory, QObject *parent) : QObject(parent), m_directory(directory)
{
    QDir().mkpath(m_directory);
    const QString id = QStringLiteral("%1-%2").arg(QCoreApplication::applicationPid())
                           .arg(QUuid::createUuid().toString(QUuid::Id128).left(8));
    m_file = QDir(m_directory).filePath(QStringLiteral("autosave-%1.mcproj").arg(id));
    m_lock = std::make_unique<QLockFile>(QDir(m_directory).filePath(QStringLiteral("autosave-%1.lock").arg(id)));
    m_lock->setStaleLockTime(0);
    m_lock->tryLock(0);
}

Autosave::~Autosave() = default;

QString Autosave::defaultDirectory()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("autosave"));
}

bool Autosave::write(const ProjectData &project, const QString &source, QString *error)
{
    QDir().mkpath(m_directory);
    if (!ProjectFile::save(project, m_file, error))
        return false;
    const QJsonObject o{{QStringLiteral("source"), source},
                        {QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
    return saveFileAtomically(m_file + QStringLiteral(".json"), QJsonDocument(o).toJson(), error);
}

void Autosave::discard()
{
    QFile::remove(m_file);
    QFile::remove(m_file + QStringLiteral(".json"));
}

QList<Autosave::Orphan> Autosave::orphans() const
{
    QList<Orphan> found;
    const QDir dir(m_directory);
    const QStringList files = dir.entryList({QStringLiteral("autosave-*.mcproj")}, QDir::Files, QDir::Time);
    for (const QString &name : files) {
        const QString path = dir.filePath(name);
        if (path == m_file)
            continue;
        QString lockPath = path;
        lockPath.replace(QStringLiteral(".mcproj"), QStringLiteral(".lock"));
        QLockFile lock(lockPath);
        lock.setStaleLockTime(0);
        if (!lock.tryLock(0))
            continue; // Its session is still running.
        lock.unlock();
        Orphan o;
        o.file = path;
        QFile meta(path + QStringLiteral(".json"));
        if (meta.open(QIODevice::ReadOnly) && meta.size() < 65536) {
            const QJsonObject m = QJsonDocument::fromJson(meta.readAll()).object();
            o.source = m.value(QStringLiteral("source")).toString();
            o.time = QDateTime::fromString(m.value(QStringLiteral("time")).toString(), Qt::ISODate);
        }
        if (!o.time.isValid())
            o.time = QFileInfo(path).lastModified();
        found.append(o);
    }
    return found;
}

void Autosave::removeOrphan(const Orphan &orphan)
{
    QFile::remove(orphan.file);
    QFile::remove(orphan.file + QStringLiteral(".json"));
    QString lockPath = orphan.file;
    lockPath.replace(QStringLiteral(".mcproj"), QStringLiteral(".lock"));
    QFile::remove(lockPath);
}

} // namespace mc
