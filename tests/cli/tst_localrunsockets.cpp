// A local data-parallel run (`modelcomposer-cli train --nproc-per-node 2`)
// listens on loopback only: its processes' listening sockets, read from
// /proc/net/tcp and /proc/net/tcp6, are all on 127.0.0.0/8 or ::1.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

namespace {

/// `root` and every process under it (from /proc/PID/stat's parent field).
QSet<qint64> processTree(qint64 root)
{
    QHash<qint64, qint64> parentOf;
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool ok = false;
        const qint64 pid = entry.toLongLong(&ok);
        if (!ok)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // "pid (comm) state ppid …": the name may hold spaces, so read after its ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> rest = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (rest.size() > 1)
            parentOf.insert(pid, rest.at(1).toLongLong());
    }
    QSet<qint64> tree{root};
    for (bool grew = true; grew;) {
        grew = false;
        for (auto it = parentOf.begin(); it != parentOf.end(); ++it)
            if (tree.contains(it.value()) && !tree.contains(it.key())) {
                tree.insert(it.key());
                grew = true;
            }
    }
    return tree;
}

/// The socket inodes the processes hold open.
QSet<QString> socketInodes(const QSet<qint64> &pids)
{
    QSet<QString> inodes;
    for (qint64 pid : pids) {
        const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
        for (const QString &fd : fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)) {
            const QString target = QFileInfo(fds.filePath(fd)).symLinkTarget();
            const QString link = target.isEmpty() ? QFile::symLinkTarget(fds.filePath(fd)) : target;
            const QString name = QFileInfo(link).fileName();
            if (name.startsWith(QLatin1String("socket:[")))
                inodes.insert(name.mid(8).chopped(1));
        }
    }
    return inodes;
}

/// A listening socket: its local address as /proc writes it, and whether it is loopback.
struct Listener
{
    QString address;
    bool loopback = false;
};

/// The listening sockets among `inodes`, from /proc/net/tcp and /proc/net/tcp6.
QList<Listener> listeners(const QSet<QString> &inodes)
{
    QList<Listener> found;
    for (const char *table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        QFile f(QString::fromLatin1(table));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QList<QByteArray> lines = f.readAll().split('\n');
        for (qsizetype k = 1; k < lines.size(); ++k) {
            const QList<QByteArray> cols = lines.at(k).simplified().split(' ');
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
            if (cols.size() < 10 || cols.at(3) != "0A" || !inodes.contains(QString::fromLatin1(cols.at(9))))
                continue;
            const QByteArray host = cols.at(1).left(cols.at(1).indexOf(':')).toUpper();
            Listener l;
            l.address = QString::fromLatin1(table) + QLatin1Char(' ') + QString::fromLatin1(cols.at(1));
            if (host.size() == 8) // IPv4, little-endian: 127.x.y.z ends in 7F
                l.loopback = host.endsWith("7F");
            else // IPv6: ::1, or ::ffff:127.x.y.z
                l.loopback = host == "00000000000000000000000001000000" ||
                             (host.startsWith("0000000000000000FFFF0000") && host.endsWith("7F"));
            found.append(l);
        }
    }
    return found;
}

} // namespace

class tst_LocalRunSockets : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void nothingListensBeyondLoopback();
};

void tst_LocalRunSockets::nothingListensBeyondLoopback()
{
    if (!QFile::exists(QStringLiteral("/proc/net/tcp")))
        QSKIP("No /proc/net/tcp on this system.");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess run;
    run.setProcessChannelMode(QProcess::MergedChannels);
    // Long enough to be looked at while its workers train.
    run.start(QStringLiteral(MC_CLI),
              {QStringLiteral("train"), QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"),
               QStringLiteral("--nproc-per-node"), QStringLiteral("2"), QStringLiteral("--epochs"),
               QStringLiteral("100000"), QStringLiteral("--limit-train-batches"), QStringLiteral("0"),
               QStringLiteral("--checkpoint-dir"), dir.path()});
    QVERIFY2(run.waitForStarted(), qPrintable(run.errorString()));

    // Look from the start (the store, then Gloo's pairs, which listen while
    // they connect) until the workers have trained two epochs.
    QList<Listener> seen;
    QSet<QString> seenAddresses;
    QSet<qint64> workers;
    QByteArray output;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 60000 && output.count("\nepoch ") < 2 && run.state() == QProcess::Running) {
        const QSet<qint64> tree = processTree(run.processId());
        for (qint64 pid : tree)
            if (pid != run.processId())
                workers.insert(pid);
        for (const Listener &l : listeners(socketInodes(tree)))
            if (!seenAddresses.contains(l.address)) {
                seenAddresses.insert(l.address);
                seen.append(l);
            }
        run.waitForReadyRead(20);
        output += run.readAll();
    }
    // End the run: SIGTERM stops the workers after their step.
    run.terminate();
    if (!run.waitForFinished(20000)) {
        for (qint64 pid : std::as_const(workers))
            ::kill(pid_t(pid), SIGKILL);
        run.kill();
        run.waitForFinished(5000);
    }
    // It was looked at while its two workers trained.
    QVERIFY2(workers.size() >= 2, output.constData());
    QVERIFY2(output.count("\nepoch ") >= 2, output.constData());
    qInfo("%d listening socket(s) of the run seen", int(seen.size()));
    for (const Listener &l : std::as_const(seen))
        QVERIFY2(l.loopback, qPrintable(QStringLiteral("listening beyond loopback: %1").arg(l.address)));
}

QTEST_GUILESS_MAIN(tst_LocalRunSockets)
#include "tst_localrunsockets.moc"
