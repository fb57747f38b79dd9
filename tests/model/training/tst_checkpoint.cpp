#include "analysis/Analysis.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "training/Trainer.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

namespace {

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

/// Encoder-decoder with a Dropout after the encoder's ReLU, so that a resumed
/// run must also continue LibTorch's random stream:
/// x -> fc -> relu -> drop -> y
ProjectData withDropout()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    ModuleType &encoder = *p.type(QStringLiteral("Encoder"));
    Instance drop;
    drop.name = QStringLiteral("drop");
    drop.type = QStringLiteral("Dropout");
    drop.options.insert(QStringLiteral("p"), OptionValue::constant(0.3));
    encoder.instances.append(drop);
    Node node;
    node.id = 5;
    node.name = QStringLiteral("drop");
    encoder.nodes.append(node);
    for (Wire &w : encoder.wires)
        if (w.from.node == 3)
            w.to = PortRef{5, 0};
    encoder.wires.append(Wire{PortRef{5, 0}, PortRef{4, 0}});
    Q_ASSERT(!Analysis(p).hasErrors());
    return p;
}

TrainingResult runToEnd(Trainer &trainer)
{
    TrainingResult result;
    QObject::connect(&trainer, &Trainer::finished, [&](const TrainingResult &r) { result = r; });
    trainer.run();
    return result;
}

bool sameWeights(const torch::nn::Module &a, const torch::nn::Module &b)
{
    const auto pa = a.named_parameters(), pb = b.named_parameters();
    if (pa.size() != pb.size())
        return false;
    for (const auto &p : pa)
        if (!torch::equal(p.value(), pb[p.key()]))
            return false;
    return true;
}

QString checkpointError(const std::function<void()> &f)
{
    try {
        f();
    } catch (const CheckpointError &e) {
        return e.message();
    }
    return QStringLiteral("(no error)");
}

/// A short finished run to take checkpoints from.
Checkpoint someCheckpoint(const ProjectData &project, qint64 steps = 3)
{
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    Trainer trainer;
    trainer.setup(project, s, Dataset::forProject(project, s));
    trainer.setStepLimit(steps);
    runToEnd(trainer);
    return trainer.checkpoint();
}

} // namespace

Q_DECLARE_METATYPE(TrainingSettings::Optimizer)

class tst_Checkpoint : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void resumeEqualsUninterrupted_data();
    void resumeEqualsUninterrupted();
    void resumeFromPause();
    void trainerWritesCheckpointFile();
    void roundTrip();
    void epochAccuraciesKept();
    void saveReplacesAtomically();
    void saveFailsWithReason();
    void damagedFilesRefused_data();
    void damagedFilesRefused();
    void foreignCheckpointRefused_data();
    void foreignCheckpointRefused();
    void otherOptimizerRefused();
    void editedProjectKeepsOtherInstances();
    void restoreEditedKeepsOptimizerState();
    void restoreEditedWithOtherOptimizer();
};

void tst_Checkpoint::resumeEqualsUninterrupted_data()
{
    QTest::addColumn<TrainingSettings::Optimizer>("optimizer");
    QTest::addColumn<qint64>("stopAfter");
    // 50 rows, 20% validation: 40 training rows in batches of 8 = 5 batches per epoch.
    QTest::addRow("adam_mid_epoch") << TrainingSettings::Optimizer::Adam << qint64(7);
    QTest::addRow("adam_epoch_boundary") << TrainingSettings::Optimizer::Adam << qint64(10);
    QTest::addRow("adam_first_step") << TrainingSettings::Optimizer::Adam << qint64(1);
    QTest::addRow("adamw_mid_epoch") << TrainingSettings::Optimizer::AdamW << qint64(13);
    QTest::addRow("sgd_nesterov_mid_epoch") << TrainingSettings::Optimizer::Sgd << qint64(12);
    QTest::addRow("rmsprop_mid_epoch") << TrainingSettings::Optimizer::RmsProp << qint64(4);
}

void tst_Checkpoint::resumeEqualsUninterrupted()
{
    // Shuffled batches, a validation split, dropout, a step schedule: a run
    // stopped, saved, read back and resumed gives exactly the losses and
    // weights of a run that never stopped.
    QFETCH(TrainingSettings::Optimizer, optimizer);
    QFETCH(qint64, stopAfter);
    const ProjectData project = withDropout();
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    s.optimizer = optimizer;
    s.nesterov = optimizer == TrainingSettings::Optimizer::Sgd;
    s.learningRate = optimizer == TrainingSettings::Optimizer::Sgd ? 0.05 : 0.005;
    s.weightDecay = 0.01;
    s.limitTrainBatches = 0;
    s.batchSize = 8;
    s.epochs = 4;
    s.validationSplit = 0.2;
    s.schedule = {ScheduleSettings::Kind::Step, 1, 0.7};
    s.data.kind = DataSettings::Kind::Blobs;
    s.data.samples = 50;
    s.seed = 11;
    const Dataset data = Dataset::forProject(project, s);

    Trainer whole;
    QVERIFY(whole.setup(project, s, data));
    QCOMPARE(whole.batchesPerEpoch(), qint64(5));
    QCOMPARE(runToEnd(whole).outcome, TrainingResult::Outcome::Completed);
    QCOMPARE(whole.losses().size(), size_t(20));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("run.ckpt"));
    {
        Trainer first;
        QVERIFY(first.setup(project, s, data));
        first.setStepLimit(stopAfter);
        QCOMPARE(runToEnd(first).outcome, TrainingResult::Outcome::Stopped);
        QString error;
        QVERIFY2(first.checkpoint().save(path, &error), qPrintable(error));
    }
    torch::rand({1000}); // the global generator moves on in between

    const Checkpoint saved = Checkpoint::load(path);
    QCOMPARE(saved.step, stopAfter);
    QCOMPARE(saved.epoch, qint32(stopAfter / 5));
    QCOMPARE(saved.batchInEpoch, stopAfter % 5);
    Trainer second;
    QVERIFY(second.setup(project, saved.settings, data));
    QString error;
    QVERIFY2(second.restore(saved, &error), qPrintable(error));
    QCOMPARE(second.stepsDone(), stopAfter);
    QCOMPARE(runToEnd(second).outcome, TrainingResult::Outcome::Completed);

    QCOMPARE(second.losses().size(), whole.losses().size());
    for (size_t k = 0; k < whole.losses().size(); ++k)
        QVERIFY2(second.losses()[k] == whole.losses()[k],
                 qPrintable(QStringLiteral("step %1: %2 resumed, %3 uninterrupted")
                                .arg(k).arg(second.losses()[k].loss, 0, 'g', 9).arg(whole.losses()[k].loss, 0, 'g', 9)));
    QCOMPARE(second.epochs().size(), 4);
    for (int e = 0; e < 4; ++e) {
        QCOMPARE(second.epochs().at(e).valLoss, whole.epochs().at(e).valLoss);
        QCOMPARE(second.epochs().at(e).endStep, whole.epochs().at(e).endStep);
    }
    QVERIFY(sameWeights(*second.module(), *whole.module()));
}

void tst_Checkpoint::resumeFromPause()
{
    // A checkpoint taken while paused (from a slot connected to paused()),
    // then stopped: resuming it equals the uninterrupted run.
    const ProjectData project = example(QStringLiteral("shared-block.mcproj"));
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    s.limitTrainBatches = 0;
    s.data.samples = 64;
    s.epochs = 3;
    const Dataset data = Dataset::forProject(project, s);
    Trainer whole;
    QVERIFY(whole.setup(project, s, data));
    runToEnd(whole);

    Trainer first;
    QVERIFY(first.setup(project, s, data));
    first.setProgressInterval(0); // a report after every step, to pause at step 5
    std::optional<Checkpoint> taken;
    connect(&first, &Trainer::progress, &first, [&](const TrainingProgress &p) {
        if (p.step == 5)
            first.pause();
    });
    connect(&first, &Trainer::paused, &first, [&](qint64 step) {
        QCOMPARE(first.state(), Trainer::State::Paused);
        taken = first.checkpoint();
        first.stop();
    });
    QCOMPARE(runToEnd(first).outcome, TrainingResult::Outcome::Stopped);
    QVERIFY(taken);
    QCOMPARE(taken->step, qint64(5));

    Trainer second;
    QVERIFY(second.setup(project, s, data));
    QVERIFY(second.restore(*taken));
    runToEnd(second);
    QVERIFY(second.losses() == whole.losses());
    QVERIFY(sameWeights(*second.module(), *whole.module()));
}

void tst_Checkpoint::trainerWritesCheckpointFile()
{
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    const TrainingSettings s = TrainingSettings::fromJson(project.training);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/last.ckpt"));
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    trainer.setCheckpointPath(path);
    QSignalSpy saved(&trainer, &Trainer::checkpointSaved);
    QVERIFY(runToEnd(trainer).ok());
    QVERIFY(saved.count() >= 1);
    QCOMPARE(saved.last().at(0).toString(), path);
    const Checkpoint c = Checkpoint::load(path);
    QCOMPARE(c.step, qint64(4));
    QCOMPARE(c.epoch, qint32(2));
    QCOMPARE(c.losses.size(), size_t(4));
    QVERIFY(c.losses == trainer.losses());
    QCOMPARE(c.epochs.size(), 2);
    QVERIFY(c.settings == s);
    QVERIFY(ProjectFile::fromJson(c.project) == project);
    QVERIFY(!c.mismatch(*trainer.module()));

    // Its weights are the trained ones.
    ComposedModule fresh = ModelBuilder::build(project, 99);
    QVERIFY(!sameWeights(*fresh, *trainer.module()));
    c.loadWeights(*fresh);
    QVERIFY(sameWeights(*fresh, *trainer.module()));
}

void tst_Checkpoint::roundTrip()
{
    const ProjectData project = example(QStringLiteral("configurable-blocks.mcproj"));
    const Checkpoint c = someCheckpoint(project);
    const Checkpoint back = Checkpoint::fromBytes(c.toBytes());
    QVERIFY(back.project == c.project);
    QVERIFY(back.settings == c.settings);
    QCOMPARE(back.tensors.size(), c.tensors.size());
    QCOMPARE(back.tensors.size(), size_t(8));
    for (size_t k = 0; k < c.tensors.size(); ++k) {
        QCOMPARE(back.tensors[k].first, c.tensors[k].first);
        QVERIFY(torch::equal(back.tensors[k].second, c.tensors[k].second));
    }
    QCOMPARE(back.tensors.front().first, std::string("nested_model.blocks.0.fc.weight"));
    QCOMPARE(back.optimizerState, c.optimizerState);
    QVERIFY(!c.optimizerState.isEmpty());
    QVERIFY(torch::equal(back.rngState, c.rngState));
    QCOMPARE(back.epoch, c.epoch);
    QCOMPARE(back.batchInEpoch, c.batchInEpoch);
    QCOMPARE(back.step, qint64(3));
    QVERIFY(back.losses == c.losses);
    QCOMPARE(back.epochs.size(), 1);
    QCOMPARE(back.epochs.at(0).trainLoss, c.epochs.at(0).trainLoss);
    QCOMPARE(back.bestValLoss, c.bestValLoss);
}

void tst_Checkpoint::epochAccuraciesKept()
{
    Checkpoint c = someCheckpoint(example(QStringLiteral("configurable-blocks.mcproj")));
    c.epochs[0].valAccuracy = 0.75;
    c.epochs[0].testLoss = 0.5;
    c.epochs[0].testAccuracy = 0.625;
    const Checkpoint back = Checkpoint::fromBytes(c.toBytes());
    QCOMPARE(back.epochs.at(0).valAccuracy, 0.75);
    QCOMPARE(back.epochs.at(0).testLoss, 0.5);
    QCOMPARE(back.epochs.at(0).testAccuracy, 0.625);

    // A checkpoint written before those columns came (7 of them) still reads.
    const QByteArray bytes = c.toBytes();
    c10::IValue root = torch::pickle_load(std::vector<char>(bytes.constBegin(), bytes.constEnd()));
    c10::impl::GenericDict d = root.toGenericDict();
    d.insert_or_assign(std::string("epochs"), d.at(std::string("epochs")).toTensor().narrow(1, 0, 7).contiguous());
    const std::vector<char> older = torch::pickle_save(c10::IValue(d));
    const Checkpoint old = Checkpoint::fromBytes(QByteArray(older.data(), qsizetype(older.size())));
    QCOMPARE(old.epochs.size(), 1);
    QCOMPARE(old.epochs.at(0).trainLoss, c.epochs.at(0).trainLoss);
    QVERIFY(std::isnan(old.epochs.at(0).valAccuracy));
    QVERIFY(std::isnan(old.epochs.at(0).testAccuracy));
}

void tst_Checkpoint::saveReplacesAtomically()
{
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("last.ckpt"));
    QString error;
    QVERIFY(someCheckpoint(project, 1).save(path, &error));
    QVERIFY(someCheckpoint(project, 3).save(path, &error));
    QCOMPARE(Checkpoint::load(path).step, qint64(3));
    // Nothing but the checkpoint is left in the folder (no temporary file).
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("last.ckpt")});
}

void tst_Checkpoint::saveFailsWithReason()
{
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("file")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    QString error;
    const Checkpoint c = someCheckpoint(example(QStringLiteral("encoder-decoder.mcproj")), 1);
    QVERIFY(!c.save(dir.filePath(QStringLiteral("file/last.ckpt")), &error));
    QVERIFY2(error.startsWith(QStringLiteral("Cannot create the folder")), qPrintable(error));
}

void tst_Checkpoint::damagedFilesRefused_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addRow("truncated_to_10_percent") << "10";
    QTest::addRow("truncated_to_half") << "50";
    QTest::addRow("truncated_by_one_byte") << "99";
    QTest::addRow("empty") << "empty";
    QTest::addRow("garbage") << "garbage";
    QTest::addRow("project_file") << "project";
    // The zip directory is whole but points past the end of the file: a local
    // header far away, or an entry's data longer than what is left.
    QTest::addRow("entry_header_past_end") << "header_past_end";
    QTest::addRow("entry_data_past_end") << "data_past_end";
}

void tst_Checkpoint::damagedFilesRefused()
{
    QFETCH(QString, kind);
    const QByteArray good = someCheckpoint(example(QStringLiteral("encoder-decoder.mcproj"))).toBytes();
    QByteArray bytes;
    if (kind == QLatin1String("empty"))
        bytes.clear();
    else if (kind == QLatin1String("garbage"))
        bytes = QByteArray(4096, 'x');
    else if (kind == QLatin1String("project"))
        bytes = ProjectFile::toBytes(example(QStringLiteral("encoder-decoder.mcproj")));
    else if (kind.endsWith(QLatin1String("past_end"))) {
        // The last entry of the central directory (PK 1 2): its local header
        // offset (at +42) or its compressed and plain sizes (at +20 and +24).
        bytes = good;
        const qsizetype entry = bytes.lastIndexOf(QByteArray("PK\x01\x02", 4));
        QVERIFY(entry > 0);
        const auto put32 = [&](qsizetype at, quint32 v) {
            for (int k = 0; k < 4; ++k)
                bytes[at + k] = char((v >> (8 * k)) & 0xFF);
        };
        if (kind == QLatin1String("header_past_end"))
            put32(entry + 42, quint32(bytes.size() + 100));
        else {
            put32(entry + 20, quint32(bytes.size()));
            put32(entry + 24, quint32(bytes.size()));
        }
    } else
        bytes = good.left(kind == QLatin1String("99") ? good.size() - 1 : good.size() * kind.toInt() / 100);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.ckpt"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
    f.close();
    const QString message = checkpointError([&] { Checkpoint::load(path); });
    QCOMPARE(message, QStringLiteral("The checkpoint %1 is not a readable checkpoint: it is truncated, damaged or "
                                     "not a Model Composer checkpoint.").arg(path));
    // The whole file reads.
    QCOMPARE(Checkpoint::fromBytes(good).step, qint64(3));
}

void tst_Checkpoint::foreignCheckpointRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::addRow("other_example") << "shared-block.mcproj"
                                   << "The checkpoint was saved from a different model: it has no `encoder.fc.weight`, "
                                      "which this project's model has.";
    QTest::addRow("other_hidden_size") << "hidden6"
                                       << "The checkpoint was saved from a different model: its `encoder.fc.weight` is "
                                          "[6, 10] where this project's is [5, 10].";
}

void tst_Checkpoint::foreignCheckpointRefused()
{
    QFETCH(QString, file);
    QFETCH(QString, message);
    ProjectData other;
    if (file == QLatin1String("hidden6")) {
        // The same graph with hidden_dim 6 instead of 5.
        other = example(QStringLiteral("encoder-decoder.mcproj"));
        for (Argument &a : other.type(other.root)->arguments)
            if (a.name == QLatin1String("hidden_dim"))
                a.defaultValue = 6;
    } else {
        other = example(file);
    }
    const Checkpoint foreign = someCheckpoint(other);
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    const TrainingSettings s = TrainingSettings::fromJson(project.training);
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    const auto before = trainer.module()->parameters()[0].clone();
    QString error;
    QVERIFY(!trainer.restore(foreign, &error));
    QCOMPARE(error, message);
    QVERIFY(torch::equal(before, trainer.module()->parameters()[0])); // nothing was loaded
    QCOMPARE(checkpointError([&] { foreign.loadWeights(*trainer.module()); }), message);
}

void tst_Checkpoint::otherOptimizerRefused()
{
    const ProjectData project = example(QStringLiteral("encoder-decoder.mcproj"));
    const Checkpoint adam = someCheckpoint(project);
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    s.optimizer = TrainingSettings::Optimizer::RmsProp;
    Trainer trainer;
    QVERIFY(trainer.setup(project, s, Dataset::forProject(project, s)));
    QString error;
    QVERIFY(!trainer.restore(adam, &error));
    QVERIFY2(error.startsWith(QStringLiteral("The checkpoint's optimizer state does not fit the rmsprop optimizer")),
             qPrintable(error));
}

namespace {
/// configurable-blocks with the middle block 15 -> 12 wide: `nested_model.blocks.1.fc`
/// gets 12 outputs and `nested_model.blocks.2.fc` 12 inputs; the others keep their sizes.
ProjectData narrowerMiddleBlock()
{
    ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    Instance &blocks = *p.type(QStringLiteral("NestedModel"))->instance(QStringLiteral("blocks"));
    blocks.rows[1].insert(QStringLiteral("out_features"), OptionValue::constant(12));
    blocks.rows[2].insert(QStringLiteral("in_features"), OptionValue::constant(12));
    Q_ASSERT(!Analysis(p).hasErrors());
    return p;
}

/// The Adam state stored in `checkpoint`, by parameter name of the model
/// `project` builds (the parameters that have one).
std::map<std::string, torch::optim::AdamParamState> adamStates(const ProjectData &project, const Checkpoint &checkpoint)
{
    const ComposedModule module = ModelBuilder::build(project, 0);
    std::vector<torch::Tensor> params;
    for (const auto &p : module->named_parameters())
        if (p.value().requires_grad())
            params.push_back(p.value());
    torch::optim::Adam adam(params);
    torch::serialize::InputArchive archive;
    std::istringstream stream(checkpoint.optimizerState.toStdString());
    archive.load_from(stream);
    adam.load(archive);
    std::map<std::string, torch::optim::AdamParamState> out;
    for (const auto &p : module->named_parameters()) {
        const auto it = adam.state().find(c10::guts::to_string(p.value().unsafeGetTensorImpl()));
        if (it != adam.state().end())
            out.emplace(p.key(), static_cast<const torch::optim::AdamParamState &>(*it->second));
    }
    return out;
}

const torch::Tensor &tensorNamed(const Checkpoint &c, const std::string &name)
{
    for (const auto &[n, t] : c.tensors)
        if (n == name)
            return t;
    static const torch::Tensor none;
    return none;
}
} // namespace

void tst_Checkpoint::editedProjectKeepsOtherInstances()
{
    const ProjectData original = example(QStringLiteral("configurable-blocks.mcproj"));
    const Checkpoint trained = someCheckpoint(original);
    const ProjectData edited = narrowerMiddleBlock();
    const ComposedModule fresh = ModelBuilder::build(edited, 7);
    ComposedModule module = ModelBuilder::build(edited, 7);
    const WeightCarryOver carried = trained.carryWeightsInto(*module, edited);

    QCOMPARE(carried.kept, (QStringList{QStringLiteral("nested_model.blocks.0.fc"), QStringLiteral("final_fc")}));
    QCOMPARE(carried.reset.size(), 2);
    QCOMPARE(carried.reset[0].instance, QStringLiteral("nested_model.blocks.1.fc"));
    QCOMPARE(carried.reset[0].why, WeightCarryOver::Why::SizesChanged);
    QCOMPARE(carried.reset[0].detail, QStringLiteral("15\u219212 outputs"));
    QCOMPARE(carried.reset[1].instance, QStringLiteral("nested_model.blocks.2.fc"));
    QCOMPARE(carried.reset[1].detail, QStringLiteral("15\u219212 inputs"));
    QVERIFY(carried.removed.isEmpty());
    QCOMPARE(carried.message(),
             QStringLiteral("Kept trained weights for 2 instances; reset nested_model.blocks.1.fc (its sizes changed: "
                            "15\u219212 outputs), nested_model.blocks.2.fc (its sizes changed: 15\u219212 inputs)."));

    // The kept instances have the trained weights bit for bit; the reset ones the fresh weights.
    int kept = 0, reset = 0;
    for (const auto &p : module->named_parameters()) {
        const std::string &name = p.key();
        if (name.rfind("nested_model.blocks.0.fc.", 0) == 0 || name.rfind("final_fc.", 0) == 0) {
            QVERIFY2(torch::equal(p.value(), tensorNamed(trained, name)), name.c_str());
            QVERIFY2(!torch::equal(p.value(), fresh->named_parameters()[name]), name.c_str());
            ++kept;
        } else {
            QVERIFY2(torch::equal(p.value(), fresh->named_parameters()[name]), name.c_str());
            const torch::Tensor &before = tensorNamed(trained, name);
            QVERIFY2(before.sizes() != p.value().sizes() || !torch::equal(before, p.value()), name.c_str());
            ++reset;
        }
    }
    QCOMPARE(kept, 4);
    QCOMPARE(reset, 4);

    // Going back: the edited model's checkpoint onto the original project.
    // An instance the edit removes is listed as removed, one it adds as new.
    ProjectData fewer = original;
    Instance &blocks = *fewer.type(QStringLiteral("NestedModel"))->instance(QStringLiteral("blocks"));
    blocks.rows.removeLast();
    blocks.rows[1].insert(QStringLiteral("out_features"), OptionValue::constant(10));
    QVERIFY(!Analysis(fewer).hasErrors());
    ComposedModule smaller = ModelBuilder::build(fewer, 7);
    const WeightCarryOver dropped = trained.carryWeightsInto(*smaller, fewer);
    QCOMPARE(dropped.removed, QStringList{QStringLiteral("nested_model.blocks.2.fc")});
    QCOMPARE(dropped.reset.size(), 1);
    QCOMPARE(dropped.reset[0].detail, QStringLiteral("15\u219210 outputs"));
    QVERIFY2(dropped.message().endsWith(QStringLiteral("; dropped the weights of removed nested_model.blocks.2.fc.")),
             qPrintable(dropped.message()));
}

void tst_Checkpoint::restoreEditedKeepsOptimizerState()
{
    const ProjectData original = example(QStringLiteral("configurable-blocks.mcproj"));
    const Checkpoint trained = someCheckpoint(original, 3);
    const ProjectData edited = narrowerMiddleBlock();
    TrainingSettings s = TrainingSettings::fromJson(edited.training);
    Trainer trainer;
    QVERIFY(trainer.setup(edited, s, Dataset::forProject(edited, s)));
    QString error;
    // The strict restore refuses the edited model; restoreEdited carries what fits.
    QVERIFY(!trainer.restore(trained, &error));
    QVERIFY(trainer.setup(edited, s, Dataset::forProject(edited, s)));
    WeightCarryOver carried;
    QVERIFY2(trainer.restoreEdited(trained, &carried, &error), qPrintable(error));
    QVERIFY(carried.optimizerKept);
    QCOMPARE(carried.kept.size(), 2);
    QCOMPARE(trainer.stepsDone(), qint64(3));
    QCOMPARE(trainer.losses().size(), size_t(3));
    for (const auto &p : trainer.module()->named_parameters())
        if (p.key().rfind("final_fc.", 0) == 0)
            QVERIFY(torch::equal(p.value(), tensorNamed(trained, p.key())));

    // Adam's moments came along for the kept parameters only.
    const auto before = adamStates(original, trained);
    const auto after = adamStates(edited, trainer.checkpoint());
    QCOMPARE(before.size(), size_t(8));
    QCOMPARE(after.size(), size_t(4));
    for (const char *name : {"nested_model.blocks.0.fc.weight", "nested_model.blocks.0.fc.bias", "final_fc.weight",
                             "final_fc.bias"}) {
        QVERIFY2(after.count(name), name);
        QCOMPARE(after.at(name).step(), before.at(name).step());
        QVERIFY(torch::equal(after.at(name).exp_avg(), before.at(name).exp_avg()));
        QVERIFY(torch::equal(after.at(name).exp_avg_sq(), before.at(name).exp_avg_sq()));
    }

    // And it trains on from there to the end of its 2 epochs of 2 batches.
    const TrainingResult result = runToEnd(trainer);
    QVERIFY2(result.ok(), qPrintable(result.message));
    QCOMPARE(result.outcome, TrainingResult::Outcome::Completed);
    QCOMPARE(trainer.stepsDone(), qint64(4));
    QCOMPARE(trainer.losses().size(), size_t(4));
}

void tst_Checkpoint::restoreEditedWithOtherOptimizer()
{
    const Checkpoint trained = someCheckpoint(example(QStringLiteral("configurable-blocks.mcproj")));
    const ProjectData edited = narrowerMiddleBlock();
    TrainingSettings s = TrainingSettings::fromJson(edited.training);
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    Trainer trainer;
    QVERIFY(trainer.setup(edited, s, Dataset::forProject(edited, s)));
    WeightCarryOver carried;
    QString error;
    QVERIFY2(trainer.restoreEdited(trained, &carried, &error), qPrintable(error));
    QVERIFY(!carried.optimizerKept);
    QVERIFY2(carried.message().endsWith(QStringLiteral("The optimizer changed from adam to sgd, so its state starts "
                                                       "afresh.")),
             qPrintable(carried.message()));
    QCOMPARE(carried.kept.size(), 2);
}

QTEST_GUILESS_MAIN(tst_Checkpoint)
#include "tst_checkpoint.moc"
