#include "analysis/Analysis.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "TensorTestUtil.h"
#include "training/Trainer.h"

#include <QSignalSpy>
#include <QThread>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace mc;

namespace {

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

/// Encoder-decoder with a Dropout after the encoder's ReLU:
/// x -> fc -> relu -> drop -> y, so that runs draw from LibTorch's generator.
ProjectData withDropout()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    ModuleType &encoder = *p.type(QStringLiteral("Encoder"));
    Instance drop;
    drop.name = QStringLiteral("drop");
    drop.type = QStringLiteral("Dropout");
    drop.options.insert(QStringLiteral("p"), OptionValue::constant(0.5));
    encoder.instances.append(drop);
    Node node;
    node.id = 5;
    node.kind = NodeKind::Call;
    node.name = QStringLiteral("drop");
    encoder.nodes.append(node);
    for (Wire &w : encoder.wires)
        if (w.from.node == 3)
            w.to = PortRef{5, 0};
    encoder.wires.append(Wire{PortRef{5, 0}, PortRef{4, 0}});
    Q_ASSERT(!Analysis(p).hasErrors());
    return p;
}

/// Settings for quick runs: whole data in order, Adam.
TrainingSettings settingsFor(const ProjectData &project)
{
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    s.limitTrainBatches = 0;
    return s;
}

torch::Tensor parameter(const torch::nn::Module &m, const char *name)
{
    return m.named_parameters()[name].detach().clone();
}

double meanLoss(const std::vector<LossPoint> &losses, qint32 epoch)
{
    double sum = 0;
    int n = 0;
    for (const LossPoint &p : losses)
        if (p.epoch == epoch) {
            sum += p.loss;
            ++n;
        }
    return n ? sum / n : std::nan("");
}

/// Runs to the end in this thread and returns the result.
TrainingResult runToEnd(Trainer &trainer)
{
    TrainingResult result;
    QObject::connect(&trainer, &Trainer::finished, [&](const TrainingResult &r) { result = r; });
    trainer.run();
    return result;
}

/// Lives in the test's thread; the trainer's signals reach it queued, so that
/// QSignalSpy (which is not thread-safe) watches it instead of the trainer.
class Relay : public QObject
{
    Q_OBJECT
Q_SIGNALS:
    void progress(const TrainingProgress &progress);
    void paused(qint64 step);
    void resumed(qint64 step);
    void finished(const TrainingResult &result);
};

} // namespace

Q_DECLARE_METATYPE(TrainingSettings::Optimizer)
Q_DECLARE_METATYPE(DataSettings::Kind)

class tst_Trainer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void imagesFromCsvColumns();
    void lossesFall_data();
    void lossesFall();
    void optimizersLearn_data();
    void optimizersLearn();
    void sameSeedSameLosses();
    void batchesInFileOrderWithoutShuffle();
    void progressIsBatchedNotPerStep();
    void pauseResumeStopFromAnotherThread();
    void stopWhilePaused();
    void nanLossKeepsLastGoodWeights();
    void explodingWeightsAreRestored();
    void runtimeErrorEndsRunWithMessage();
    void frozenParametersDoNotChange();
    void sharedParametersGetSumOfGradients();
    void gradientClippingBoundsTheStep();
    void validationAndEarlyStopping();
    void earlyStoppingKeepsTheBestEpochsWeights();
    void schedules();
    void setupErrors_data();
    void setupErrors();
    void runWithoutSetup();
};

void tst_Trainer::imagesFromCsvColumns()
{
    // x [1, 3, 4] -> conv (2 channels, kernel 2) -> flatten -> fc -> y [1]:
    // a CSV's 12 chosen columns fill the input's shape in row-major order.
    const QByteArray json = R"({"format": "modelcomposer-project", "version": 2, "root": "Tiny", "types": [
        {"name": "Tiny",
         "instances": [{"name": "conv", "type": "Conv2d", "options": {"out_channels": 2, "kernel_size": 2}},
                       {"name": "flatten", "type": "Flatten"},
                       {"name": "fc", "type": "Linear", "options": {"out_features": 1}}],
         "nodes": [{"id": 1, "input": "x", "shape": [1, 3, 4]}, {"id": 2, "call": "conv"},
                   {"id": 3, "call": "flatten"}, {"id": 4, "call": "fc"}, {"id": 5, "output": "y"}],
         "wires": [{"from": [1, 0], "to": [2, 0]}, {"from": [2, 0], "to": [3, 0]},
                   {"from": [3, 0], "to": [4, 0]}, {"from": [4, 0], "to": [5, 0]}]}]})";
    const ProjectData project = ProjectFile::fromBytes(json);
    QTemporaryDir dir;
    QFile csv(dir.filePath(QStringLiteral("pixels.csv")));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    QStringList header;
    for (int k = 0; k < 12; ++k)
        header.append(QStringLiteral("p%1").arg(k));
    header.append(QStringLiteral("target"));
    csv.write(header.join(QLatin1Char(',')).toUtf8() + '\n');
    for (int r = 0; r < 40; ++r) {
        QStringList row;
        for (int k = 0; k < 12; ++k)
            row.append(QString::number((r * 7 + k * 3) % 11 / 10.0));
        row.append(QString::number(r % 3));
        csv.write(row.join(QLatin1Char(',')).toUtf8() + '\n');
    }
    csv.close();
    TrainingSettings s;
    s.loss = TrainingSettings::Loss::Mse;
    s.epochs = 2;
    s.batchSize = 8;
    s.data.kind = DataSettings::Kind::Csv;
    s.data.path = csv.fileName();
    s.shuffle = false;
    s.seed = 5;
    const Dataset data = Dataset::forProject(project, s);
    QCOMPARE(data.inputs().size(1), 12);
    Trainer trainer;
    QString error;
    QVERIFY2(trainer.setup(project, s, data, &error), qPrintable(error));
    const TrainingResult r = runToEnd(trainer);
    QVERIFY2(r.ok(), qPrintable(r.message));
    QCOMPARE(r.steps, qint64(10));

    // The first step's loss is the initial model's on rows 0-7, each laid out
    // by hand: column p(4h + w) is pixel (h, w). Laid out column by column
    // instead, the same rows give another loss, so the order is what is seen.
    ComposedModule reference = ModelBuilder::build(project, s.seed);
    torch::NoGradGuard noGrad;
    const torch::Tensor rows = data.inputs().narrow(0, 0, 8);
    torch::Tensor byRow = torch::empty({8, 1, 3, 4}), byColumn = torch::empty({8, 1, 3, 4});
    for (int64_t r = 0; r < 8; ++r)
        for (int64_t h = 0; h < 3; ++h)
            for (int64_t w = 0; w < 4; ++w) {
                byRow[r][0][h][w] = rows[r][h * 4 + w];
                byColumn[r][0][h][w] = rows[r][w * 3 + h];
            }
    const torch::Tensor y = data.targets().narrow(0, 0, 8);
    const float expected = torch::mse_loss(reference->forward(byRow), y).item<float>();
    QCOMPARE(trainer.losses().front().loss, expected);
    QVERIFY(std::abs(torch::mse_loss(reference->forward(byColumn), y).item<float>() - expected) > 1e-4f);

    // Eleven columns do not fill [1, 3, 4]: the reader says so, and so does
    // the trainer for rows of another source.
    s.data.inputs = header.mid(0, 11);
    s.data.targets = {QStringLiteral("target")};
    try {
        Dataset::forProject(project, s);
        QFAIL("eleven columns were taken for an input of twelve values");
    } catch (const DataError &e) {
        QCOMPARE(e.message(), QStringLiteral("pixels.csv: 11 input and 1 target column(s) are chosen; the model needs 12 and 1."));
    }
    const Dataset eleven(torch::rand({8, 11}), torch::rand({8, 1}));
    Trainer refused;
    QVERIFY(!refused.setup(project, s, eleven, &error));
    QCOMPARE(error, QStringLiteral("The data has 11 input value(s) per row; the model's input takes 12 (shape [1, 3, 4])."));
}

void tst_Trainer::lossesFall_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<DataSettings::Kind>("kind");
    for (const char *file : {"encoder-decoder.mcproj", "configurable-blocks.mcproj", "shared-block.mcproj"}) {
        QTest::addRow("%s_blobs", file) << QString::fromLatin1(file) << DataSettings::Kind::Blobs;
        QTest::addRow("%s_teacher", file) << QString::fromLatin1(file) << DataSettings::Kind::Teacher;
    }
}

void tst_Trainer::lossesFall()
{
    // Each example with its own loss (BCE after a Sigmoid, MSE for the shared block).
    QFETCH(QString, file);
    QFETCH(DataSettings::Kind, kind);
    const ProjectData project = example(file);
    TrainingSettings s = settingsFor(project);
    s.data.kind = kind;
    s.data.samples = 256;
    s.batchSize = 32;
    s.epochs = 15;
    s.learningRate = 0.01;
    const Dataset data = Dataset::forProject(project, s);
    Trainer trainer;
    QString error;
    QVERIFY2(trainer.setup(project, s, data, &error), qPrintable(error));
    const TrainingResult r = runToEnd(trainer);
    QVERIFY2(r.ok(), qPrintable(r.message));
    QCOMPARE(r.outcome, TrainingResult::Outcome::Completed);
    QCOMPARE(r.steps, qint64(15 * 8));
    const double first = meanLoss(trainer.losses(), 0);
    const double last = meanLoss(trainer.losses(), 14);
    QVERIFY2(last < 0.75 * first, qPrintable(QStringLiteral("first epoch %1, last %2").arg(first).arg(last)));
    QCOMPARE(trainer.epochs().size(), 15);
    QCOMPARE(trainer.epochs().last().trainLoss, last);
}

void tst_Trainer::optimizersLearn_data()
{
    QTest::addColumn<TrainingSettings::Optimizer>("optimizer");
    QTest::addColumn<double>("lr");
    QTest::addColumn<bool>("nesterov");
    QTest::addRow("adam") << TrainingSettings::Optimizer::Adam << 0.01 << false;
    QTest::addRow("adamw") << TrainingSettings::Optimizer::AdamW << 0.01 << false;
    QTest::addRow("sgd_momentum") << TrainingSettings::Optimizer::Sgd << 0.05 << false;
    QTest::addRow("sgd_nesterov") << TrainingSettings::Optimizer::Sgd << 0.05 << true;
    QTest::addRow("rmsprop") << TrainingSettings::Optimizer::RmsProp << 0.002 << false;
}

void tst_Trainer::optimizersLearn()
{
    QFETCH(TrainingSettings::Optimizer, optimizer);
    QFETCH(double, lr);
    QFETCH(bool, nesterov);
    const ProjectData project = example(QStringLiteral("shared-block.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.optimizer = optimizer;
    s.learningRate = lr;
    s.nesterov = nesterov;
    s.weightDecay = 1e-4;
    s.data.kind = DataSettings::Kind::Blobs;
    s.data.samples = 256;
    s.batchSize = 32;
    s.epochs = 10;
    Trainer trainer;
    QString error;
    QVERIFY2(trainer.setup(project, s, Dataset::forProject(project, s), &error), qPrintable(error));
    const TrainingResult r = runToEnd(trainer);
    QVERIFY2(r.ok(), qPrintable(r.message));
    const double first = meanLoss(trainer.losses(), 0);
    const double last = meanLoss(trainer.losses(), 9);
    QVERIFY2(last < 0.75 * first, qPrintable(QStringLiteral("first epoch %1, last %2").arg(first).arg(last)));
}

void tst_Trainer::sameSeedSameLosses()
{
    // Shuffled batches, a validation split and dropout: all fixed by the seed.
    const ProjectData project = withDropout();
    TrainingSettings s = settingsFor(project);
    s.data.kind = DataSettings::Kind::Blobs;
    s.data.samples = 100;
    s.validationSplit = 0.2;
    s.epochs = 4;
    s.seed = 42;
    auto train = [&](const TrainingSettings &settings) {
        Trainer trainer;
        [&] { QVERIFY(trainer.setup(project, settings, Dataset::forProject(project, settings))); }();
        torch::rand({100}); // other users of the global generator between setup and run change nothing
        runToEnd(trainer);
        return std::make_pair(trainer.losses(), trainer.epochs());
    };
    const auto a = train(s);
    const auto b = train(s);
    QCOMPARE(a.first.size(), size_t(4 * 5));
    QVERIFY(a.first == b.first);
    for (int k = 0; k < 4; ++k)
        QCOMPARE(a.second.at(k).valLoss, b.second.at(k).valLoss);
    s.seed = 43;
    const auto c = train(s);
    QVERIFY(!(a.first == c.first));
}

void tst_Trainer::batchesInFileOrderWithoutShuffle()
{
    // With a vanishing learning rate the weights stay put, so each step's loss
    // is the initial model's loss on rows k*B .. (k+1)*B-1.
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.momentum = 0;
    s.learningRate = 1e-30;
    s.shuffle = false;
    s.batchSize = 6;
    s.epochs = 2;
    s.limitTrainBatches = 4;
    s.seed = 3;
    const Dataset data = Dataset::randomBinary(40, 10, 1, false, 9);
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, data));
    QCOMPARE(trainer.batchesPerEpoch(), qint64(4));
    const TrainingResult r = runToEnd(trainer);
    QVERIFY2(r.ok(), qPrintable(r.message));
    QCOMPARE(trainer.losses().size(), size_t(8));
    ComposedModule reference = ModelBuilder::build(project, s.seed);
    torch::NoGradGuard noGrad;
    for (const LossPoint &p : trainer.losses()) {
        const int64_t k = p.step % 4;
        const torch::Tensor x = data.inputs().narrow(0, k * 6, 6);
        const torch::Tensor y = data.targets().narrow(0, k * 6, 6);
        const float expected = torch::binary_cross_entropy(reference->forward(x), y).item<float>();
        QCOMPARE(p.loss, expected);
        QCOMPARE(p.epoch, qint32(p.step / 4));
    }
    // The last batch of an epoch may be short: 40 rows in batches of 16 -> 16, 16, 8.
    s.batchSize = 16;
    s.limitTrainBatches = 0;
    Trainer shortLast;
    QVERIFY(shortLast.setup(project, s, data));
    QCOMPARE(shortLast.batchesPerEpoch(), qint64(3));
    const TrainingResult shortResult = runToEnd(shortLast);
    QVERIFY2(shortResult.ok(), qPrintable(shortResult.message));
    const torch::Tensor x = data.inputs().narrow(0, 32, 8);
    const torch::Tensor y = data.targets().narrow(0, 32, 8);
    QCOMPARE(shortLast.losses().at(2).loss, torch::binary_cross_entropy(reference->forward(x), y).item<float>());
}

void tst_Trainer::progressIsBatchedNotPerStep()
{
    // With a long interval a 100-step run reports once, at the end, with all
    // 100 loss points and both epochs.
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.data.samples = 800;
    s.epochs = 2;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    trainer.setProgressInterval(3600 * 1000);
    QSignalSpy spy(&trainer, &Trainer::progress);
    runToEnd(trainer);
    QCOMPARE(spy.count(), 1);
    const auto p = spy.at(0).at(0).value<TrainingProgress>();
    QCOMPARE(p.losses.size(), 100);
    QCOMPARE(p.losses.first().step, qint64(0));
    QCOMPARE(p.losses.last().step, qint64(99));
    QCOMPARE(p.losses.at(60).epoch, qint32(1));
    QCOMPARE(p.epochs.size(), 2);
    QCOMPARE(p.epochs.at(0).endStep, qint64(50));
    QCOMPARE(p.step, qint64(100));
    QCOMPARE(p.totalSteps, qint64(100));
    QVERIFY(p.epochs.at(1).samplesPerSecond > 0);
}

void tst_Trainer::pauseResumeStopFromAnotherThread()
{
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.epochs = 1000000; // runs until stopped
    s.data.samples = 64;
    auto *trainer = new Trainer;
    QVERIFY(trainer->setup(project, s, Dataset::forProject(project, s)));
    QThread thread;
    trainer->moveToThread(&thread);
    Relay relay;
    connect(&thread, &QThread::started, trainer, &Trainer::run);
    connect(trainer, &Trainer::finished, &thread, &QThread::quit);
    connect(&thread, &QThread::finished, trainer, &QObject::deleteLater);
    connect(trainer, &Trainer::progress, &relay, &Relay::progress);
    connect(trainer, &Trainer::paused, &relay, &Relay::paused);
    connect(trainer, &Trainer::resumed, &relay, &Relay::resumed);
    connect(trainer, &Trainer::finished, &relay, &Relay::finished);
    QSignalSpy progress(&relay, &Relay::progress);
    QSignalSpy paused(&relay, &Relay::paused);
    QSignalSpy resumed(&relay, &Relay::resumed);
    QSignalSpy finished(&relay, &Relay::finished);
    thread.start();

    QVERIFY(progress.wait(10000));
    const qint64 before = trainer->stepsDone();
    trainer->pause();
    QVERIFY(paused.wait(10000));
    const qint64 pausedAt = paused.at(0).at(0).toLongLong();
    QVERIFY2(pausedAt >= before && pausedAt <= before + 1,
             qPrintable(QStringLiteral("pause asked after %1 steps, took effect after %2").arg(before).arg(pausedAt)));
    QCOMPARE(trainer->state(), Trainer::State::Paused);
    QTest::qWait(50);
    QCOMPARE(trainer->stepsDone(), pausedAt); // no step while paused
    QCOMPARE(resumed.count(), 0);

    trainer->resume();
    QVERIFY(resumed.wait(10000));
    QCOMPARE(resumed.at(0).at(0).toLongLong(), pausedAt);
    progress.clear();
    QVERIFY(progress.wait(10000));
    const qint64 beforeStop = trainer->stepsDone();
    QVERIFY(beforeStop > pausedAt);
    trainer->stop();
    QVERIFY(finished.wait(10000));
    QVERIFY(thread.wait(10000));
    const auto result = finished.at(0).at(0).value<TrainingResult>();
    QCOMPARE(result.outcome, TrainingResult::Outcome::Stopped);
    QVERIFY2(result.steps >= beforeStop && result.steps <= beforeStop + 1,
             qPrintable(QStringLiteral("stop asked after %1 steps, took effect after %2").arg(beforeStop).arg(result.steps)));
    QCOMPARE(paused.count(), 1);
    QCOMPARE(resumed.count(), 1);
}

void tst_Trainer::stopWhilePaused()
{
    const ProjectData project = example(QStringLiteral("shared-block.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.epochs = 1000000;
    auto *trainer = new Trainer;
    QVERIFY(trainer->setup(project, s, Dataset::forProject(project, s)));
    QThread thread;
    trainer->moveToThread(&thread);
    Relay relay;
    connect(&thread, &QThread::started, trainer, &Trainer::run);
    connect(trainer, &Trainer::finished, &thread, &QThread::quit);
    connect(&thread, &QThread::finished, trainer, &QObject::deleteLater);
    connect(trainer, &Trainer::progress, &relay, &Relay::progress);
    connect(trainer, &Trainer::paused, &relay, &Relay::paused);
    connect(trainer, &Trainer::finished, &relay, &Relay::finished);
    QSignalSpy progress(&relay, &Relay::progress);
    QSignalSpy paused(&relay, &Relay::paused);
    QSignalSpy finished(&relay, &Relay::finished);
    thread.start();
    QVERIFY(progress.wait(10000));
    trainer->pause();
    QVERIFY(paused.wait(10000));
    const qint64 pausedAt = paused.at(0).at(0).toLongLong();
    trainer->stop();
    QVERIFY(finished.wait(10000));
    QVERIFY(thread.wait(10000));
    const auto result = finished.at(0).at(0).value<TrainingResult>();
    QCOMPARE(result.outcome, TrainingResult::Outcome::Stopped);
    QCOMPARE(result.steps, pausedAt);

    // The loss points of all progress signals are every step, once, in order.
    qint64 next = 0;
    for (const QList<QVariant> &args : progress) {
        for (const LossPoint &p : args.at(0).value<TrainingProgress>().losses)
            QCOMPARE(p.step, next++);
    }
    QCOMPARE(next, pausedAt);
}

void tst_Trainer::nanLossKeepsLastGoodWeights()
{
    // Row 9 is NaN: batch 2 of 4-row batches in file order has a NaN loss
    // (MSE: BCE would refuse the NaN probability with an error instead).
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.loss = TrainingSettings::Loss::Mse;
    s.shuffle = false;
    s.batchSize = 4;
    s.epochs = 3;
    const Dataset clean = Dataset::randomBinary(16, 10, 1, false, 1);
    torch::Tensor poisoned = clean.inputs().clone();
    poisoned[9][3] = std::nanf("");
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset(poisoned, clean.targets())));
    const TrainingResult r = runToEnd(trainer);
    QCOMPARE(r.outcome, TrainingResult::Outcome::Failed);
    QVERIFY2(r.message.contains(QStringLiteral("loss became NaN at epoch 0, step 2")), qPrintable(r.message));
    QCOMPARE(r.steps, qint64(2));
    QCOMPARE(trainer.losses().size(), size_t(2));

    // The weights are those after two good steps, as a clean run stopped there has them.
    Trainer reference;
    QVERIFY(reference.setup(project, s, clean));
    reference.setStepLimit(2);
    QCOMPARE(runToEnd(reference).outcome, TrainingResult::Outcome::Stopped);
    QVERIFY(sameTensors(copies(*trainer.module()), copies(*reference.module())));
    QVERIFY(!sameTensors(copies(*trainer.module()), copies(*ModelBuilder::build(project, s.seed))));
}

void tst_Trainer::explodingWeightsAreRestored()
{
    // An absurd learning rate turns the weights infinite; the next loss is not
    // finite and the run ends with finite weights.
    const ProjectData project = example(QStringLiteral("shared-block.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.momentum = 0;
    s.learningRate = 1e3;
    s.epochs = 50;
    s.data.kind = DataSettings::Kind::Teacher;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    const TrainingResult r = runToEnd(trainer);
    QCOMPARE(r.outcome, TrainingResult::Outcome::Failed);
    QVERIFY2(r.message.contains(QStringLiteral("became")), qPrintable(r.message));
    for (const auto &p : trainer.module()->parameters())
        QVERIFY(torch::isfinite(p).all().item<bool>());
}

void tst_Trainer::runtimeErrorEndsRunWithMessage()
{
    // Class index 7 for a model with 1 output: LibTorch refuses at run time.
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.loss = TrainingSettings::Loss::CrossEntropy;
    const Dataset data(torch::randn({8, 10}), torch::full({8}, 7, torch::kInt64));
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, data));
    const auto before = copies(*trainer.module());
    QSignalSpy finished(&trainer, &Trainer::finished);
    trainer.run(); // no exception escapes
    QCOMPARE(finished.count(), 1);
    const auto r = finished.at(0).at(0).value<TrainingResult>();
    QCOMPARE(r.outcome, TrainingResult::Outcome::Failed);
    QVERIFY2(r.message.startsWith(QStringLiteral("Training failed in epoch 1 at step 1: ")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QStringLiteral("out of bounds")), qPrintable(r.message));
    QVERIFY(sameTensors(before, copies(*trainer.module())));
    QCOMPARE(trainer.state(), Trainer::State::Finished);
}

void tst_Trainer::frozenParametersDoNotChange()
{
    // x -> encoder (frozen) -> decoder -> y
    ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    project.type(project.root)->instance(QStringLiteral("encoder"))->frozen = true;
    TrainingSettings s = settingsFor(project);
    s.optimizer = TrainingSettings::Optimizer::AdamW;
    s.weightDecay = 0.1; // would move frozen weights if the optimizer held them
    s.learningRate = 0.01;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    QCOMPARE(trainer.optimizedParameterCount(), qint64(6)); // decoder.fc: 5 weights + 1 bias
    const torch::Tensor encoderBefore = parameter(*trainer.module(), "encoder.fc.weight");
    const torch::Tensor decoderBefore = parameter(*trainer.module(), "decoder.fc.weight");
    QVERIFY(runToEnd(trainer).ok());
    QVERIFY(torch::equal(parameter(*trainer.module(), "encoder.fc.weight"), encoderBefore));
    QVERIFY(!torch::equal(parameter(*trainer.module(), "decoder.fc.weight"), decoderBefore));

    // Every parameter frozen: nothing to train, said before the run.
    project.type(project.root)->instance(QStringLiteral("decoder"))->frozen = true;
    Trainer none;
    QString error;
    QVERIFY(!none.setup(project, s, Dataset::forProject(project, s), &error));
    QCOMPARE(error, QStringLiteral("Every parameter of the model is frozen; there is nothing to train."));
}

void tst_Trainer::sharedParametersGetSumOfGradients()
{
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    // One SGD step (no momentum) over the whole batch moves shared_module.fc by
    // lr times the sum of the gradients at both call sites, computed by hand.
    const ProjectData project = example(QStringLiteral("shared-block.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.momentum = 0;
    s.learningRate = 0.1;
    s.batchSize = 32;
    s.epochs = 1;
    s.shuffle = false;
    const Dataset data = Dataset::forProject(project, s);
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, data));
    const auto &m = *trainer.module();
    const torch::Tensor w = parameter(m, "shared_module.fc.weight"), b = parameter(m, "shared_module.fc.bias");
    const torch::Tensor w1 = parameter(m, "fc1.weight"), b1 = parameter(m, "fc1.bias");
    const torch::Tensor w2 = parameter(m, "fc2.weight"), b2 = parameter(m, "fc2.bias");
    QCOMPARE(runToEnd(trainer).steps, qint64(1));

    const torch::Tensor x = data.inputs().to(torch::kFloat64), t = data.targets().to(torch::kFloat64);
    auto d = [](const torch::Tensor &v) { return v.to(torch::kFloat64); };
    const torch::Tensor h1 = x.matmul(d(w1).t()) + d(b1), h2 = x.matmul(d(w2).t()) + d(b2);
    const torch::Tensor z1 = h1.matmul(d(w).t()) + d(b), z2 = h2.matmul(d(w).t()) + d(b);
    const torch::Tensor y = torch::relu(z1) + torch::relu(z2);
    const torch::Tensor dy = 2.0 * (y - t) / double(y.numel()); // d mean((y - t)^2) / dy
    const torch::Tensor dz1 = dy * (z1 > 0).to(torch::kFloat64), dz2 = dy * (z2 > 0).to(torch::kFloat64);
    const torch::Tensor gradW1 = dz1.t().matmul(h1), gradW2 = dz2.t().matmul(h2);
    const torch::Tensor gradW = gradW1 + gradW2;
    const torch::Tensor gradB = dz1.sum(0) + dz2.sum(0);

    const torch::Tensor wAfter = d(parameter(m, "shared_module.fc.weight"));
    const torch::Tensor bAfter = d(parameter(m, "shared_module.fc.bias"));
    QVERIFY(torch::allclose(wAfter, d(w) - 0.1 * gradW, 0, 1e-6));
    QVERIFY(torch::allclose(bAfter, d(b) - 0.1 * gradB, 0, 1e-6));
    // Either call site alone would be visibly wrong.
    QVERIFY(!torch::allclose(wAfter, d(w) - 0.1 * gradW1, 0, 1e-4));
    QVERIFY(!torch::allclose(wAfter, d(w) - 0.1 * gradW2, 0, 1e-4));
}

void tst_Trainer::gradientClippingBoundsTheStep()
{
    // SGD without momentum: a step moves the weights by lr * clipped gradient,
    // whose norm is at most the clip norm.
    const ProjectData project = example(QStringLiteral("shared-block.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.momentum = 0;
    s.learningRate = 1.0;
    s.gradientClipNorm = 1e-3;
    s.epochs = 1;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    trainer.setStepLimit(1);
    const auto before = copies(*trainer.module());
    runToEnd(trainer);
    const auto after = copies(*trainer.module());
    double squared = 0;
    for (size_t k = 0; k < before.size(); ++k)
        squared += (after[k] - before[k]).to(torch::kFloat64).pow(2).sum().item<double>();
    QVERIFY2(std::sqrt(squared) <= 1e-3 * 1.001, qPrintable(QString::number(std::sqrt(squared))));
    QVERIFY(std::sqrt(squared) > 1e-4); // it did move
}

void tst_Trainer::validationAndEarlyStopping()
{
    // A vanishing learning rate keeps the validation loss flat: with patience 2
    // the run stops after the third epoch.
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.momentum = 0;
    s.learningRate = 1e-30;
    s.data.samples = 40;
    s.validationSplit = 0.25;
    s.earlyStoppingPatience = 2;
    s.epochs = 10;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    QCOMPARE(trainer.trainRows(), qint64(30));
    QCOMPARE(trainer.validationRows(), qint64(10));
    QCOMPARE(trainer.batchesPerEpoch(), qint64(2));
    const TrainingResult r = runToEnd(trainer);
    QCOMPARE(r.outcome, TrainingResult::Outcome::EarlyStopped);
    QCOMPARE(r.epochs, qint32(3));
    QVERIFY2(r.message.contains(QStringLiteral("validation loss has not improved")), qPrintable(r.message));
    QCOMPARE(trainer.epochs().size(), 3);
    for (const EpochPoint &e : trainer.epochs())
        QVERIFY(e.hasValLoss());
    QCOMPARE(r.lastValLoss, trainer.epochs().last().valLoss);

    // Without a split there is no validation loss, and early stopping is refused.
    s.validationSplit = 0;
    Trainer noSplit;
    QString error;
    QVERIFY(!noSplit.setup(project, s, Dataset::forProject(project, s), &error));
    QVERIFY(error.contains(QStringLiteral("validation split")));
    s.earlyStoppingPatience = 0;
    s.epochs = 1;
    QVERIFY(noSplit.setup(project, s, Dataset::forProject(project, s)));
    runToEnd(noSplit);
    QVERIFY(!noSplit.epochs().first().hasValLoss());
}

void tst_Trainer::earlyStoppingKeepsTheBestEpochsWeights()
{
    // The conv autoencoder (BatchNorm: running statistics are buffers) on
    // few rows with a large step: the validation loss reaches a low point and
    // rises, and early stopping ends the run a few epochs later. The model
    // then holds the weights and buffers of the low point: those of the same
    // run stopped right after that epoch.
    const ProjectData project = example(QStringLiteral("conv-autoencoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.data.samples = 48;
    s.batchSize = 8;
    s.validationSplit = 0.25;
    s.learningRate = 0.05;
    s.schedule.kind = ScheduleSettings::Kind::None;
    s.earlyStoppingPatience = 3;
    s.epochs = 60;
    s.threads = 1;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    const TrainingResult r = runToEnd(trainer);
    QCOMPARE(r.outcome, TrainingResult::Outcome::EarlyStopped);
    qint32 best = 0;
    for (const EpochPoint &e : trainer.epochs())
        if (e.valLoss < trainer.epochs().at(best).valLoss)
            best = e.epoch;
    QCOMPARE(r.keptEpoch, best);
    QCOMPARE(r.epochs, best + 1 + 3); // stopped three epochs after it
    QVERIFY2(r.message.endsWith(QStringLiteral("Kept the weights of epoch %1, of lowest validation loss (%2).")
                                    .arg(best + 1)
                                    .arg(trainer.epochs().at(best).valLoss)),
             qPrintable(r.message));

    auto state = [](const torch::nn::Module &m) {
        std::vector<torch::Tensor> all = copies(m);
        for (const torch::Tensor &b : m.buffers())
            all.push_back(b.detach().clone());
        return all;
    };
    TrainingSettings upToBest = s;
    upToBest.epochs = best + 1;
    upToBest.earlyStoppingPatience = 0;
    Trainer reference;
    QVERIFY(reference.setup(project, upToBest, Dataset::forProject(project, upToBest)));
    const TrainingResult referenceResult = runToEnd(reference);
    QCOMPARE(referenceResult.keptEpoch, -1); // no early stopping, nothing to keep
    QVERIFY(state(*reference.module()).size() > copies(*reference.module()).size()); // buffers too
    QVERIFY(sameTensors(state(*trainer.module()), state(*reference.module())));

    // keep_best_weights off: the last epoch's weights, which are others.
    s.keepBestWeights = false;
    Trainer last;
    QVERIFY(last.setup(project, s, Dataset::forProject(project, s)));
    const TrainingResult lastResult = runToEnd(last);
    QCOMPARE(lastResult.epochs, r.epochs);
    QCOMPARE(lastResult.keptEpoch, -1);
    QVERIFY(!lastResult.message.contains(QStringLiteral("Kept")));
    QVERIFY(!sameTensors(state(*last.module()), state(*reference.module())));
}

void tst_Trainer::schedules()
{
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.epochs = 5;
    s.learningRate = 0.1;
    s.schedule = {ScheduleSettings::Kind::Step, 2, 0.5};
    Trainer step;
    QVERIFY(step.setup(project, s, Dataset::forProject(project, s)));
    runToEnd(step);
    const double expectedStep[] = {0.1, 0.1, 0.05, 0.05, 0.025};
    for (int e = 0; e < 5; ++e)
        QCOMPARE(step.epochs().at(e).learningRate, expectedStep[e]);

    s.schedule.kind = ScheduleSettings::Kind::Cosine;
    Trainer cosine;
    QVERIFY(cosine.setup(project, s, Dataset::forProject(project, s)));
    runToEnd(cosine);
    for (int e = 0; e < 5; ++e)
        QVERIFY(std::abs(cosine.epochs().at(e).learningRate - 0.05 * (1 + std::cos(M_PI * e / 5))) < 1e-12);
    QVERIFY(cosine.epochs().at(4).learningRate < 0.01);
}

void tst_Trainer::setupErrors_data()
{
    QTest::addColumn<int>("inputs");
    QTest::addColumn<int>("targets");
    QTest::addColumn<QString>("loss");
    QTest::addColumn<QString>("message");
    QTest::addRow("input_width") << 4 << 1 << "bce" << "The data has 4 input feature(s) per row; the model takes 10.";
    QTest::addRow("target_width") << 10 << 3 << "bce" << "The data has 3 target value(s) per row; the model gives 1.";
    QTest::addRow("class_loss_with_float_targets") << 10 << 1 << "nll"
                                                   << "nll needs one class index per row as the target.";
}

void tst_Trainer::setupErrors()
{
    QFETCH(int, inputs);
    QFETCH(int, targets);
    QFETCH(QString, loss);
    QFETCH(QString, message);
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    TrainingSettings s = settingsFor(project);
    s.loss = *TrainingSettings::lossFromName(loss);
    Trainer trainer;
    QString error;
    QVERIFY(!trainer.setup(project, s, Dataset(torch::randn({8, inputs}), torch::rand({8, targets})), &error));
    QCOMPARE(error, message);
    QCOMPARE(trainer.state(), Trainer::State::Idle);
}

void tst_Trainer::runWithoutSetup()
{
    Trainer trainer;
    QSignalSpy finished(&trainer, &Trainer::finished);
    trainer.run();
    QCOMPARE(finished.count(), 1);
    const auto r = finished.at(0).at(0).value<TrainingResult>();
    QCOMPARE(r.outcome, TrainingResult::Outcome::Failed);
    QCOMPARE(r.message, QStringLiteral("The trainer is not set up for a run."));
}

QTEST_GUILESS_MAIN(tst_Trainer)
#include "tst_trainer.moc"
