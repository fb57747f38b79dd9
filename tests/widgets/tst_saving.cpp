#include "training/Checkpoint.h"
#include "data/Dataset.h"
#include "DocumentEditor.h"
#include "LossPlot.h"
#include "build/ModelBuilder.h"
#include "export/TorchScriptExporter.h"
#include "training/Trainer.h"
#include "MainWindow.h"
#include "WidgetTestUtil.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

using namespace mc;

using namespace wtu;

/// Saves that fail in the window (issue 7): a read-only folder, a full disk,
/// the folder gone. Each is made to fail for root too, as the tests run: a
/// read-only folder is chmod 0555 and, for root, `chattr +i` (immutable); a
/// full disk is a file size limit (RLIMIT_FSIZE: the write fails part way, as
/// on a full disk, with EFBIG instead of ENOSPC); a folder gone is renamed away. The
/// save goes through File ▸ Save as a user does it; the message box is read and
/// closed. Then: the box says why, the window still shows unsaved changes, the
/// file on disk is byte for byte the previous one, no temporary file is left,
/// and once the cause is gone the same Save works.
class tst_Saving : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void failedSaveKeepsEverything_data();
    void failedSaveKeepsEverything();
    void checkpointAndExportOnAFullDisk();
    void lossCsvAndMetricsOnAFullDisk();

private:
    /// Triggers File ▸ Save and returns the text of the message box it shows
    /// (closed at once), or an empty string if none was shown.
    QString saveThroughMenu(MainWindow &window);
};

namespace {

/// Which way the save is made to fail.
enum class Cause { ReadOnlyFolder, FullDisk, FolderGone };

/// A folder nobody may write into, root included, for as long as it lives.
class ReadOnlyFolder
{
public:
    explicit ReadOnlyFolder(const QString &path) : m_path(path)
    {
        QFile::setPermissions(path, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup |
                                        QFile::ReadOther | QFile::ExeOther);
        if (writable() && QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("+i"), path}) == 0)
            m_immutable = true;
    }
    ~ReadOnlyFolder() { release(); }
    void release()
    {
        if (m_immutable)
            QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("-i"), m_path});
        m_immutable = false;
        QFile::setPermissions(m_path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    /// Whether a file can still be made in the folder (then the test cannot run).
    bool writable() const
    {
        QFile probe(QDir(m_path).filePath(QStringLiteral(".probe")));
        if (!probe.open(QIODevice::WriteOnly))
            return false;
        probe.remove();
        return true;
    }
    bool immutable() const { return m_immutable; }

private:
    QString m_path;
    bool m_immutable = false;
};

/// Files larger than `bytes` cannot be written while this lives (as on a
/// full disk: the write fails, the file stays short). SIGXFSZ is ignored so
/// that the write returns EFBIG instead of ending the process.
class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        m_oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_old);
        rlimit limit = m_old;
        limit.rlim_cur = bytes;
        m_ok = setrlimit(RLIMIT_FSIZE, &limit) == 0;
    }
    ~FileSizeLimit() { release(); }
    void release()
    {
        if (m_ok)
            setrlimit(RLIMIT_FSIZE, &m_old);
        m_ok = false;
        std::signal(SIGXFSZ, m_oldHandler);
    }
    bool ok() const { return m_ok; }

private:
    rlimit m_old{};
    void (*m_oldHandler)(int) = SIG_DFL;
    bool m_ok = false;
};

QByteArray readBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

void tst_Saving::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposerTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_saving"));
    QSettings().clear();
}

QString tst_Saving::saveThroughMenu(MainWindow &window)
{
    QAction *save = nullptr;
    for (QAction *a : window.findChildren<QAction *>())
        if (a->shortcut() == QKeySequence(QKeySequence::Save))
            save = a;
    if (!save)
        return QStringLiteral("(no Save action)");
    QString text;
    // The box is modal: it runs its own event loop, in which this timer finds it.
    QTimer poll;
    poll.setInterval(10);
    connect(&poll, &QTimer::timeout, &poll, [&] {
        if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
            text = box->text();
            box->done(QMessageBox::Ok);
        }
    });
    poll.start();
    save->trigger();
    poll.stop();
    return text;
}

void tst_Saving::failedSaveKeepsEverything_data()
{
    QTest::addColumn<int>("cause");
    // What the box must say: the reason as the system gives it.
    QTest::addColumn<QStringList>("reasons");
    QTest::addRow("read_only_folder") << int(Cause::ReadOnlyFolder)
                                      << QStringList{"Permission denied", "Operation not permitted"};
    QTest::addRow("full_disk") << int(Cause::FullDisk) << QStringList{"File too large", "No space left on device"};
    QTest::addRow("folder_gone") << int(Cause::FolderGone) << QStringList{"No such file or directory"};
}

void tst_Saving::failedSaveKeepsEverything()
{
    QFETCH(int, cause);
    QFETCH(QStringList, reasons);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(QStringLiteral("projects"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = QDir(folder).filePath(QStringLiteral("model.mcproj"));
    QVERIFY(QFile::copy(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj"), path));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    const QByteArray before = readBytes(path);
    QVERIFY(!before.isEmpty());

    MainWindow window(dir.filePath(QStringLiteral("autosave")));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QString error;
    QVERIFY2(window.openFile(path, &error), qPrintable(error));
    QVERIFY(window.editor()->addLayer(QStringLiteral("ExternalInjection"), QStringLiteral("GELU"), {0, 400}));
    const QByteArray edited = json(*window.project());
    QVERIFY(window.isWindowModified());

    // Make the save fail.
    std::unique_ptr<ReadOnlyFolder> readOnly;
    std::unique_ptr<FileSizeLimit> limit;
    QString previousFile = path; // where the previous file is after the failure
    switch (Cause(cause)) {
    case Cause::ReadOnlyFolder:
        readOnly = std::make_unique<ReadOnlyFolder>(folder);
        if (readOnly->writable())
            QSKIP("The folder stays writable (root without chattr +i on this file system).");
        break;
    case Cause::FullDisk:
        limit = std::make_unique<FileSizeLimit>(64);
        QVERIFY(limit->ok());
        QVERIFY(before.size() > 64 && edited.size() > 64);
        break;
    case Cause::FolderGone:
        previousFile = dir.filePath(QStringLiteral("moved/model.mcproj"));
        QVERIFY(QDir().rename(folder, dir.filePath(QStringLiteral("moved"))));
        break;
    }
    const QString message = saveThroughMenu(window);
    if (limit)
        limit->release();

    // The box says what could not be saved and why.
    QVERIFY2(message.startsWith(QStringLiteral("Cannot write ") + QDir::toNativeSeparators(path) +
                                QStringLiteral(": ")),
             qPrintable(message));
    QVERIFY2(message.count(QDir::toNativeSeparators(path)) == 1, qPrintable(message)); // named once
    bool named = false;
    for (const QString &r : reasons)
        named = named || message.contains(r);
    QVERIFY2(named, qPrintable(QStringLiteral("no reason (%1) in: %2").arg(reasons.join(QStringLiteral(" / ")), message)));
    // The window still holds the edit, unsaved, and still edits the same file.
    QVERIFY(window.isModified());
    QVERIFY(window.isWindowModified());
    QVERIFY(window.windowTitle().contains(QStringLiteral("model.mcproj[*]")));
    QCOMPARE(json(*window.project()), edited);
    QCOMPARE(window.filePath(), path);
    // The previous file is as it was, and nothing else was left beside it.
    QCOMPARE(readBytes(previousFile), before);
    QCOMPARE(QDir(QFileInfo(previousFile).path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("model.mcproj")});
    if (Cause(cause) == Cause::FolderGone)
        QVERIFY(!QFileInfo::exists(folder)); // the save did not make the folder again

    // The cause gone, the same Save works and the window is clean.
    if (readOnly)
        readOnly->release();
    if (Cause(cause) == Cause::FolderGone)
        QVERIFY(QDir().rename(dir.filePath(QStringLiteral("moved")), folder));
    QCOMPARE(saveThroughMenu(window), QString());
    QVERIFY(!window.isModified());
    QVERIFY(!window.isWindowModified());
    QCOMPARE(ProjectFile::load(path), window.project()->data());
}

void tst_Saving::checkpointAndExportOnAFullDisk()
{
    // The other files the window writes (File > Save Checkpoint, Export
    // TorchScript) on a full disk: refused with the reason, the previous file
    // intact, nothing left beside it.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    const TrainingSettings settings = TrainingSettings::fromJson(project.training);
    Trainer trainer;
    QString error;
    QVERIFY2(trainer.setup(project, settings, Dataset::forProject(project, settings), &error), qPrintable(error));
    const Checkpoint checkpoint = trainer.checkpoint();
    ComposedModule module = ModelBuilder::build(project, 7);

    const QString ckpt = dir.filePath(QStringLiteral("last.ckpt"));
    const QString pt = dir.filePath(QStringLiteral("model.pt"));
    QVERIFY2(checkpoint.save(ckpt, &error), qPrintable(error));
    QVERIFY2(TorchScriptExporter::save(project, module, pt, &error), qPrintable(error));
    const QByteArray ckptBefore = readBytes(ckpt);
    const QByteArray ptBefore = readBytes(pt);
    QVERIFY(ckptBefore.size() > 64 && ptBefore.size() > 64);

    QString ckptError, ptError;
    FileSizeLimit limit(64);
    QVERIFY(limit.ok());
    const bool ckptSaved = checkpoint.save(ckpt, &ckptError);
    const bool ptSaved = TorchScriptExporter::save(project, module, pt, &ptError);
    limit.release();

    QVERIFY2(!ckptSaved, "a checkpoint cut at 64 bytes was reported as saved");
    QVERIFY2(ckptError.contains(QStringLiteral("File too large")), qPrintable(ckptError));
    QVERIFY2(!ptSaved, "an export cut at 64 bytes was reported as saved");
    QVERIFY2(ptError.contains(QStringLiteral("File too large")), qPrintable(ptError));
    QCOMPARE(readBytes(ckpt), ckptBefore);
    QCOMPARE(readBytes(pt), ptBefore);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             (QStringList{QStringLiteral("last.ckpt"), QStringLiteral("model.pt")}));
}

void tst_Saving::lossCsvAndMetricsOnAFullDisk()
{
    // The loss plot's CSV (its menu's Export CSV) and the command line's
    // --metrics file on a full disk: refused with the reason, the previous
    // file intact.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    LossPlot plot;
    QVector<LossPoint> losses;
    for (int k = 0; k < 50; ++k)
        losses.append(LossPoint{k, k / 10, 1.0f / float(k + 1)});
    plot.appendPoints(losses, {});
    const QString csv = dir.filePath(QStringLiteral("losses.csv"));
    QString error;
    QVERIFY2(plot.exportCsv(csv, &error), qPrintable(error));
    const QByteArray csvBefore = readBytes(csv);
    QVERIFY(csvBefore.size() > 64);

    // The CLI trains the example and writes its metrics, first freely, then
    // under the same size limit (a child process inherits it).
    const QString project = QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj");
    const QString metrics = dir.filePath(QStringLiteral("metrics.csv"));
    auto train = [&](QString *out) {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(MC_CLI), {QStringLiteral("train"), project, QStringLiteral("--metrics"), metrics});
        if (!p.waitForFinished(120000))
            return -1;
        *out = QString::fromUtf8(p.readAll());
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    QString output;
    QCOMPARE(train(&output), 0);
    const QByteArray metricsBefore = readBytes(metrics);
    QVERIFY(metricsBefore.size() > 64);

    FileSizeLimit limit(64);
    QVERIFY(limit.ok());
    const bool csvSaved = plot.exportCsv(csv, &error);
    const int cliExit = train(&output);
    limit.release();

    QVERIFY2(!csvSaved, "a loss CSV cut at 64 bytes was reported as saved");
    QVERIFY2(error.contains(QStringLiteral("File too large")), qPrintable(error));
    QCOMPARE(readBytes(csv), csvBefore);
    QVERIFY2(cliExit != 0, qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("cannot write ") + metrics + QStringLiteral(": File too large")),
             qPrintable(output));
    QCOMPARE(readBytes(metrics), metricsBefore);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             (QStringList{QStringLiteral("losses.csv"), QStringLiteral("metrics.csv")}));
}

QTEST_MAIN(tst_Saving)
#include "tst_saving.moc"
