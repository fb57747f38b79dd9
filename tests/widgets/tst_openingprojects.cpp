#include "Autosave.h"
#include "DocumentEditor.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "TrainingController.h"
#include "TrainingPanel.h"
#include "TrainingWindowFixture.h"
#include "WidgetTestUtil.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "training/Checkpoint.h"

#include <QDir>
#include <QFile>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include <memory>

using namespace mc;

/// Every way of opening a file (Open, Open Recent, the command line, from
/// another project, crash recovery, an exported `.pt`) restores that file's
/// own checkpoint and nothing of another project: the Training panel and the
/// loss plot start again with each document.
class tst_OpeningProjects : public TrainingWindowFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void anotherProjectGetsNoneOfThisCheckpoint();
    void openRecentRestoresOnlyThatFilesCheckpoint();
    void commandLineOpenRestoresTheCheckpoint();
    void recoveryRestoresTheCheckpoint();
    void exampleAndNewStartAfresh();
    void exportedModelOpensWithItsWeightsAndName();

private:
    /// Trains the example's short run through the Start button.
    void train()
    {
        QSignalSpy finished(m_controller, &TrainingController::runFinished);
        button("startButton")->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    }
    /// `name` in the temporary folder: the shared-block example saved there (no checkpoint).
    QString otherProject(const QString &name = QStringLiteral("other.mcproj"))
    {
        const QString path = m_dir->filePath(name);
        QString error;
        if (!ProjectFile::save(wtu::example(QStringLiteral("shared-block.mcproj")), path, &error))
            qWarning("%s", qPrintable(error));
        return path;
    }
    /// Opens `path` with File ▸ Open… and its dialog.
    void openThroughDialog(const QString &path)
    {
        QString title;
        answerNextFileDialog(path, &title);
        QAction *open = fileAction(QStringLiteral("Open…"));
        QVERIFY(open);
        open->trigger();
        QCOMPARE(title, QStringLiteral("Open Project"));
        QCOMPARE(m_window->filePath(), QFileInfo(path).absoluteFilePath());
    }
    /// What a document without a checkpoint shows.
    void verifyFreshPanel(TrainingController *controller)
    {
        QVERIFY(controller->lastCheckpoint() == nullptr);
        auto *resume = controller->panel()->findChild<QPushButton *>(QStringLiteral("continueButton"));
        QVERIFY(!resume->isEnabled());
        QCOMPARE(controller->lossPlot()->trainPointCount(), 0);
        QCOMPARE(controller->lossPlot()->validationPointCount(), 0);
        QCOMPARE(controller->lossPlot()->historyRunCount(), 0);
        QVERIFY2(!controller->panel()->status().contains(QStringLiteral("model.ckpt")),
                 qPrintable(controller->panel()->status()));
        QVERIFY2(!controller->panel()->status().contains(QStringLiteral("Finished")),
                 qPrintable(controller->panel()->status()));
    }
    /// What a window shows after restoring model.ckpt of the trained example.
    void verifyModelCheckpoint(TrainingController *controller, const ProjectData &trained, int points)
    {
        QVERIFY(controller->lastCheckpoint() != nullptr);
        QCOMPARE(ProjectFile::fromJson(controller->lastCheckpoint()->project).types, trained.types);
        QVERIFY(controller->panel()->findChild<QPushButton *>(QStringLiteral("continueButton"))->isEnabled());
        QCOMPARE(controller->lossPlot()->trainPointCount(), points);
        QCOMPARE(controller->lossPlot()->historyRunCount(), 0);
        QVERIFY2(controller->panel()->status().contains(QStringLiteral("model.ckpt")),
                 qPrintable(controller->panel()->status()));
    }
};

void tst_OpeningProjects::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposerTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_openingprojects"));
    QSettings().clear();
}

void tst_OpeningProjects::init()
{
    openWindow();
}

void tst_OpeningProjects::cleanup()
{
    closeWindow(5000);
}

void tst_OpeningProjects::anotherProjectGetsNoneOfThisCheckpoint()
{
    train();
    QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("model.ckpt"))));
    QVERIFY(m_controller->lossPlot()->trainPointCount() > 0);
    // model.mcproj (trained) -> Open other.mcproj: none of model's run shows.
    openThroughDialog(otherProject());
    verifyFreshPanel(m_controller);
    QCOMPARE(m_window->project()->data().types, wtu::example(QStringLiteral("shared-block.mcproj")).types);
    // Its own run saves its own checkpoint, never model's.
    const QByteArray modelCheckpoint = [&] {
        QFile f(m_dir->filePath(QStringLiteral("model.ckpt")));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    train();
    QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("other.ckpt"))));
    QFile f(m_dir->filePath(QStringLiteral("model.ckpt")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), modelCheckpoint);
}

void tst_OpeningProjects::openRecentRestoresOnlyThatFilesCheckpoint()
{
    const ProjectData trained = m_window->project()->data();
    train();
    const int points = m_controller->lossPlot()->trainPointCount();
    // Open other.mcproj, train it, then File ▸ Open Recent ▸ model.mcproj.
    openThroughDialog(otherProject());
    train();
    QAction *recent = fileAction(QStringLiteral("Open Recent"));
    QVERIFY(recent && recent->menu());
    Q_EMIT recent->menu()->aboutToShow();
    QAction *model = nullptr;
    for (QAction *a : recent->menu()->actions())
        if (a->toolTip() == QDir::toNativeSeparators(m_dir->filePath(QStringLiteral("model.mcproj"))))
            model = a;
    QVERIFY(model);
    model->trigger();
    QCOMPARE(m_window->filePath(), m_dir->filePath(QStringLiteral("model.mcproj")));
    // model's own run only: other's curve is not kept as a faded one.
    verifyModelCheckpoint(m_controller, trained, points);
}

void tst_OpeningProjects::commandLineOpenRestoresTheCheckpoint()
{
    const ProjectData trained = m_window->project()->data();
    train();
    const int points = m_controller->lossPlot()->trainPointCount();
    // `modelcomposer model.mcproj`: a new window, as main() makes it, opens the file.
    MainWindow window(m_dir->filePath(QStringLiteral("autosave2")));
    auto *controller = new TrainingController(&window);
    window.show();
    QString error;
    QVERIFY2(window.openFile(m_dir->filePath(QStringLiteral("model.mcproj")), &error), qPrintable(error));
    verifyModelCheckpoint(controller, trained, points);
}

void tst_OpeningProjects::recoveryRestoresTheCheckpoint()
{
    train();
    const int points = m_controller->lossPlot()->trainPointCount();
    // An edit after the run, autosaved, then a crash (the window goes without closing).
    const ProjectData trained = m_window->project()->data();
    const QString root = m_window->project()->rootType();
    const int node = m_window->project()->type(root)->nodes.first().id;
    QVERIFY(m_window->editor()->moveNodes(root, {{node, QPointF(-300, -300)}}));
    QVERIFY(m_window->isModified());
    m_window->autosaveNow();
    const QString autosaveDir = m_dir->filePath(QStringLiteral("autosave"));
    m_controller = nullptr;
    m_window.reset();
    QCOMPARE(Autosave(autosaveDir).orphans().size(), 1);

    m_window = std::make_unique<MainWindow>(autosaveDir);
    m_controller = new TrainingController(m_window.get());
    m_window->show();
    QVERIFY(m_window->offerRecovery([](const QString &, const QDateTime &) { return true; }));
    QCOMPARE(m_window->filePath(), m_dir->filePath(QStringLiteral("model.mcproj")));
    QVERIFY(m_window->isModified());
    verifyModelCheckpoint(m_controller, trained, points);
}

void tst_OpeningProjects::exampleAndNewStartAfresh()
{
    train();
    QVERIFY(m_controller->panel()->status().startsWith(QStringLiteral("Finished")));
    QAction *examples = fileAction(QStringLiteral("Open Example"));
    QVERIFY(examples && examples->menu());
    QAction *shared = nullptr;
    for (QAction *a : examples->menu()->actions())
        if (a->text().contains(QStringLiteral("example 3")))
            shared = a;
    QVERIFY(shared);
    shared->trigger();
    QVERIFY(m_window->windowTitle().contains(QStringLiteral("shared-block (example)")));
    verifyFreshPanel(m_controller);

    openThroughDialog(m_dir->filePath(QStringLiteral("model.mcproj")));
    QVERIFY(m_controller->lastCheckpoint() != nullptr);
    QAction *newAct = fileAction(QStringLiteral("New"));
    QVERIFY(newAct);
    newAct->trigger();
    verifyFreshPanel(m_controller);
}

void tst_OpeningProjects::exportedModelOpensWithItsWeightsAndName()
{
    train();
    const auto trained = m_controller->currentWeights();
    QVERIFY(!trained.empty());
    const QString pt = m_dir->filePath(QStringLiteral("model.pt"));
    QString error;
    QVERIFY2(m_controller->exportTorchScript(pt, &error), qPrintable(error));
    const ProjectData exported = m_window->project()->data();

    QString title;
    answerNextFileDialog(pt, &title);
    QAction *openPt = fileAction(QStringLiteral("Open Exported Model (.pt)…"));
    QVERIFY(openPt);
    openPt->trigger();
    QCOMPARE(title, QStringLiteral("Open Exported Model"));
    QCOMPARE(m_window->project()->data().types, exported.types);
    // Untitled, but named after where it came from.
    QVERIFY(m_window->filePath().isEmpty());
    QVERIFY2(m_window->windowTitle().contains(QStringLiteral("model.pt")), qPrintable(m_window->windowTitle()));
    QVERIFY(!m_window->windowTitle().contains(QStringLiteral("Untitled")));
    // The run that made the file is not this document's: no curve, no old status.
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 0);
    QCOMPARE(m_controller->lossPlot()->historyRunCount(), 0);
    QVERIFY(!m_controller->panel()->status().contains(QStringLiteral("Finished")));
    // Its weights are the trained ones, and Resume continues from them.
    const auto restored = m_controller->currentWeights();
    QCOMPARE(restored.size(), trained.size());
    for (size_t k = 0; k < trained.size(); ++k) {
        QCOMPARE(restored[k].first, trained[k].first);
        QVERIFY2(restored[k].second.equal(trained[k].second), trained[k].first.c_str());
    }
    QPushButton *resume = button("continueButton");
    QVERIFY(resume->isEnabled());
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    resume->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
}

QTEST_MAIN(tst_OpeningProjects)
#include "tst_openingprojects.moc"
