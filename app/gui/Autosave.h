#pragma once

#include "document/GraphTypes.h"

#include <QDateTime>
#include <QObject>

#include <memory>

class QLockFile;

namespace mc {

/// Crash recovery. While the window runs, unsaved work is written now and then
/// to a file of its own in `directory`, next to a lock that the running process
/// holds. After a crash the lock is stale: the next start finds the file
/// (orphans()) and offers it back. A clean exit or a save removes the file.
class Autosave : public QObject
{
    Q_OBJECT
public:
    /// An autosave left behind by a session that did not end cleanly.
    struct Orphan
    {
        QString file;     ///< The autosaved project.
        QString source;   ///< The file the user was editing (empty: untitled).
        QDateTime time;   ///< When it was written.
    };

    explicit Autosave(const QString &directory, QObject *parent = nullptr);
    ~Autosave() override;

    /// The usual directory (AppLocalDataLocation/autosave).
    static QString defaultDirectory();
    QString directory() const { return m_directory; }
    /// This session's autosave file.
    QString file() const { return m_file; }

    /// Writes the document atomically; false with *error on failure.
    bool write(const ProjectData &project, const QString &source, QString *error = nullptr);
    /// Removes this session's autosave (nothing unsaved any more).
    void discard();

    /// Autosaves of sessions that are no longer running, newest first.
    QList<Orphan> orphans() const;
    /// Removes an orphan's files.
    static void removeOrphan(const Orphan &orphan);

private:
    QString m_directory;
    QString m_file;
    std::unique_ptr<QLockFile> m_lock;
};

} // namespace mc
