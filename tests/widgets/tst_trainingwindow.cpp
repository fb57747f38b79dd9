#include "CanvasWidget.h"
#include "training/Checkpoint.h"
#include "CsvImportDialog.h"
#include "GraphView.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "ParameterPlot.h"
#include "DocumentEditor.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "TrainingController.h"
#include "TrainingPanel.h"
#include "training/TrainingSettings.h"
#include "TrainingWindowFixture.h"
#include "EvaluationView.h"
#include "QCustomPlotInclude.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QImage>
#include <QStandardItemModel>
#include <QTableWidget>

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QProgressBar>
#include <QRegularExpression>
#include <QPushButton>
#include <QSignalSpy>
#include <QSettings>
#include <QDoubleSpinBox>
#include <QDockWidget>
#include <QToolButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QComboBox>
#include <QtTest>

using namespace mc;

class TestTrainingWindow : public TrainingWindowFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void runFromPanelLeavesPoints();
    void testSetVerdictInEvaluationView();
    void pauseResumeStopFromButtons();
    void nanRunShowsMessage();
    void closingDuringRun();
    void exportWritesPtThatReopens();
    void parameterPlotFollowsFreezing();
    void exportFromMenuWritesPtThatLoadsAndReopens();
    void saveCheckpointFromMenu();
    void cancelledExportWritesNothing();
    void trainsOnCsvChosenInImportDialog();
    void settingsEditsAreUndoableAndSaved();
    void earlyStoppingKeepsTheBestEpochInTheWindow();
    void pausedBarShowsNoSpeedAndEpochsCountFromOne();
    void fileDialogsStartWithTheProject();
    void finishedExportSaysSoLongEnough();
    void fieldsStateTheirWholeRange_data();
    void fieldsStateTheirWholeRange();
    void emptiedFieldMeansItsDefault();
    void trainsLeNetOnFashionMnistChosenInThePanel();
    void imageFolderChosenInThePanelTrains();
    void narrowestLossDockShowsSaveButtonWhole();

private:

    /// Trains the short run of the example (2 epochs of 2 batches).
    void trainShortRun()
    {
        QSignalSpy finished(m_controller, &TrainingController::runFinished);
        button("startButton")->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    }
};

void TestTrainingWindow::initTestCase()
{
    // Recent files and the folder last used go to the test's own settings.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ModelComposerTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_trainingwindow"));
    QSettings().clear();
}

void TestTrainingWindow::init()
{
    openWindow();
}

void TestTrainingWindow::cleanup()
{
    closeWindow(5000);
}

void TestTrainingWindow::runFromPanelLeavesPoints()
{
    setTraining([](TrainingSettings &s) {
        s.epochs = 3;
        s.limitTrainBatches = 0;
        s.batchSize = 8;
        s.validationSplit = 0.25;
        s.data.samples = 32;
    });
    // The panel stores its settings in the project.
    QCOMPARE(TrainingSettings::fromJson(m_window->project()->training()).epochs, 3);
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QVERIFY(m_controller->isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    // 24 training rows in batches of 8: 3 steps per epoch, 3 epochs.
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 9);
    QCOMPARE(m_controller->lossPlot()->validationPointCount(), 3);
    QVERIFY(!m_controller->isRunning());
    QVERIFY(m_window->canvas()->view()->isInteractive());
    // The weights are kept beside the project and come back when it is opened again.
    QVERIFY(QFile::exists(m_controller->checkpointPath()));
    QString error;
    QVERIFY2(m_window->openFile(m_dir->filePath(QStringLiteral("model.mcproj")), &error), qPrintable(error));
    QVERIFY(button("continueButton")->isEnabled());
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 9);
    // A second run keeps the first as a faded curve.
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
    QCOMPARE(m_controller->lossPlot()->historyRunCount(), 1);
}

void TestTrainingWindow::testSetVerdictInEvaluationView()
{
    // Blobs of two classes through the encoder-decoder's sigmoid, BCE.
    setTraining([](TrainingSettings &s) {
        s.loss = TrainingSettings::Loss::Bce;
        s.epochs = 3;
        s.limitTrainBatches = 0;
        s.batchSize = 8;
        s.validationSplit = 0.2;
        s.data.kind = DataSettings::Kind::Blobs;
        s.data.samples = 200;
    });
    // The test set is chosen in the panel, as a person does: a held-out
    // share (blobs have no test set of their own, so `own` cannot be chosen).
    auto *testSet = m_controller->panel()->findChild<QComboBox *>(QStringLiteral("testSetCombo"));
    QVERIFY(testSet);
    auto *items = qobject_cast<QStandardItemModel *>(testSet->model());
    QVERIFY(!items->item(testSet->findData(int(TestSettings::Source::Own)))->isEnabled());
    auto *share = m_controller->panel()->findChild<QDoubleSpinBox *>(QStringLiteral("testShareSpin"));
    auto *eachEpoch = m_controller->panel()->findChild<QCheckBox *>(QStringLiteral("testEachEpochBox"));
    QVERIFY(share && eachEpoch);
    QVERIFY(!share->isEnabled());
    testSet->setCurrentIndex(testSet->findData(int(TestSettings::Source::Share)));
    QVERIFY(share->isEnabled() && eachEpoch->isEnabled());
    share->setValue(0.25);
    eachEpoch->setChecked(true);
    const TrainingSettings stored = TrainingSettings::fromJson(m_window->project()->training());
    QCOMPARE(stored.data.test.source, TestSettings::Source::Share);
    QCOMPARE(stored.data.test.share, 0.25);
    QVERIFY(stored.data.test.eachEpoch);
    QVERIFY(m_window->isWindowModified()); // a settings edit is an edit

    EvaluationView *view = m_controller->evaluationView();
    QVERIFY(view->summaryText().startsWith(QStringLiteral("No test set")));
    trainShortRun();
    // 50 of the 200 rows held out; the rest split 120/30.
    QVERIFY2(view->summaryText().startsWith(QStringLiteral("Test set, 50 rows: accuracy ")), qPrintable(view->summaryText()));
    QCOMPARE(view->evaluation().task, Evaluation::Task::Binary);
    QCOMPARE(view->classTable()->rowCount(), 2);
    QCOMPARE(view->validationPoints(), 0); // BCE: no validation accuracy, only the test set's
    QCOMPARE(view->testPoints(), 3);
    QVERIFY(m_controller->panel()->status().contains(QStringLiteral("Test set: accuracy ")));
    // A click on a cell says what it counts.
    const Evaluation &e = view->evaluation();
    QTest::mouseClick(view->matrixPlot(), Qt::LeftButton, Qt::NoModifier, view->cellCentre(1, 0));
    QCOMPARE(view->cellText(), QStringLiteral("%1 of %2 rows of 1 (%3%) were taken for 0.")
                                   .arg(e.count(1, 0))
                                   .arg(e.count(1, 0) + e.count(1, 1))
                                   .arg(QString::number(100.0 * double(e.count(1, 0)) /
                                                            double(e.count(1, 0) + e.count(1, 1)),
                                                        'f', 1)));
    const QString png = m_dir->filePath(QStringLiteral("confusion.png"));
    QString error;
    QVERIFY2(view->saveMatrixPng(png, &error), qPrintable(error));
    QImage image(png);
    QCOMPARE(image.size(), QSize(600, 520));

    // Another project starts with an empty view.
    m_window->newProject();
    QVERIFY(view->summaryText().startsWith(QStringLiteral("No test set")));
    QCOMPARE(view->testPoints(), 0);
}

void TestTrainingWindow::pauseResumeStopFromButtons()
{
    setTraining([](TrainingSettings &s) {
        s.epochs = 1000000;
        s.limitTrainBatches = 0;
        s.data.samples = 64;
    });
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QVERIFY(m_controller->isRunning());
    // Read-only during the run, with a banner saying how to stop.
    QVERIFY(!m_window->canvas()->view()->isInteractive());
    QVERIFY(m_controller->banner()->isVisible());
    QVERIFY(m_controller->banner()->text().contains(QStringLiteral("Stop")));
    QVERIFY(!button("startButton")->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->lossPlot()->trainPointCount() > 0, 30000);
    QVERIFY(button("pauseButton")->isEnabled());
    button("pauseButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(button("resumeButton")->isEnabled(), 10000);
    QVERIFY(!button("pauseButton")->isEnabled());
    button("resumeButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(button("pauseButton")->isEnabled(), 10000);
    button("stopButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QVERIFY(finished.at(0).at(0).toBool());
    QVERIFY(m_window->canvas()->view()->isInteractive());
    QVERIFY(!m_controller->banner()->isVisible());
    QVERIFY(button("startButton")->isEnabled());
}

void TestTrainingWindow::nanRunShowsMessage()
{
    // Values so large that the squared error overflows to infinity (more
    // columns than the model needs: it takes the first and the last ones).
    const int inputs = 32, outputs = 32;
    QFile csv(m_dir->filePath(QStringLiteral("huge.csv")));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    QStringList header;
    for (int i = 0; i < inputs + outputs; ++i)
        header << QStringLiteral("c%1").arg(i);
    csv.write(header.join(',').toUtf8() + "\n");
    for (int r = 0; r < 16; ++r) {
        QStringList row;
        for (int i = 0; i < inputs + outputs; ++i)
            row << QStringLiteral("1e30");
        csv.write(row.join(',').toUtf8() + "\n");
    }
    csv.close();
    setTraining([](TrainingSettings &s) {
        s.loss = TrainingSettings::Loss::Mse;
        s.epochs = 3;
        s.limitTrainBatches = 0;
        s.data.kind = DataSettings::Kind::Csv;
        s.data.path = QStringLiteral("huge.csv");
    });
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QVERIFY2(m_controller->isRunning(), qPrintable(m_controller->panel()->status()));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString message = finished.at(0).at(1).toString();
    QVERIFY2(!message.isEmpty(), "no message");
    auto *status = m_controller->panel()->findChild<QLabel *>(QStringLiteral("trainingStatusLabel"));
    QCOMPARE(status->text(), message);
}

void TestTrainingWindow::closingDuringRun()
{
    setTraining([](TrainingSettings &s) {
        s.epochs = 1000000;
        s.limitTrainBatches = 0;
    });
    int asked = 0;
    bool answer = false;
    m_controller->setCloseQuestion([&] {
        ++asked;
        return answer;
    });
    button("startButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->lossPlot()->trainPointCount() > 0, 30000);
    QVERIFY(!m_window->close()); // "no": keeps running
    QCOMPARE(asked, 1);
    QVERIFY(m_controller->isRunning());
    answer = true;
    m_window->close();
    QCOMPARE(asked, 2);
    QVERIFY(!m_controller->isRunning());
}

void TestTrainingWindow::exportWritesPtThatReopens()
{
    QVERIFY(m_controller->exportAction());
    QVERIFY(m_controller->saveCheckpointAction());
    const QString pt = m_dir->filePath(QStringLiteral("model.pt"));
    QString error;
    QVERIFY2(m_controller->exportTorchScript(pt, &error), qPrintable(error));
    QVERIFY(QFile(pt).size() > 0);
    const QList<ModuleType> types = m_window->project()->data().types;
    m_window->newProject();
    QVERIFY(m_window->project()->data().types != types);
    QVERIFY2(m_controller->openExported(pt, &error), qPrintable(error));
    QCOMPARE(m_window->project()->data().types, types);
    QVERIFY(!m_controller->openExported(m_dir->filePath(QStringLiteral("model.mcproj")), &error));
    QVERIFY(!error.isEmpty());
}

void TestTrainingWindow::parameterPlotFollowsFreezing()
{
    ParameterPlot *plot = m_controller->parameterPlot();
    QTRY_VERIFY_WITH_TIMEOUT(!plot->names().isEmpty(), 10000);
    const QString first = plot->names().first();
    const double before = plot->trainable().first();
    QVERIFY(before > 0);
    QCOMPARE(plot->frozen().first(), 0.0);
    QVERIFY(plot->totalsText().contains(QStringLiteral("Frozen: 0")));
    QVERIFY(m_window->editor()->setFrozen(m_window->project()->rootType(), first, true).ok);
    QTRY_COMPARE_WITH_TIMEOUT(plot->frozen().first(), before, 10000);
    QCOMPARE(plot->trainable().first(), 0.0);
    QVERIFY(!plot->totalsText().contains(QStringLiteral("Frozen: 0")));
    m_window->editor()->undoStack()->undo();
    QTRY_COMPARE_WITH_TIMEOUT(plot->trainable().first(), before, 10000);
}

void TestTrainingWindow::exportFromMenuWritesPtThatLoadsAndReopens()
{
    // encoder-decoder: x -> encoder (Linear 10->5, ReLU) -> decoder (Linear 5->1, Sigmoid); 61 parameters.
    trainShortRun();
    QAction *exportAct = fileAction(QStringLiteral("Export TorchScript…"));
    QVERIFY(exportAct && exportAct->isEnabled());
    const QString pt = m_dir->filePath(QStringLiteral("from-menu.pt"));
    QString title;
    answerNextFileDialog(pt, &title);
    exportAct->trigger();
    QCOMPARE(title, QStringLiteral("Export TorchScript"));
    QVERIFY(QFile(pt).size() > 0);
    QVERIFY(!QApplication::activeModalWidget()); // no error box

    // PyTorch loads it as it is, when a Python with torch is at hand.
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral("-c"),
                  QStringLiteral("import sys, torch\n"
                                 "m = torch.jit.load(sys.argv[1])\n"
                                 "y = m(torch.randn(3, 10))\n"
                                 "print(sum(p.numel() for p in m.parameters()), tuple(y.shape))"),
                  pt});
    if (python.waitForFinished(60000) && python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0)
        QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).trimmed(), QStringLiteral("61 (3, 1)"));
    else
        qWarning("not checked with PyTorch: /usr/bin/python3 with torch did not run (%s)",
                 python.readAllStandardError().constData());

    // Reopened from the menu, it shows the graph it was exported from.
    const QList<ModuleType> types = m_window->project()->data().types;
    const QString root = m_window->project()->rootType();
    m_window->newProject();
    QVERIFY(m_window->project()->data().types != types);
    QAction *openAct = fileAction(QStringLiteral("Open Exported Model (.pt)…"));
    QVERIFY(openAct);
    answerNextFileDialog(pt, &title);
    openAct->trigger();
    QCOMPARE(title, QStringLiteral("Open Exported Model"));
    QCOMPARE(m_window->project()->data().types, types);
    QCOMPARE(m_window->project()->rootType(), root);
    QVERIFY(!QApplication::activeModalWidget());
}

void TestTrainingWindow::saveCheckpointFromMenu()
{
    trainShortRun();
    QAction *saveAct = fileAction(QStringLiteral("Save Checkpoint…"));
    QVERIFY(saveAct && saveAct->isEnabled());
    const QString path = m_dir->filePath(QStringLiteral("from-menu.ckpt"));
    QString title;
    answerNextFileDialog(path, &title);
    saveAct->trigger();
    QCOMPARE(title, QStringLiteral("Save Checkpoint"));
    QVERIFY(QFile::exists(path));
    // The file is a checkpoint of that run: 2 epochs of 2 steps.
    const Checkpoint ckpt = Checkpoint::load(path);
    QCOMPARE(ckpt.step, qint64(4));
    QCOMPARE(int(ckpt.losses.size()), 4);
    QCOMPARE(ckpt.epochs.size(), 2);
}

void TestTrainingWindow::cancelledExportWritesNothing()
{
    QAction *exportAct = fileAction(QStringLiteral("Export TorchScript…"));
    QVERIFY(exportAct);
    QString title;
    answerNextFileDialog(QString(), &title);
    const QStringList before = QDir(m_dir->path()).entryList(QDir::Files);
    exportAct->trigger();
    QCOMPARE(title, QStringLiteral("Export TorchScript"));
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files), before);
    QVERIFY(!QApplication::activeModalWidget());
}

void TestTrainingWindow::trainsOnCsvChosenInImportDialog()
{
    // A file beside the project: 10 features and a target, 40 rows.
    QByteArray bytes = "f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,target\n";
    for (int r = 0; r < 40; ++r) {
        for (int i = 0; i < 10; ++i)
            bytes += QByteArray::number((r * 7 + i * 3) % 11 / 10.0) + ',';
        bytes += QByteArray::number(r % 2) + '\n';
    }
    QFile csv(m_dir->filePath(QStringLiteral("rows.csv")));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write(bytes);
    csv.close();
    setTraining([](TrainingSettings &s) {
        s.epochs = 1;
        s.limitTrainBatches = 0;
        s.batchSize = 10;
        s.validationSplit = 0;
    });

    auto *importButton = m_controller->panel()->findChild<QPushButton *>(QStringLiteral("importCsvButton"));
    QVERIFY(importButton);
    importButton->click();
    QTRY_VERIFY(qobject_cast<CsvImportDialog *>(QApplication::activeModalWidget()));
    auto *dialog = qobject_cast<CsvImportDialog *>(QApplication::activeModalWidget());
    dialog->setFile(m_dir->filePath(QStringLiteral("rows.csv")));
    QVERIFY2(dialog->isAcceptable(), qPrintable(dialog->problem()));
    dialog->accept();
    // Stored relative to the project file's folder.
    const TrainingSettings s = TrainingSettings::fromJson(m_window->project()->training());
    QCOMPARE(s.data.kind, DataSettings::Kind::Csv);
    QCOMPARE(s.data.path, QStringLiteral("rows.csv"));
    QCOMPARE(s.data.targets, QStringList({"target"}));

    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    // 40 rows in batches of 10: 4 steps.
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 4);
}

/// Types `text` into the panel's spin box `name` as a person would: click in
/// it, select what is there, type, press Enter.
static void typeInto(QAbstractSpinBox *box, const QString &text)
{
    box->setFocus(Qt::MouseFocusReason);
    box->selectAll();
    if (text.isEmpty())
        QTest::keyClick(box, Qt::Key_Backspace);
    else
        QTest::keyClicks(box, text);
    QTest::keyClick(box, Qt::Key_Return);
}

void TestTrainingWindow::settingsEditsAreUndoableAndSaved()
{
    QVERIFY(!m_window->isModified());
    auto *epochs = m_controller->panel()->findChild<QSpinBox *>(QStringLiteral("epochsSpin"));
    QVERIFY(epochs);
    QCOMPARE(epochs->value(), 2);
    QSignalSpy undoIndex(m_window->editor()->undoStack(), &QUndoStack::indexChanged);
    typeInto(epochs, QStringLiteral("70"));
    QCOMPARE(TrainingSettings::fromJson(m_window->project()->training()).epochs, 70);
    // An edit: the window is modified, and typing 7 then 0 is one undo step.
    QVERIFY(m_window->isModified());
    QVERIFY(m_window->isWindowModified());
    QCOMPARE(m_window->editor()->undoStack()->count(), 1);
    QVERIFY(undoIndex.count() >= 1);
    // Undo puts the project and the field back; Redo again.
    m_window->editor()->undoStack()->undo();
    QCOMPARE(TrainingSettings::fromJson(m_window->project()->training()).epochs, 2);
    QCOMPARE(epochs->value(), 2);
    QVERIFY(!m_window->isModified());
    m_window->editor()->undoStack()->redo();
    QCOMPARE(epochs->value(), 70);
    QVERIFY(m_window->isModified());
    // Saved with the project.
    const QString path = m_window->filePath();
    QString error;
    QVERIFY2(m_window->saveFile(path, &error), qPrintable(error));
    QVERIFY(!m_window->isModified());
    QCOMPARE(TrainingSettings::fromJson(ProjectFile::load(path).training).epochs, 70);

    // The Processes count is a setting like the others: an edit, saved, and
    // shown again when the file is opened (it reset to 1 before).
    auto *processes = m_controller->panel()->findChild<QSpinBox *>(QStringLiteral("processesSpin"));
    QVERIFY(processes);
    QCOMPARE(processes->value(), 1);
    typeInto(processes, QStringLiteral("2"));
    QVERIFY(m_window->isModified());
    QCOMPARE(m_controller->panel()->processCount(), 2);
    QVERIFY2(m_window->saveFile(path, &error), qPrintable(error));
    QCOMPARE(TrainingSettings::fromJson(ProjectFile::load(path).training).processes, 2);
    typeInto(processes, QStringLiteral("1"));
    QVERIFY2(m_window->openFile(path, &error), qPrintable(error));
    QCOMPARE(processes->value(), 2);
}

void TestTrainingWindow::earlyStoppingKeepsTheBestEpochInTheWindow()
{
    auto *patience = m_controller->panel()->findChild<QSpinBox *>(QStringLiteral("patienceSpin"));
    auto *keep = m_controller->panel()->findChild<QCheckBox *>(QStringLiteral("keepBestWeightsBox"));
    QVERIFY(patience && keep);
    // On by default, and offered only with early stopping on.
    QVERIFY(keep->isChecked());
    QVERIFY(!keep->isEnabled());
    setTraining([](TrainingSettings &s) {
        s.epochs = 500;
        s.limitTrainBatches = 0;
        s.batchSize = 8;
        s.validationSplit = 0.25;
        s.learningRate = 0.05;
        s.data.samples = 48;
    });
    typeInto(patience, QStringLiteral("2"));
    QVERIFY(keep->isEnabled());
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    // The panel says which epoch's weights the model now holds.
    const QString status = m_controller->panel()->status();
    QVERIFY2(status.contains(QStringLiteral("Stopped early after")), qPrintable(status));
    QVERIFY2(QRegularExpression(QStringLiteral("Kept the weights of epoch \\d+, of lowest validation loss \\([0-9.e-]+\\)\\."))
                 .match(status)
                 .hasMatch(),
             qPrintable(status));

    // Turned off with the keyboard: an edit of the project, saved with it.
    keep->setFocus(Qt::TabFocusReason);
    QTest::keyClick(keep, Qt::Key_Space);
    QVERIFY(!keep->isChecked());
    QVERIFY(!TrainingSettings::fromJson(m_window->project()->training()).keepBestWeights);
    QVERIFY(m_window->isModified());
    QString error;
    QVERIFY2(m_window->saveFile(m_window->filePath(), &error), qPrintable(error));
    QVERIFY(!TrainingSettings::fromJson(ProjectFile::load(m_window->filePath()).training).keepBestWeights);
}

void TestTrainingWindow::emptiedFieldMeansItsDefault()
{
    auto *limit = m_controller->panel()->findChild<QSpinBox *>(QStringLiteral("limitBatchesSpin"));
    auto *epochs = m_controller->panel()->findChild<QSpinBox *>(QStringLiteral("epochsSpin"));
    QVERIFY(limit && epochs);
    QCOMPARE(limit->value(), 2); // the example limits its epochs to 2 batches
    typeInto(epochs, QStringLiteral("9"));
    QCOMPARE(epochs->value(), 9);
    // Emptied: the documented default (all batches; 2 epochs), not the old value.
    typeInto(limit, QString());
    QCOMPARE(limit->value(), TrainingSettings().limitTrainBatches);
    QCOMPARE(limit->text(), QStringLiteral("all"));
    QCOMPARE(TrainingSettings::fromJson(m_window->project()->training()).limitTrainBatches, 0);
    typeInto(epochs, QString());
    QCOMPARE(epochs->value(), TrainingSettings().epochs);
    QCOMPARE(epochs->text(), QString::number(TrainingSettings().epochs));
    QCOMPARE(TrainingSettings::fromJson(m_window->project()->training()).epochs, TrainingSettings().epochs);
}

void TestTrainingWindow::pausedBarShowsNoSpeedAndEpochsCountFromOne()
{
    setTraining([](TrainingSettings &s) {
        s.epochs = 1000000;
        s.limitTrainBatches = 0;
        s.data.samples = 64;
    });
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QProgressBar *bar = m_controller->progressBar();
    QTRY_VERIFY_WITH_TIMEOUT(bar->format().contains(QStringLiteral("samples/s")), 30000);
    QVERIFY(bar->format().contains(QStringLiteral(" left")));
    button("pauseButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(button("resumeButton")->isEnabled(), 10000);
    // Paused: what it is, where it stands, nothing of a running speed.
    QTRY_VERIFY(bar->format().startsWith(QStringLiteral("paused")));
    QVERIFY2(!bar->format().contains(QStringLiteral("samples/s")), qPrintable(bar->format()));
    QVERIFY2(!bar->format().contains(QStringLiteral(" left")), qPrintable(bar->format()));
    QTest::qWait(200); // progress reports that were on their way change nothing
    QVERIFY2(!bar->format().contains(QStringLiteral("samples/s")), qPrintable(bar->format()));
    const QRegularExpression epochOf(QStringLiteral("epoch (\\d+)/1000000"));
    const QRegularExpressionMatch shown = epochOf.match(bar->format());
    QVERIFY2(shown.hasMatch(), qPrintable(bar->format()));
    QVERIFY(shown.captured(1).toInt() >= 1); // from 1
    QVERIFY2(m_controller->panel()->status().contains(shown.captured(0)), qPrintable(m_controller->panel()->status()));
    // Stopped while paused: the sentence names the epoch the bar showed.
    button("stopButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    const QString message = finished.at(0).at(1).toString();
    QVERIFY2(message.contains(shown.captured(0)), qPrintable(message + QStringLiteral(" / ") + shown.captured(0)));
}

void TestTrainingWindow::fileDialogsStartWithTheProject()
{
    // model.mcproj in the test's folder: each dialog offers that folder and name.
    struct Dialog
    {
        const char *action;
        const char *title;
        const char *offered;
    };
    for (const Dialog &d : {Dialog{"Export TorchScript…", "Export TorchScript", "model.pt"},
                            Dialog{"Save Checkpoint…", "Save Checkpoint", "model.ckpt"},
                            Dialog{"Save As…", "Save Project As", "model.mcproj"}}) {
        QAction *a = fileAction(QString::fromUtf8(d.action));
        QVERIFY2(a, d.action);
        QString title, offered;
        answerNextFileDialog(QString(), &title, &offered);
        a->trigger();
        QCOMPARE(title, QString::fromLatin1(d.title));
        QCOMPARE(offered, m_dir->filePath(QString::fromLatin1(d.offered)));
    }
    // An example's untitled copy: its own name, in the folder last used.
    QVERIFY(m_window->openExample(QStringLiteral("shared-block.mcproj")));
    QString title, offered;
    answerNextFileDialog(QString(), &title, &offered);
    fileAction(QStringLiteral("Export TorchScript…"))->trigger();
    QCOMPARE(offered, m_dir->filePath(QStringLiteral("shared-block.pt")));
}

void TestTrainingWindow::finishedExportSaysSoLongEnough()
{
    const QString pt = m_dir->filePath(QStringLiteral("named"));
    QString title;
    answerNextFileDialog(pt, &title);
    QSignalSpy messages(m_window->statusBar(), &QStatusBar::messageChanged);
    fileAction(QStringLiteral("Export TorchScript…"))->trigger();
    // The right extension is added to a name typed without one.
    QVERIFY(QFile::exists(pt + QStringLiteral(".pt")));
    const QString said = m_window->statusBar()->currentMessage();
    QVERIFY2(said.startsWith(QStringLiteral("Exported ")), qPrintable(said));
    QVERIFY2(said.contains(QDir::toNativeSeparators(pt + QStringLiteral(".pt"))), qPrintable(said));
    // Still there after 9 seconds (it went after 8 before, when shown at all).
    QTest::qWait(9000);
    QCOMPARE(m_window->statusBar()->currentMessage(), said);
}

void TestTrainingWindow::fieldsStateTheirWholeRange_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("sentence");
    QTest::addColumn<double>("maximum");
    QTest::addRow("learning_rate") << "learningRateSpin" << "learning_rate"
                                   << "a number above 0 and at most 1000" << 1000.0;
    QTest::addRow("weight_decay") << "weightDecaySpin" << "weight_decay" << "a number from 0 to 1000" << 1000.0;
    QTest::addRow("gamma") << "gammaSpin" << "schedule.gamma" << "a number above 0 and at most 1000" << 1000.0;
    QTest::addRow("threads") << "threadsSpin" << "threads" << "a whole number from 0 to 1024 (0: default)" << 1024.0;
    QTest::addRow("samples") << "samplesSpin" << "data.samples" << "a whole number from 1 to 100000000" << 1e8;
}

void TestTrainingWindow::fieldsStateTheirWholeRange()
{
    QFETCH(QString, field);
    QFETCH(QString, key);
    QFETCH(QString, sentence);
    QFETCH(double, maximum);
    auto *box = m_controller->panel()->findChild<QAbstractSpinBox *>(field);
    QVERIFY(box);
    // The sentence the project file's reader and the command line give.
    QCOMPARE(TrainingSettings::range(key)->text(), sentence);
    QVERIFY2(box->toolTip().contains(sentence), qPrintable(box->toolTip()));
    // And the same range: the field takes no value the file would refuse.
    if (auto *d = qobject_cast<QDoubleSpinBox *>(box)) {
        QCOMPARE(d->maximum(), maximum);
        QVERIFY(TrainingSettings::range(key)->contains(d->minimum()));
    } else {
        auto *i = qobject_cast<QSpinBox *>(box);
        QVERIFY(i);
        QCOMPARE(double(i->maximum()), maximum);
        QVERIFY(TrainingSettings::range(key)->contains(i->minimum()));
    }
}

// LeNet, its data set chosen in the panel's Data list: Fashion-MNIST's
// training images, a short run, the loss going down.
void TestTrainingWindow::trainsLeNetOnFashionMnistChosenInThePanel()
{
    const QString path = m_dir->filePath(QStringLiteral("lenet.mcproj"));
    QVERIFY(QFile::copy(QStringLiteral(MC_EXAMPLES_DIR "/lenet.mcproj"), path));
    QString error;
    QVERIFY2(m_window->openFile(path, &error), qPrintable(error));
    setTraining([](TrainingSettings &s) {
        s.loss = TrainingSettings::Loss::CrossEntropy;
        s.epochs = 1;
        s.limitTrainBatches = 60;
        s.batchSize = 32;
        s.validationSplit = 0.05;
        s.threads = 1;
    });
    auto *kind = m_controller->panel()->findChild<QComboBox *>(QStringLiteral("dataKindCombo"));
    QVERIFY(kind);
    const int index = kind->findText(QStringLiteral("fashion_mnist"));
    QVERIFY(index >= 0);
    kind->setCurrentIndex(index);
    QCOMPARE(TrainingSettings::fromJson(m_window->project()->training()).data.kind, DataSettings::Kind::FashionMnist);
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 60);
    // Learning shows within 60 steps: the last ten losses well under the
    // first ten (about ln 10 = 2.30, a guess among ten classes).
    QVERIFY(m_controller->lastCheckpoint());
    const std::vector<LossPoint> &losses = m_controller->lastCheckpoint()->losses;
    QCOMPARE(losses.size(), size_t(60));
    double first = 0, last = 0;
    for (int k = 0; k < 10; ++k) {
        first += losses[size_t(k)].loss / 10;
        last += losses[losses.size() - 1 - size_t(k)].loss / 10;
    }
    QVERIFY2(last < first * 0.7, qPrintable(QStringLiteral("first %1, last %2").arg(first).arg(last)));
    const QString status = m_controller->panel()->status();
    QVERIFY2(status.contains(QStringLiteral("Finished")), qPrintable(status));
    QCOMPARE(m_controller->lossPlot()->validationPointCount(), 1);
}

void TestTrainingWindow::imageFolderChosenInThePanelTrains()
{
    // LeNet on a folder of 12×12 images (scaled to its 28×28 input), the
    // kind chosen in the combo and the folder with Choose Image Folder….
    const QString path = m_dir->filePath(QStringLiteral("lenet.mcproj"));
    QVERIFY(QFile::copy(QStringLiteral(MC_EXAMPLES_DIR "/lenet.mcproj"), path));
    QString error;
    QVERIFY2(m_window->openFile(path, &error), qPrintable(error));
    setTraining([](TrainingSettings &s) {
        s.loss = TrainingSettings::Loss::CrossEntropy;
        s.epochs = 2;
        s.batchSize = 8;
        s.validationSplit = 0.25;
        s.threads = 1;
    });
    auto *kind = m_controller->panel()->findChild<QComboBox *>(QStringLiteral("dataKindCombo"));
    auto *choose = m_controller->panel()->findChild<QPushButton *>(QStringLiteral("imageFolderButton"));
    QVERIFY(kind && choose);
    QVERIFY(choose->isHidden()); // offered for image folders only
    kind->setCurrentIndex(kind->findText(QStringLiteral("image_folder")));
    QVERIFY(!choose->isHidden() && choose->isEnabled());
    const QString folder = QStringLiteral(MC_TESTDATA_DIR "/images/train");
    QString title;
    answerNextFileDialog(folder, &title);
    choose->click();
    QTRY_VERIFY_WITH_TIMEOUT(!TrainingSettings::fromJson(m_window->project()->training()).data.path.isEmpty(), 10000);
    QCOMPARE(title, QStringLiteral("Image Folder"));
    const TrainingSettings stored = TrainingSettings::fromJson(m_window->project()->training());
    QCOMPARE(stored.data.kind, DataSettings::Kind::ImageFolder);
    // Kept relative to the project file's folder, as a CSV file's path is.
    QCOMPARE(QFileInfo(QDir(m_dir->path()).filePath(stored.data.path)).canonicalFilePath(),
             QFileInfo(folder).canonicalFilePath());
    QVERIFY(m_window->isModified());

    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    // 32 images, 8 held out: 24 in batches of 8, 3 steps an epoch.
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 6);
    QCOMPARE(m_controller->lossPlot()->validationPointCount(), 2);
}

void TestTrainingWindow::narrowestLossDockShowsSaveButtonWhole()
{
    // The window at its smallest and the Loss dock pushed as narrow as the
    // window lets it be: the Save… button is whole inside the dock, clear
    // of its edge.
    auto *lossDock = m_window->findChild<QDockWidget *>(QStringLiteral("lossDock"));
    auto *problemsDock = m_window->findChild<QDockWidget *>(QStringLiteral("problemsDock"));
    QVERIFY(lossDock && problemsDock);
    lossDock->show();
    lossDock->raise();
    m_window->resize(m_window->minimumSizeHint());
    QApplication::processEvents();
    m_window->resizeDocks({problemsDock, lossDock}, {4000, 1}, Qt::Horizontal);
    QApplication::processEvents();
    LossPlot *plot = m_controller->lossPlot();
    QVERIFY(plot->isVisible());
    QVERIFY2(plot->width() <= plot->minimumSizeHint().width() + 4,
             qPrintable(QStringLiteral("%1 wide, at least %2").arg(plot->width()).arg(plot->minimumSizeHint().width())));
    QToolButton *save = nullptr;
    for (QToolButton *b : plot->findChildren<QToolButton *>())
        if (b->text() == QStringLiteral("Save…"))
            save = b;
    QVERIFY(save && save->isVisible());
    const QRect button(save->mapTo(lossDock, QPoint(0, 0)), save->size());
    QVERIFY2(lossDock->rect().adjusted(0, 0, -4, 0).contains(button),
             qPrintable(QStringLiteral("the Save… button spans x %1..%2 of a %3 px dock")
                            .arg(button.left()).arg(button.right()).arg(lossDock->width())));
    const QRect inWindow(save->mapTo(m_window.get(), QPoint(0, 0)), save->size());
    QVERIFY(m_window->rect().contains(inWindow));
}

QTEST_MAIN(TestTrainingWindow)
#include "tst_trainingwindow.moc"
