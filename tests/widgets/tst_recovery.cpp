#include "document/GraphTypes.h"
#include "document/ProjectFile.h"
#include "training/TrainingSettings.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace mc;

/// Crash recovery with real processes (issue 7): recovery_helper (the real
/// MainWindow) edits a project and autosaves it, and is killed with SIGKILL;
/// the real modelcomposer then starts with --recover, restores the work and
/// writes it to its own autosave, and is killed too; a last start
/// (recovery_helper recover) is offered the work again and shows it as
/// unsaved, under the project's name. Each process gets its own XDG folders,
/// so the user's autosaves and settings are never touched.
class tst_Recovery : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void killedWindowIsRecovered();

private:
    QProcessEnvironment environment() const;
    QString autosaveDir() const;
    /// Waits (up to 60 s) until `process` printed a line starting with `key `; returns the rest.
    static QString waitForLine(QProcess &process, const QString &key, QString *seen);
    /// Autosaved projects in autosaveDir() (only complete ones: the .json beside it is written last).
    QStringList autosaves() const;

    QTemporaryDir m_dir;
};

void tst_Recovery::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(QFileInfo(QStringLiteral(MC_RECOVERY_HELPER)).isExecutable());
    QVERIFY(QFileInfo(QStringLiteral(MC_GUI_APP)).isExecutable());
}

QProcessEnvironment tst_Recovery::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir.filePath(QStringLiteral("cache")));
    return env;
}

QString tst_Recovery::autosaveDir() const
{
    // QStandardPaths::AppLocalDataLocation of organisation ModelComposer, application modelcomposer.
    return m_dir.filePath(QStringLiteral("data/ModelComposer/modelcomposer/autosave"));
}

QString tst_Recovery::waitForLine(QProcess &process, const QString &key, QString *seen)
{
    QElapsedTimer clock;
    clock.start();
    const QString prefix = key + QLatin1Char(' ');
    while (clock.elapsed() < 60000) {
        while (process.canReadLine()) {
            const QString line = QString::fromUtf8(process.readLine()).chopped(1);
            seen->append(line + QLatin1Char('\n'));
            if (line.startsWith(prefix))
                return line.mid(prefix.size());
        }
        if (process.state() == QProcess::NotRunning && !process.canReadLine())
            return {};
        process.waitForReadyRead(200);
    }
    return {};
}

QStringList tst_Recovery::autosaves() const
{
    QStringList found;
    const QDir dir(autosaveDir());
    for (const QString &name : dir.entryList({QStringLiteral("autosave-*.mcproj")}, QDir::Files))
        if (QFile::exists(dir.filePath(name + QStringLiteral(".json"))))
            found.append(dir.filePath(name));
    return found;
}

namespace {

/// The project as the file writes it, its training settings read and written
/// again: modelcomposer's training panel writes every setting out, also those
/// left at their default, which is the same project.
QByteArray canonical(const ProjectData &data)
{
    ProjectData d = data;
    d.training = TrainingSettings::fromJson(data.training).toJson();
    return QJsonDocument(ProjectFile::toJson(d)).toJson(QJsonDocument::Compact);
}

QByteArray canonical(const QByteArray &json)
{
    return canonical(ProjectFile::fromBytes(json));
}

/// Kills `process` with SIGKILL, as a crash does: no clean-up code runs.
bool killHard(QProcess &process)
{
    process.kill(); // SIGKILL on Unix
    if (!process.waitForFinished(30000))
        return false;
    return process.exitStatus() == QProcess::CrashExit;
}

} // namespace

void tst_Recovery::killedWindowIsRecovered()
{
    const QString project = m_dir.filePath(QStringLiteral("work.mcproj"));
    QVERIFY(QFile::copy(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"), project));
    const QByteArray onDisk = canonical(ProjectFile::load(project));

    // 1. A window edits the project and autosaves; then it is killed.
    QProcess editor;
    editor.setProcessEnvironment(environment());
    editor.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    editor.start(QStringLiteral(MC_RECOVERY_HELPER), {QStringLiteral("edit"), project});
    QVERIFY2(editor.waitForStarted(), qPrintable(editor.errorString()));
    QString seen;
    const QByteArray editedJson = waitForLine(editor, QStringLiteral("edited"), &seen).toUtf8();
    const QString firstAutosave = waitForLine(editor, QStringLiteral("autosave"), &seen);
    QVERIFY2(!editedJson.isEmpty() && !firstAutosave.isEmpty(), qPrintable(seen));
    const QByteArray edited = canonical(editedJson);
    QVERIFY(edited != onDisk); // the edit is only in the window
    QVERIFY(QFileInfo(firstAutosave).absolutePath() == QDir(autosaveDir()).absolutePath());
    QTRY_VERIFY_WITH_TIMEOUT(autosaves().contains(firstAutosave), 30000);
    QCOMPARE(canonical(ProjectFile::load(firstAutosave)), edited);
    const qint64 editorPid = editor.processId();
    QVERIFY(killHard(editor));
    QVERIFY(::kill(pid_t(editorPid), 0) != 0); // really gone
    QCOMPARE(autosaves(), QStringList{firstAutosave}); // left behind by the crash
    QCOMPARE(canonical(ProjectFile::load(project)), onDisk); // the project file was never written

    // 2. modelcomposer starts on the project with --recover: it restores the
    //    autosaved work instead of the file and autosaves it as its own.
    QProcess app;
    app.setProcessEnvironment(environment());
    app.setProcessChannelMode(QProcess::ForwardedChannels);
    app.start(QStringLiteral(MC_GUI_APP), {project, QStringLiteral("--recover")});
    QVERIFY2(app.waitForStarted(), qPrintable(app.errorString()));
    QString secondAutosave;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QStringList now = autosaves();
            secondAutosave = now.size() == 1 && now.first() != firstAutosave ? now.first() : QString();
            return !secondAutosave.isEmpty();
        }(),
        60000);
    QVERIFY(app.state() == QProcess::Running);
    QCOMPARE(canonical(ProjectFile::load(secondAutosave)), edited);
    QFile meta(secondAutosave + QStringLiteral(".json"));
    QVERIFY(meta.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(meta.readAll()).object().value(QStringLiteral("source")).toString(),
             QFileInfo(project).absoluteFilePath());
    QVERIFY(!QFile::exists(firstAutosave)); // offered once only
    QVERIFY(killHard(app));

    // 3. A window started after that second crash is offered the same work
    //    again and shows it unsaved, under the project's name.
    QProcess check;
    check.setProcessEnvironment(environment());
    check.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    check.start(QStringLiteral(MC_RECOVERY_HELPER), {QStringLiteral("recover")});
    QVERIFY(check.waitForFinished(60000));
    QCOMPARE(check.exitStatus(), QProcess::NormalExit);
    QCOMPARE(check.exitCode(), 0);
    QMap<QString, QString> out;
    for (const QByteArray &line : check.readAllStandardOutput().split('\n'))
        if (const int space = line.indexOf(' '); space > 0)
            out.insert(QString::fromUtf8(line.left(space)), QString::fromUtf8(line.mid(space + 1)));
    QVERIFY2(out.value(QStringLiteral("offered")).startsWith(QDir::toNativeSeparators(QFileInfo(project).absoluteFilePath())),
             qPrintable(out.value(QStringLiteral("offered"))));
    QCOMPARE(out.value(QStringLiteral("restored")), QStringLiteral("1"));
    QCOMPARE(out.value(QStringLiteral("modified")), QStringLiteral("1"));
    QCOMPARE(out.value(QStringLiteral("file")), QFileInfo(project).absoluteFilePath());
    QCOMPARE(canonical(out.value(QStringLiteral("json")).toUtf8()), edited);
    QCOMPARE(canonical(ProjectFile::load(project)), onDisk);
    // The killed application's autosave was offered once and is gone.
    QVERIFY(!QFile::exists(secondAutosave));
}

QTEST_GUILESS_MAIN(tst_Recovery)
#include "tst_recovery.moc"
