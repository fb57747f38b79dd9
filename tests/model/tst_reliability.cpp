// The training failure cases of issue 7 not covered by tst_trainer and
// tst_checkpoint: memory that runs out (for the weights or for one batch), a
// non-finite input that spoils the very first step, a stop before or during the
// first step, and a project's CSV path resolved against the project's folder.

#include "data/Dataset.h"
#include "document/ProjectFile.h"
#include "TensorTestUtil.h"
#include "training/Trainer.h"

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cmath>
#include <limits>

#include <unistd.h>

using namespace mc;

namespace {

/// encoder-decoder.mcproj (10 -> hidden -> 1, sigmoid, BCE) with `hidden`
/// features in the middle.
ProjectData encoderDecoder(double hidden)
{
    ProjectData p = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"));
    for (Argument &a : p.type(p.root)->arguments)
        if (a.name == QLatin1String("hidden_dim"))
            a.defaultValue = hidden;
    return p;
}

TrainingSettings settingsFor(const ProjectData &project)
{
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    s.limitTrainBatches = 0;
    s.shuffle = false;
    return s;
}

/// Binary targets for `rows` rows of 10 inputs.
Dataset binaryData(qint64 rows)
{
    torch::manual_seed(1);
    const torch::Tensor x = torch::randn({rows, 10});
    return Dataset(x, (x.sum(1, true) > 0).to(torch::kFloat32));
}

TrainingResult runToEnd(Trainer &trainer)
{
    TrainingResult result;
    int count = 0;
    QObject::connect(&trainer, &Trainer::finished, [&](const TrainingResult &r) {
        result = r;
        ++count;
    });
    trainer.run(); // no exception escapes
    if (count != 1)
        result.message = QStringLiteral("finished was emitted %1 times").arg(count);
    return result;
}

} // namespace

class tst_Reliability : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void weightsTooLargeRefusedAtSetup();
    void batchTooLargeEndsRunCleanly();
    void nonFiniteInputStopsFirstStep_data();
    void nonFiniteInputStopsFirstStep();
    void stopBeforeFirstStep();
    void stopDuringFirstStep();
    void csvPathRelativeToProject();
};

void tst_Reliability::weightsTooLargeRefusedAtSetup()
{
    // x(10) -> Linear(10, 126000) -> Linear(126000, 126000) -> Linear(126000, 1)
    // -> y: 1.6e10 parameters, just under Analysis's limit (2^34), 64 GB of
    // float weights in the middle layer. The allocation fails inside LibTorch;
    // setup says so and nothing escapes.
    const qint64 ram = qint64(sysconf(_SC_PHYS_PAGES)) * qint64(sysconf(_SC_PAGE_SIZE));
    if (ram > qint64(48) << 30)
        QSKIP("this machine has the memory for 64 GB of weights; the test would fill it");
    const QByteArray json = R"({
        "format": "modelcomposer-project", "version": 1, "root": "Wide",
        "types": [{
            "name": "Wide", "arguments": [],
            "instances": [
                {"name": "a", "type": "Linear", "options": {"in_features": 10, "out_features": 126000}},
                {"name": "b", "type": "Linear", "options": {"in_features": 126000, "out_features": 126000}},
                {"name": "c", "type": "Linear", "options": {"in_features": 126000, "out_features": 1}}
            ],
            "nodes": [
                {"id": 1, "input": "x", "features": 10, "pos": [0, 0]},
                {"id": 2, "call": "a", "pos": [100, 0]},
                {"id": 3, "call": "b", "pos": [200, 0]},
                {"id": 4, "call": "c", "pos": [300, 0]},
                {"id": 5, "output": "y", "pos": [400, 0]}
            ],
            "wires": [{"from": [1, 0], "to": [2, 0]}, {"from": [2, 0], "to": [3, 0]},
                      {"from": [3, 0], "to": [4, 0]}, {"from": [4, 0], "to": [5, 0]}]
        }],
        "training": {"loss": "mse"}
    })";
    const ProjectData project = ProjectFile::fromBytes(json);
    Trainer trainer;
    QString error;
    QVERIFY(!trainer.setup(project, settingsFor(project), binaryData(8), &error));
    qInfo().noquote() << error;
    QVERIFY2(error.startsWith(QStringLiteral("The model cannot be built: ")) ||
                 error.startsWith(QStringLiteral("The model's weights do not fit in memory")),
             qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("memory")), qPrintable(error));
    QCOMPARE(trainer.state(), Trainer::State::Idle);
    // The same trainer can be set up again with a model that fits.
    const ProjectData small = encoderDecoder(5);
    QVERIFY2(trainer.setup(small, settingsFor(small), binaryData(8), &error), qPrintable(error));
}

void tst_Reliability::batchTooLargeEndsRunCleanly()
{
    // Weights that fit (10 x 1e6 floats, 40 MB) but one batch of 100,000 rows
    // whose hidden layer needs 1e5 x 1e6 floats, 400 GB: the first forward
    // fails. The run ends with a message and the weights it started from.
    const ProjectData project = encoderDecoder(1e6);
    TrainingSettings s = settingsFor(project);
    s.batchSize = 100000;
    s.epochs = 1;
    Trainer trainer;
    QString error;
    QVERIFY2(trainer.setup(project, s, binaryData(100000), &error), qPrintable(error));
    const auto before = copies(*trainer.module());
    const TrainingResult r = runToEnd(trainer);
    qInfo().noquote() << r.message;
    QCOMPARE(r.outcome, TrainingResult::Outcome::Failed);
    QVERIFY2(r.message.startsWith(QStringLiteral("Training failed in epoch 1 at step 1: ")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QStringLiteral("memory")), qPrintable(r.message));
    QCOMPARE(r.steps, qint64(0));
    QVERIFY(sameTensors(before, copies(*trainer.module())));
    QCOMPARE(trainer.state(), Trainer::State::Finished);
}

void tst_Reliability::nonFiniteInputStopsFirstStep_data()
{
    QTest::addColumn<float>("value");
    QTest::addRow("nan") << std::numeric_limits<float>::quiet_NaN();
    QTest::addRow("infinity") << std::numeric_limits<float>::infinity();
    QTest::addRow("minus_infinity") << -std::numeric_limits<float>::infinity();
}

void tst_Reliability::nonFiniteInputStopsFirstStep()
{
    // One bad value in the first batch spoils the loss (NaN) or the gradients
    // (an infinite input saturates the sigmoid: a finite loss, NaN gradients)
    // of step 0: the run ends with a sentence and the weights it started from.
    QFETCH(float, value);
    const ProjectData project = encoderDecoder(5);
    TrainingSettings s = settingsFor(project);
    s.loss = TrainingSettings::Loss::Mse; // BCE refuses a NaN probability with an error instead
    s.gradientClipNorm = 1.0;              // so that a non-finite gradient is caught before the step
    Dataset data = binaryData(32);
    torch::Tensor x = data.inputs().clone();
    x[0][3] = value;
    data = Dataset(x, data.targets());
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, data));
    const auto before = copies(*trainer.module());
    const TrainingResult r = runToEnd(trainer);
    QCOMPARE(r.outcome, TrainingResult::Outcome::Failed);
    QVERIFY2(r.message.startsWith(QStringLiteral("The loss became ")) ||
                 r.message.startsWith(QStringLiteral("The gradient norm became ")),
             qPrintable(r.message));
    QVERIFY2(r.message.contains(QStringLiteral(" at epoch 0, step 0; training stopped")), qPrintable(r.message));
    QCOMPARE(r.steps, qint64(0));
    QVERIFY(sameTensors(before, copies(*trainer.module())));
}

void tst_Reliability::stopBeforeFirstStep()
{
    const ProjectData project = encoderDecoder(5);
    Trainer trainer;
    QVERIFY(trainer.setup(project, settingsFor(project), binaryData(32)));
    const auto before = copies(*trainer.module());
    trainer.stop(); // before run(): the run takes no step
    const TrainingResult r = runToEnd(trainer);
    QCOMPARE(r.outcome, TrainingResult::Outcome::Stopped);
    QCOMPARE(r.message, QStringLiteral("Stopped in epoch 1 after 0 step(s)."));
    QCOMPARE(r.steps, qint64(0));
    QVERIFY(sameTensors(before, copies(*trainer.module())));
    QCOMPARE(trainer.state(), Trainer::State::Finished);
}

void tst_Reliability::stopDuringFirstStep()
{
    // A first step that takes a while (a wide hidden layer and one batch of
    // 4,096 rows), stopped as soon as the thread runs: the step in flight
    // ends, no other starts, and the result says where it stopped.
    const ProjectData project = encoderDecoder(20000);
    TrainingSettings s = settingsFor(project);
    s.batchSize = 4096;
    s.epochs = 1000000;
    auto *trainer = new Trainer;
    QVERIFY(trainer->setup(project, s, binaryData(4096)));
    QThread thread;
    trainer->moveToThread(&thread);
    TrainingResult result;
    int finishedCount = 0;
    QObject receiver;
    connect(&thread, &QThread::started, trainer, &Trainer::run);
    connect(trainer, &Trainer::finished, &receiver, [&](const TrainingResult &r) {
        result = r;
        ++finishedCount;
    });
    connect(trainer, &Trainer::finished, &thread, &QThread::quit, Qt::DirectConnection); // quit is thread-safe
    thread.start();
    trainer->stop();
    QVERIFY(thread.wait(60000));
    QTRY_COMPARE(finishedCount, 1); // delivered to this thread
    QCOMPARE(result.outcome, TrainingResult::Outcome::Stopped);
    QCOMPARE(result.message, QStringLiteral("Stopped in epoch %1 after %2 step(s).").arg(result.epochs + 1).arg(result.steps));
    QCOMPARE(trainer->stepsDone(), result.steps);
    for (const torch::Tensor &p : trainer->module()->parameters())
        QVERIFY(torch::isfinite(p).all().item<bool>());
    delete trainer;
}

void tst_Reliability::csvPathRelativeToProject()
{
    // training.data.path is read from the project's folder, whatever the
    // working folder; an absolute path is kept as it is.
    QTemporaryDir projectDir;
    QTemporaryDir elsewhere;
    QVERIFY(projectDir.isValid() && elsewhere.isValid());
    QVERIFY(QDir(projectDir.path()).mkdir(QStringLiteral("data")));
    QByteArray csv("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,y\n");
    for (int row = 0; row < 3; ++row)
        csv += "0,1,2,3,4,5,6,7,8,9," + QByteArray::number(row % 2) + "\n";
    QFile file(projectDir.filePath(QStringLiteral("data/d.csv")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(csv);
    file.close();

    const ProjectData project = encoderDecoder(5);
    TrainingSettings s = settingsFor(project);
    s.data.kind = DataSettings::Kind::Csv;
    s.data.path = QStringLiteral("data/d.csv");
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(elsewhere.path()));
    const Dataset d = Dataset::forProject(project, s, projectDir.path());
    QCOMPARE(d.size(), int64_t(3));
    QVERIFY(d.description().startsWith(QStringLiteral("d.csv: 3 rows")));
    // Not found next to the working folder, and said so with the full path.
    QString message;
    try {
        Dataset::forProject(project, s, elsewhere.path());
    } catch (const DataError &e) {
        message = e.message();
    }
    QCOMPARE(message, QStringLiteral("The data file %1 does not exist.")
                          .arg(QDir(elsewhere.path()).filePath(QStringLiteral("data/d.csv"))));
    // An absolute path ignores the project's folder.
    s.data.path = projectDir.filePath(QStringLiteral("data/d.csv"));
    QCOMPARE(Dataset::forProject(project, s, elsewhere.path()).size(), int64_t(3));
    QVERIFY(QDir::setCurrent(before));
}

QTEST_GUILESS_MAIN(tst_Reliability)
#include "tst_reliability.moc"
