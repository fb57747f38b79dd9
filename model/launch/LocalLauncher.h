#pragma once

#include "document/GraphTypes.h"
#include "training/TrainingProgress.h"
#include "training/TrainingSettings.h"

#include <QByteArray>
#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

class QProcess;
class QTemporaryDir;
class QTimer;

namespace mc {

/// Trains a project with N local processes: starts N `modelcomposer-cli
/// train` workers with QProcess (the environment torchrun would give them,
/// with a FileStore in a private folder instead of a TCPStore, so that no
/// socket of the run listens beyond loopback), follows rank 0's `--progress-json`
/// lines, and reports the same values a Trainer does, so that the window
/// plots a multi-process run as it plots one in its own thread.
///
/// Use: setProject() or setArguments(), setProcessCount(), then start(); stop()
/// to end early. Signals arrive on this object's thread (an event loop is
/// needed). One run at a time; start() again after finished().
///
/// When a worker fails, the others end on their own (they name the rank);
/// any still running after the timeout are killed. finished() comes once,
/// when every worker has ended.
class LocalLauncher : public QObject
{
    Q_OBJECT
public:
    explicit LocalLauncher(QObject *parent = nullptr);
    /// Kills workers still running.
    ~LocalLauncher() override;

    /// `modelcomposer-cli` next to this executable, in ../cli (the build
    /// tree), or on PATH; empty if none is found.
    static QString defaultProgram();
    /// The worker executable (default: defaultProgram()).
    void setProgram(const QString &program) { m_program = program; }
    QString program() const { return m_program; }

    /// Trains `project` with `settings` (written to a temporary project file
    /// that lives as long as the launcher; a CSV path is made absolute against
    /// `baseDir`, the original project's folder), plus `extraArguments` for the
    /// outputs (--metrics, --checkpoint-dir, --export). Returns false with a
    /// sentence when the file cannot be written.
    bool setProject(const ProjectData &project, const TrainingSettings &settings, const QString &baseDir,
                    const QStringList &extraArguments = {}, QString *error = nullptr);
    /// Or: what follows `modelcomposer-cli train` (the project file and flags).
    void setArguments(const QStringList &trainArguments) { m_arguments = trainArguments; }
    QStringList arguments() const { return m_arguments; }
    /// Workers to start (at least 1; default 2).
    void setProcessCount(int count) { m_count = std::max(1, count); }
    int processCount() const { return m_count; }
    /// Seconds after which a collective with a silent peer fails (passed as
    /// --dist-timeout), and the grace given to workers before they are killed.
    void setTimeoutSeconds(int seconds) { m_timeoutSeconds = std::max(1, seconds); }
    /// Follow rank 0's progress (adds --progress-json to its arguments; the
    /// default). Off: every line arrives as outputLine() and progress() is
    /// never emitted (the command line's --nproc-per-node forwards text).
    void setFollowProgress(bool follow) { m_followProgress = follow; }
    /// The environment the workers start from (default: this process's).
    void setEnvironment(const QProcessEnvironment &environment) { m_environment = environment; }

    /// Starts the workers. False with a sentence when no program is set, a run
    /// is in progress or the store's private folder cannot be made.
    bool start(QString *error = nullptr);
    /// Asks every worker to stop (SIGTERM): they stop together after the
    /// current step and rank 0 writes its outputs; workers still running after
    /// the timeout are killed.
    void stop();
    /// Kills every worker at once.
    void kill();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    /// Loss points and finished epochs from rank 0, as Trainer::progress.
    void progress(const TrainingProgress &progress);
    /// Rank 0's warning (a checkpoint that could not be written).
    void warning(const QString &message);
    /// Rank 0 wrote a checkpoint.
    void checkpointSaved(const QString &path);
    /// A line of a worker's output that is not a progress report: rank 0's
    /// plan and text, any worker's errors.
    void outputLine(int rank, const QString &line, bool standardError);
    /// Every worker has ended: rank 0's result when all succeeded, else Failed
    /// with the message of the rank that saw the cause. Emitted once per start().
    void finished(const TrainingResult &result);

private:
    struct Worker
    {
        QProcess *process = nullptr;
        QByteArray outBuffer;
        QByteArray errBuffer;
        QString lastError; ///< Its last `error: …` line.
        bool done = false;
        bool failed = false;
    };
    struct Store;

    void readOutput(int rank, bool standardError);
    void handleLine(int rank, const QByteArray &line, bool standardError);
    void workerEnded(int rank);
    void finish();

    QString m_program;
    QStringList m_arguments;
    int m_count = 2;
    int m_timeoutSeconds = 20;
    bool m_followProgress = true;
    QProcessEnvironment m_environment;
    std::unique_ptr<QTemporaryDir> m_projectDir;
    std::unique_ptr<Store> m_store;
    QVector<Worker> m_workers;
    QTimer *m_killTimer = nullptr;
    bool m_running = false;
    bool m_stopping = false;
    bool m_haveResult = false;
    TrainingResult m_result;
    QString m_failure; ///< The first failure seen: which rank and how.
};

} // namespace mc
