// Runs from the window beyond the first one: resuming after an edit that
// changes an instance's sizes (only that instance starts afresh), and runs of
// several local processes (modelcomposer-cli workers through LocalLauncher).

#include "CanvasWidget.h"
#include "training/Checkpoint.h"
#include "DocumentEditor.h"
#include "GraphView.h"
#include "launch/LocalLauncher.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "TrainingController.h"
#include "TrainingPanel.h"
#include "training/TrainingSettings.h"
#include "TrainingWindowFixture.h"

#include <QFile>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/script.h>

#include <cerrno>
#include <csignal>
#include <map>

using namespace mc;

namespace {
std::map<std::string, torch::Tensor> byName(const std::vector<std::pair<std::string, torch::Tensor>> &tensors)
{
    return {tensors.begin(), tensors.end()};
}

bool processGone(qint64 pid)
{
    return ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
}
} // namespace

class TestTrainingRuns : public TrainingWindowFixture
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void resumeAfterEditKeepsOtherInstances();
    void twoProcessRunFromStartButton();
    void stopEndsEveryWorker();
    void closingEndsEveryWorker();
    void failingWorkerShowsItsMessage();
    void missingWorkerProgramSaysSo();

private:
    QSpinBox *processes() const { return m_controller->panel()->findChild<QSpinBox *>(QStringLiteral("processesSpin")); }
    /// Sets the Processes box as a user does and saves (the count is a saved
    /// setting, so closing would otherwise ask about unsaved changes).
    void setProcesses(int n)
    {
        processes()->setValue(n);
        QString error;
        QVERIFY2(m_window->saveFile(m_window->filePath(), &error), qPrintable(error));
    }
    QList<qint64> workerPids() const
    {
        QList<qint64> pids;
        if (m_controller->launcher())
            for (QProcess *p : m_controller->launcher()->findChildren<QProcess *>())
                if (p->state() != QProcess::NotRunning)
                    pids << p->processId();
        return pids;
    }
};

void TestTrainingRuns::init()
{
    openWindow([](TrainingController *c) { c->setWorkerProgram(QStringLiteral(MC_CLI)); });
}

void TestTrainingRuns::cleanup()
{
    closeWindow(10000);
}

void TestTrainingRuns::resumeAfterEditKeepsOtherInstances()
{
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY(m_controller->lastCheckpoint());
    const auto trained = byName(m_controller->lastCheckpoint()->tensors);
    QCOMPARE(trained.at("encoder.fc.weight").sizes(), (std::vector<int64_t>{5, 10}));

    // The model takes 12 inputs instead of 10: encoder.fc's sizes change, decoder.fc's do not.
    const QString root = m_window->project()->rootType();
    QList<Argument> arguments = m_window->project()->data().type(root)->arguments;
    QCOMPARE(arguments.first().name, QStringLiteral("input_dim"));
    arguments.first().defaultValue = 12;
    QVERIFY(m_window->editor()->setArguments(root, arguments).ok);

    // The panel says at once what Resume Training keeps.
    const QString expected = QStringLiteral("Kept trained weights for 1 instance; reset encoder.fc (its sizes "
                                            "changed: 10\u219212 inputs).");
    QTRY_COMPARE_WITH_TIMEOUT(m_controller->panel()->status(),
                              QStringLiteral("After this edit: kept trained weights for 1 instance; reset encoder.fc "
                                             "(its sizes changed: 10\u219212 inputs)."),
                              5000);
    QString note;
    const auto now = byName(m_controller->currentWeights(&note));
    QCOMPARE(note, expected);
    QVERIFY(torch::equal(now.at("decoder.fc.weight"), trained.at("decoder.fc.weight")));
    QVERIFY(torch::equal(now.at("decoder.fc.bias"), trained.at("decoder.fc.bias")));
    QCOMPARE(now.at("encoder.fc.weight").sizes(), (std::vector<int64_t>{5, 12}));

    // Export uses them.
    const QString pt = m_dir->filePath(QStringLiteral("edited.pt"));
    QString error;
    QVERIFY2(m_controller->exportTorchScript(pt, &error), qPrintable(error));
    torch::jit::Module exported = torch::jit::load(pt.toStdString());
    for (const auto &p : exported.named_parameters()) {
        if (p.name.rfind("decoder.", 0) == 0)
            QVERIFY2(torch::equal(p.value, trained.at(p.name)), p.name.c_str());
        else
            QVERIFY2(torch::equal(p.value, now.at(p.name)), p.name.c_str());
    }

    // Resume Training continues with them (the run had ended: no step is left
    // at 2 epochs, so the weights come back as they went in) and says so.
    QVERIFY(button("continueButton")->isEnabled());
    button("continueButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    QCOMPARE(finished.at(1).at(1).toString(),
             expected + QStringLiteral("\nNothing to continue: the run had already done its 2 epochs. Raise Epochs "
                                       "to train further."));
    QVERIFY(m_controller->panel()->status().startsWith(expected));
    const auto resumed = byName(m_controller->lastCheckpoint()->tensors);
    QVERIFY(torch::equal(resumed.at("decoder.fc.weight"), trained.at("decoder.fc.weight")));
    QVERIFY(torch::equal(resumed.at("encoder.fc.weight"), now.at("encoder.fc.weight")));
    QCOMPARE(m_controller->lastCheckpoint()->step, qint64(4));

    // Two more epochs: it trains on from step 4, and the checkpoint beside the
    // project is now the edited graph's (reopening restores it as it is).
    setTraining([](TrainingSettings &s) { s.epochs = 4; });
    button("continueButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 30000);
    QVERIFY2(finished.at(2).at(0).toBool(), qPrintable(finished.at(2).at(1).toString()));
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 8);
    QVERIFY(!torch::equal(byName(m_controller->lastCheckpoint()->tensors).at("decoder.fc.weight"),
                          trained.at("decoder.fc.weight")));
    QVERIFY2(m_window->saveFile(m_window->filePath(), &error), qPrintable(error));
    QVERIFY2(m_window->openFile(m_dir->filePath(QStringLiteral("model.mcproj")), &error), qPrintable(error));
    QString after;
    m_controller->currentWeights(&after);
    QVERIFY2(after.isEmpty(), qPrintable(after));
}

void TestTrainingRuns::twoProcessRunFromStartButton()
{
    // 32 rows, batch 8 per process, 2 processes: 2 steps per epoch, 3 epochs.
    setTraining([](TrainingSettings &s) {
        s.epochs = 3;
        s.limitTrainBatches = 0;
        s.batchSize = 8;
        s.validationSplit = 0;
        s.data.samples = 32;
    });
    QString error;
    QVERIFY2(m_window->saveFile(m_window->filePath(), &error), qPrintable(error));
    QCOMPARE(processes()->value(), 1);
    QCOMPARE(processes()->minimum(), 1);
    QCOMPARE(processes()->maximum(), 16);
    processes()->setValue(2);
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QVERIFY2(m_controller->isRunning(), qPrintable(m_controller->panel()->status()));
    QVERIFY(m_controller->isMultiProcessRun());
    QCOMPARE(workerPids().size(), 2);
    QVERIFY(m_controller->banner()->isVisible());
    QVERIFY(!button("startButton")->isEnabled());
    QVERIFY(!button("pauseButton")->isEnabled());
    QVERIFY(button("pauseButton")->toolTip().contains(QStringLiteral("cannot pause")));
    QVERIFY(!processes()->isEnabled());
    QVERIFY(button("stopButton")->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY(finished.at(0).at(1).toString().startsWith(QStringLiteral("Finished 3 epochs (6 steps)")));
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 6);
    QVERIFY(!m_controller->isRunning());
    QVERIFY(m_window->canvas()->view()->isInteractive());
    QVERIFY(!m_controller->banner()->isVisible());
    QVERIFY(!button("pauseButton")->toolTip().contains(QStringLiteral("cannot pause")));
    QVERIFY(processes()->isEnabled());

    // The weights are rank 0's, kept beside the project as after a one-process run.
    QVERIFY(m_controller->lastCheckpoint());
    QCOMPARE(m_controller->lastCheckpoint()->step, qint64(6));
    QVERIFY(QFile::exists(m_controller->checkpointPath()));
    QVERIFY(button("continueButton")->isEnabled());

    // The same as the command line gives for the same run.
    QTemporaryDir cliDir;
    QProcess cli;
    cli.start(QStringLiteral(MC_CLI), {QStringLiteral("train"), m_window->filePath(), QStringLiteral("--nproc-per-node"),
                                       QStringLiteral("2"), QStringLiteral("--checkpoint-dir"), cliDir.path()});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const Checkpoint fromCli = Checkpoint::load(cliDir.filePath(QStringLiteral("last.ckpt")));
    const auto mine = byName(m_controller->lastCheckpoint()->tensors);
    for (const auto &[name, tensor] : fromCli.tensors)
        QVERIFY2(torch::allclose(mine.at(name), tensor, 1e-6, 1e-7), name.c_str());

    // Export writes those weights.
    const QString pt = m_dir->filePath(QStringLiteral("two.pt"));
    QVERIFY2(m_controller->exportTorchScript(pt, &error), qPrintable(error));
    torch::jit::Module exported = torch::jit::load(pt.toStdString());
    for (const auto &p : exported.named_parameters())
        QVERIFY2(torch::equal(p.value, mine.at(p.name)), p.name.c_str());

    // Resume Training with two processes continues from them.
    setTraining([](TrainingSettings &s) { s.epochs = 4; });
    button("continueButton")->click();
    QVERIFY(m_controller->isMultiProcessRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    QCOMPARE(m_controller->lastCheckpoint()->step, qint64(8));
    QCOMPARE(m_controller->lossPlot()->trainPointCount(), 8);
}

void TestTrainingRuns::stopEndsEveryWorker()
{
    setTraining([](TrainingSettings &s) {
        s.epochs = 1000000;
        s.limitTrainBatches = 0;
        s.data.samples = 64;
    });
    setProcesses(2);
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QVERIFY2(m_controller->isMultiProcessRun(), qPrintable(m_controller->panel()->status()));
    const QList<qint64> pids = workerPids();
    QCOMPARE(pids.size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->lossPlot()->trainPointCount() > 0, 120000);
    button("stopButton")->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY(!m_controller->isRunning());
    for (qint64 pid : pids)
        QVERIFY2(processGone(pid), qPrintable(QString::number(pid)));
    // Rank 0 wrote its weights when it stopped; they can be continued from.
    QVERIFY(m_controller->lastCheckpoint());
    QVERIFY(m_controller->lastCheckpoint()->step > 0);
    QVERIFY(button("continueButton")->isEnabled());
}

void TestTrainingRuns::closingEndsEveryWorker()
{
    setTraining([](TrainingSettings &s) {
        s.epochs = 1000000;
        s.limitTrainBatches = 0;
    });
    setProcesses(3);
    int asked = 0;
    m_controller->setCloseQuestion([&] {
        ++asked;
        return asked > 1; // "no", then "yes"
    });
    button("startButton")->click();
    QVERIFY2(m_controller->isMultiProcessRun(), qPrintable(m_controller->panel()->status()));
    const QList<qint64> pids = workerPids();
    QCOMPARE(pids.size(), 3);
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->lossPlot()->trainPointCount() > 0, 120000);
    QVERIFY(!m_window->close());
    QVERIFY(m_controller->isRunning());
    m_window->close();
    QCOMPARE(asked, 2);
    QVERIFY(!m_controller->isRunning());
    for (qint64 pid : pids)
        QVERIFY2(processGone(pid), qPrintable(QString::number(pid)));
}

void TestTrainingRuns::failingWorkerShowsItsMessage()
{
    setTraining([](TrainingSettings &s) {
        s.loss = TrainingSettings::Loss::Mse;
        s.data.kind = DataSettings::Kind::Csv;
        s.data.path = QStringLiteral("no-such-file.csv");
    });
    setProcesses(2);
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    button("startButton")->click();
    QVERIFY2(m_controller->isMultiProcessRun(), qPrintable(m_controller->panel()->status()));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString message = finished.at(0).at(1).toString();
    QVERIFY2(message.contains(QStringLiteral("no-such-file.csv")), qPrintable(message));
    QCOMPARE(m_controller->panel()->status(), message);
    QVERIFY(!m_controller->isRunning());
    QVERIFY(button("startButton")->isEnabled());
    QVERIFY(!m_controller->lastCheckpoint());
}

void TestTrainingRuns::missingWorkerProgramSaysSo()
{
    m_controller->setWorkerProgram(QString());
    setProcesses(2);
    QVERIFY(!m_controller->start());
    QVERIFY(!m_controller->isRunning());
    const QString status = m_controller->panel()->status();
    QVERIFY2(status.contains(QStringLiteral("modelcomposer-cli")) && status.contains(QStringLiteral("Processes to 1")),
             qPrintable(status));
    // One process needs no program.
    setProcesses(1);
    QSignalSpy finished(m_controller, &TrainingController::runFinished);
    QVERIFY(m_controller->start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY(finished.at(0).at(0).toBool());
}

QTEST_MAIN(TestTrainingRuns)
#include "tst_trainingruns.moc"
