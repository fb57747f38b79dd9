#include "CanvasWidget.h"
#include "GraphView.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "ParameterPlot.h"
#include "DocumentEditor.h"
#include "Project.h"
#include "ProjectFile.h"
#include "TrainingController.h"
#include "TrainingPanel.h"
#include "TrainingSettings.h"

#include <QAction>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

class TestTrainingWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void runFromPanelLeavesPoints();
    void pauseResumeStopFromButtons();
    void nanRunShowsMessage();
    void closingDuringRun();
    void exportWritesPtThatReopens();
    void parameterPlotFollowsFreezing();

private:
    QPushButton *button(const char *name) const
    {
        return m_controller->panel()->findChild<QPushButton *>(QLatin1String(name));
    }
    void setTraining(const std::function<void(TrainingSettings &)> &edit)
    {
        TrainingSettings s = TrainingSettings::fromJson(m_window->project()->training());
        edit(s);
        m_controller->panel()->setSettings(s);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
    TrainingController *m_controller = nullptr;
};

void TestTrainingWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_window = std::make_unique<MainWindow>(m_dir->filePath(QStringLiteral("autosave")));
    m_controller = new TrainingController(m_window.get());
    QString error;
    QVERIFY2(m_window->openExample(QStringLiteral("encoder-decoder.mcproj"), &error), qPrintable(error));
    QVERIFY2(m_window->saveFile(m_dir->filePath(QStringLiteral("model.mcproj")), &error), qPrintable(error));
    m_window->show();
}

void TestTrainingWindow::cleanup()
{
    if (m_controller)
        QVERIFY(m_controller->stopAndWait(5000));
    m_window.reset();
    m_controller = nullptr;
    m_dir.reset();
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

QTEST_MAIN(TestTrainingWindow)
#include "tst_trainingwindow.moc"
