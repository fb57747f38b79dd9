#include "launch/LocalLauncher.h"

#include "distributed/DistributedOptions.h"
#include "training/ProgressJson.h"
#include "document/ProjectFile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

namespace mc {

/// Where the workers meet: c10d's FileStore in a folder of this run that only
/// this user can enter. No socket listens for it (a TCPStore's server would
/// listen on every interface, unauthenticated); the folder goes with the run.
struct LocalLauncher::Store
{
    QTemporaryDir dir;
    QString file;
};

LocalLauncher::LocalLauncher(QObject *parent)
    : QObject(parent)
    , m_program(defaultProgram())
    , m_environment(QProcessEnvironment::systemEnvironment())
{
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<TrainingResult>();
    m_killTimer = new QTimer(this);
    m_killTimer->setSingleShot(true);
    connect(m_killTimer, &QTimer::timeout, this, &LocalLauncher::kill);
}

LocalLauncher::~LocalLauncher()
{
    for (Worker &w : m_workers) {
        if (!w.process)
            continue;
        w.process->disconnect(this);
        if (w.process->state() != QProcess::NotRunning) {
            w.process->kill();
            w.process->waitForFinished(2000);
        }
    }
}

QString LocalLauncher::defaultProgram()
{
    const QString name = QStringLiteral("modelcomposer-cli");
    if (QCoreApplication::instance()) {
        const QDir dir(QCoreApplication::applicationDirPath());
        for (const QString &candidate : {dir.filePath(name), dir.filePath(QStringLiteral("../cli/") + name)})
            if (QFileInfo(candidate).isExecutable())
                return QFileInfo(candidate).canonicalFilePath();
    }
    return QStandardPaths::findExecutable(name);
}

bool LocalLauncher::setProject(const ProjectData &project, const TrainingSettings &settings, const QString &baseDir,
                               const QStringList &extraArguments, QString *error)
{
    m_projectDir = std::make_unique<QTemporaryDir>();
    if (!m_projectDir->isValid()) {
        if (error)
            *error = QStringLiteral("Cannot make a temporary folder for the workers' project file: %1")
                         .arg(m_projectDir->errorString());
        return false;
    }
    // The copy lives in a temporary folder: its data files are found from the project's.
    const TrainingSettings s = settings.withAbsolutePaths(baseDir);
    ProjectData copy = project;
    copy.training = s.toJson();
    const QString path = m_projectDir->filePath(QStringLiteral("project.mcproj"));
    if (!ProjectFile::save(copy, path, error))
        return false;
    m_arguments = QStringList{path} + extraArguments;
    return true;
}

bool LocalLauncher::start(QString *error)
{
    auto refuse = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (m_running)
        return refuse(QStringLiteral("A run is in progress."));
    if (m_program.isEmpty() || !QFileInfo(m_program).isExecutable())
        return refuse(QStringLiteral("The training program `%1` cannot be run.").arg(m_program));
    if (m_arguments.isEmpty())
        return refuse(QStringLiteral("No project to train."));

    // The store: a file in a private folder (mkdtemp makes it 0700; said again
    // in case the platform's QTemporaryDir does not).
    m_store = std::make_unique<Store>();
    if (!m_store->dir.isValid() ||
        !QFile::setPermissions(m_store->dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                        QFileDevice::ExeOwner)) {
        const QString why = m_store->dir.errorString();
        m_store.reset();
        return refuse(QStringLiteral("Cannot make a private folder for the workers' store: %1").arg(why));
    }
    m_store->file = m_store->dir.filePath(QStringLiteral("store"));

    for (Worker &w : m_workers)
        delete w.process;
    m_workers = QVector<Worker>(m_count);
    m_failure.clear();
    m_haveResult = false;
    m_result = TrainingResult();
    m_stopping = false;
    m_running = true;

    QProcessEnvironment base = m_environment;
    if (!base.contains(QStringLiteral("OMP_NUM_THREADS")) && m_count > 1)
        base.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("1")); // as torchrun: no oversubscription
    base.insert(QStringLiteral("LOCAL_WORLD_SIZE"), QString::number(m_count));
    base.insert(QStringLiteral("GROUP_RANK"), QStringLiteral("0"));
    QStringList common = QStringList{QStringLiteral("train")} + m_arguments;
    if (!m_arguments.contains(QStringLiteral("--dist-timeout")))
        common << QStringLiteral("--dist-timeout") << QString::number(m_timeoutSeconds);

    for (int rank = 0; rank < m_count; ++rank) {
        DistributedOptions o;
        o.rank = rank;
        o.localRank = rank;
        o.worldSize = m_count;
        o.masterAddr = QStringLiteral("127.0.0.1"); // Gloo's pairs listen on loopback only
        o.storeFile = m_store->file;
        o.agentStore = true;
        auto *p = new QProcess(this);
#ifdef Q_OS_LINUX
        // The file store cannot tell the workers that their launcher died (a
        // TCPStore's lost connection did): the kernel does, with SIGTERM,
        // which stops a worker after its step.
        p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
        m_workers[rank].process = p;
        p->setProcessEnvironment(o.toEnvironment(base));
        QStringList args = common;
        if (rank == 0 && m_followProgress)
            args << QStringLiteral("--progress-json");
        connect(p, &QProcess::readyReadStandardOutput, this, [this, rank] { readOutput(rank, false); });
        connect(p, &QProcess::readyReadStandardError, this, [this, rank] { readOutput(rank, true); });
        connect(p, &QProcess::finished, this, [this, rank] { workerEnded(rank); });
        connect(p, &QProcess::errorOccurred, this, [this, rank](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart)
                workerEnded(rank);
        });
        p->start(m_program, args);
    }
    return true;
}

void LocalLauncher::stop()
{
    if (!m_running || m_stopping)
        return;
    m_stopping = true;
    for (Worker &w : m_workers)
        if (w.process && w.process->state() != QProcess::NotRunning)
            w.process->terminate();
    m_killTimer->start(std::chrono::seconds(m_timeoutSeconds + 10));
}

void LocalLauncher::kill()
{
    for (Worker &w : m_workers)
        if (w.process && w.process->state() != QProcess::NotRunning)
            w.process->kill();
}

void LocalLauncher::readOutput(int rank, bool standardError)
{
    Worker &w = m_workers[rank];
    QByteArray &buffer = standardError ? w.errBuffer : w.outBuffer;
    buffer += standardError ? w.process->readAllStandardError() : w.process->readAllStandardOutput();
    qsizetype end;
    while ((end = buffer.indexOf('\n')) >= 0) {
        const QByteArray line = buffer.left(end);
        buffer.remove(0, end + 1);
        handleLine(rank, line, standardError);
    }
}

void LocalLauncher::handleLine(int rank, const QByteArray &bytes, bool standardError)
{
    if (!standardError && rank == 0 && m_followProgress) {
        if (const auto line = ProgressJson::parse(bytes)) {
            if (line->type == QLatin1String("progress")) {
                Q_EMIT progress(line->progress);
            } else if (line->type == QLatin1String("result")) {
                m_result = line->result;
                m_haveResult = true;
            } else if (line->type == QLatin1String("warning")) {
                Q_EMIT warning(line->text);
            } else if (line->type == QLatin1String("checkpoint")) {
                Q_EMIT checkpointSaved(line->text);
            } else {
                Q_EMIT outputLine(rank, line->text, false);
            }
            return;
        }
    }
    QString text = QString::fromUtf8(bytes);
    if (text.endsWith(QLatin1Char('\r')))
        text.chop(1);
    if (standardError && text.startsWith(QLatin1String("error: ")))
        m_workers[rank].lastError = text.mid(7);
    Q_EMIT outputLine(rank, text, standardError);
}

void LocalLauncher::workerEnded(int rank)
{
    Worker &w = m_workers[rank];
    if (w.done)
        return;
    w.done = true;
    readOutput(rank, false);
    readOutput(rank, true);
    for (bool err : {false, true}) { // a last line without a newline
        QByteArray &rest = err ? w.errBuffer : w.outBuffer;
        if (!rest.isEmpty())
            handleLine(rank, std::exchange(rest, QByteArray()), err);
    }
    const bool crashed = w.process->error() == QProcess::FailedToStart || w.process->exitStatus() == QProcess::CrashExit;
    w.failed = crashed || w.process->exitCode() != 0;
    if (w.failed && m_failure.isEmpty()) {
        if (w.process->error() == QProcess::FailedToStart)
            m_failure = QStringLiteral("rank %1 could not start %2").arg(rank).arg(m_program);
        else if (crashed)
            m_failure = QStringLiteral("rank %1 ended abnormally (killed or crashed)").arg(rank);
        else
            m_failure = QStringLiteral("rank %1 exited with status %2").arg(rank).arg(w.process->exitCode());
        if (!w.lastError.isEmpty())
            m_failure += QStringLiteral(": ") + w.lastError;
        // The others notice and end on their own, naming the rank; the stuck are killed.
        if (!m_killTimer->isActive())
            m_killTimer->start(std::chrono::seconds(m_timeoutSeconds + 10));
    }
    for (const Worker &other : m_workers)
        if (!other.done)
            return;
    finish();
}

void LocalLauncher::finish()
{
    m_killTimer->stop();
    m_running = false;
    m_store.reset();
    TrainingResult result;
    const bool failed = !m_failure.isEmpty();
    if (!failed) {
        if (m_haveResult)
            result = m_result;
    } else {
        result = m_result; // what rank 0 knew, if it got that far
        result.outcome = TrainingResult::Outcome::Failed;
        const Worker &first = m_workers.first();
        // Rank 0's own error names the rank that caused it; else the first failure.
        result.message = first.failed && !first.lastError.isEmpty() ? first.lastError : m_failure;
    }
    Q_EMIT finished(result);
}

} // namespace mc
