#include "document/ProjectFile.h"
#include "training/TrainingSettings.h"

#include <QJsonDocument>
#include <QtTest>

using namespace mc;

namespace {

QJsonObject json(const char *text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &error);
    Q_ASSERT(error.error == QJsonParseError::NoError);
    return doc.object();
}

} // namespace

Q_DECLARE_METATYPE(TrainingSettings::Loss)
Q_DECLARE_METATYPE(DataSettings::Kind)

class tst_TrainingSettings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void examples_data();
    void examples();
    void roundTrip();
    void partialObjectsKeepOtherDefaults();
    void errors_data();
    void errors();
    void customPathPrefix();
    void names();
    void conflicts();
};

void tst_TrainingSettings::defaults()
{
    const TrainingSettings s = TrainingSettings::fromJson(QJsonObject());
    QCOMPARE(s.loss, TrainingSettings::Loss::Mse);
    QCOMPARE(s.optimizer, TrainingSettings::Optimizer::Adam);
    QCOMPARE(s.learningRate, 0.001);
    QCOMPARE(s.weightDecay, 0.0);
    QCOMPARE(s.momentum, 0.9);
    QCOMPARE(s.nesterov, false);
    QCOMPARE(s.batchSize, 16);
    QCOMPARE(s.epochs, 2);
    QCOMPARE(s.limitTrainBatches, 0);
    QCOMPARE(s.validationSplit, 0.0);
    QCOMPARE(s.seed, uint64_t(0));
    QCOMPARE(s.shuffle, true);
    QCOMPARE(s.gradientClipNorm, 0.0);
    QCOMPARE(s.earlyStoppingPatience, 0);
    QCOMPARE(s.schedule.kind, ScheduleSettings::Kind::None);
    QCOMPARE(s.schedule.stepSize, 10);
    QCOMPARE(s.schedule.gamma, 0.1);
    QCOMPARE(s.threads, 0);
    QCOMPARE(s.data.kind, DataSettings::Kind::RandomBinary);
    QCOMPARE(s.data.samples, 32);
    QVERIFY(s.data.path.isEmpty());
    QVERIFY(s == TrainingSettings());
}

void tst_TrainingSettings::examples_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<TrainingSettings::Loss>("loss");
    QTest::addColumn<DataSettings::Kind>("data");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj" << TrainingSettings::Loss::Bce
                                     << DataSettings::Kind::RandomBinary;
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj" << TrainingSettings::Loss::Bce
                                         << DataSettings::Kind::RandomBinary;
    QTest::addRow("shared_block") << "shared-block.mcproj" << TrainingSettings::Loss::Mse
                                  << DataSettings::Kind::RandomNormal;
}

void tst_TrainingSettings::examples()
{
    // The article's run: Adam at 1e-3, batches of 16, 2 epochs of 2 batches, 32 samples.
    QFETCH(QString, file);
    QFETCH(TrainingSettings::Loss, loss);
    QFETCH(DataSettings::Kind, data);
    const ProjectData project = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + file);
    const TrainingSettings s = TrainingSettings::fromJson(project.training);
    QCOMPARE(s.loss, loss);
    QCOMPARE(s.optimizer, TrainingSettings::Optimizer::Adam);
    QCOMPARE(s.learningRate, 0.001);
    QCOMPARE(s.batchSize, 16);
    QCOMPARE(s.epochs, 2);
    QCOMPARE(s.limitTrainBatches, 2);
    QCOMPARE(s.data.kind, data);
    QCOMPARE(s.data.samples, 32);
}

void tst_TrainingSettings::roundTrip()
{
    TrainingSettings s;
    s.loss = TrainingSettings::Loss::CrossEntropy;
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.learningRate = 0.25;
    s.weightDecay = 1e-4;
    s.momentum = 0.5;
    s.nesterov = true;
    s.batchSize = 7;
    s.epochs = 11;
    s.limitTrainBatches = 3;
    s.validationSplit = 0.2;
    s.seed = 123456789;
    s.shuffle = false;
    s.gradientClipNorm = 1.5;
    s.earlyStoppingPatience = 4;
    s.keepBestWeights = false;
    s.schedule = {ScheduleSettings::Kind::Cosine, 3, 0.5};
    s.threads = 2;
    s.data.kind = DataSettings::Kind::Csv;
    s.data.samples = 99;
    s.data.path = QStringLiteral("data/iris.csv");
    s.data.inputs = QStringList{QStringLiteral("a"), QStringLiteral("b")};
    s.data.targets = QStringList{QStringLiteral("label")};
    QVERIFY(s != TrainingSettings());
    const QJsonObject o = s.toJson();
    QCOMPARE(o.value(QStringLiteral("loss")).toString(), QStringLiteral("cross_entropy"));
    QCOMPARE(o.value(QStringLiteral("schedule")).toObject().value(QStringLiteral("kind")).toString(),
             QStringLiteral("cosine"));
    const TrainingSettings back = TrainingSettings::fromJson(o);
    QVERIFY(back == s);
    // Defaults round-trip too, and toJson writes every field.
    QVERIFY(TrainingSettings::fromJson(TrainingSettings().toJson()) == TrainingSettings());
    QCOMPARE(TrainingSettings().toJson().size(), 19);
}

void tst_TrainingSettings::partialObjectsKeepOtherDefaults()
{
    const TrainingSettings s = TrainingSettings::fromJson(
        json(R"({"schedule": {"kind": "step"}, "data": {"kind": "blobs"}, "epochs": 5})"));
    QCOMPARE(s.schedule.kind, ScheduleSettings::Kind::Step);
    QCOMPARE(s.schedule.stepSize, 10);
    QCOMPARE(s.schedule.gamma, 0.1);
    QCOMPARE(s.data.kind, DataSettings::Kind::Blobs);
    QCOMPARE(s.data.samples, 32);
    QCOMPARE(s.epochs, 5);
    QCOMPARE(s.batchSize, 16);
}

void tst_TrainingSettings::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::addRow("batch_size_zero") << R"({"batch_size": 0})"
                                     << "training.batch_size: expected a whole number from 1 to 1000000000";
    QTest::addRow("batch_size_fraction") << R"({"batch_size": 1.5})"
                                         << "training.batch_size: expected a whole number from 1 to 1000000000";
    QTest::addRow("batch_size_string") << R"({"batch_size": "16"})"
                                       << "training.batch_size: expected a whole number from 1 to 1000000000";
    QTest::addRow("epochs_negative") << R"({"epochs": -1})" << "training.epochs: expected a whole number from 1 to 1000000000";
    QTest::addRow("unknown_field") << R"({"batchsize": 4})" << "training.batchsize: unknown field";
    QTest::addRow("unknown_loss") << R"({"loss": "hinge"})"
                                  << "training.loss: expected one of mse, l1, smooth_l1, bce, bce_with_logits, "
                                     "cross_entropy, nll";
    QTest::addRow("optimizer_number") << R"({"optimizer": 1})"
                                      << "training.optimizer: expected one of adam, adamw, sgd, rmsprop";
    // A range check states the whole range, on either side of it.
    QTest::addRow("learning_rate_zero") << R"({"learning_rate": 0})"
                                        << "training.learning_rate: expected a number above 0 and at most 1000";
    QTest::addRow("learning_rate_huge") << R"({"learning_rate": 1e6})"
                                        << "training.learning_rate: expected a number above 0 and at most 1000";
    QTest::addRow("epochs_huge") << R"({"epochs": 2e9})" << "training.epochs: expected a whole number from 1 to 1000000000";
    QTest::addRow("weight_decay_negative") << R"({"weight_decay": -0.1})"
                                           << "training.weight_decay: expected a number from 0 to 1000";
    QTest::addRow("momentum_above_one") << R"({"momentum": 1.5})" << "training.momentum: expected a number from 0 to 1";
    QTest::addRow("nesterov_string") << R"({"nesterov": "yes"})" << "training.nesterov: expected true or false";
    QTest::addRow("shuffle_number") << R"({"shuffle": 1})" << "training.shuffle: expected true or false";
    QTest::addRow("split_one") << R"({"validation_split": 1})"
                               << "training.validation_split: expected a fraction from 0 to 0.99";
    QTest::addRow("seed_negative") << R"({"seed": -3})" << "training.seed: expected a whole number from 0 to 2^53";
    QTest::addRow("threads_huge") << R"({"threads": 5000})"
                                  << "training.threads: expected a whole number from 0 to 1024 (0: default)";
    QTest::addRow("schedule_not_object") << R"({"schedule": "cosine"})" << "training.schedule: expected an object";
    QTest::addRow("schedule_kind") << R"({"schedule": {"kind": "exp"}})"
                                   << "training.schedule.kind: expected one of none, step, cosine";
    QTest::addRow("schedule_unknown") << R"({"schedule": {"kind": "step", "warmup": 3}})"
                                      << "training.schedule.warmup: unknown field";
    QTest::addRow("gamma_zero") << R"({"schedule": {"gamma": 0}})" << "training.schedule.gamma: expected a number above 0 and at most 1000";
    QTest::addRow("data_kind") << R"({"data": {"kind": "mnist"}})"
                               << "training.data.kind: expected one of random_binary, random_normal, blobs, teacher, reconstruction, csv, fashion_mnist, idx, image_folder";
    QTest::addRow("data_samples_zero") << R"({"data": {"samples": 0}})"
                                       << "training.data.samples: expected a whole number from 1 to 100000000";
    QTest::addRow("data_unknown") << R"({"data": {"kind": "blobs", "colour": 1}})"
                                  << "training.data.colour: unknown field";
    QTest::addRow("data_inputs_not_array") << R"({"data": {"kind": "csv", "path": "a.csv", "inputs": "x"}})"
                                           << "training.data.inputs: expected an array of column names";
    QTest::addRow("data_input_number") << R"({"data": {"kind": "csv", "path": "a.csv", "inputs": ["x", 2]}})"
                                       << "training.data.inputs[1]: expected a column name";
    QTest::addRow("data_target_twice") << R"({"data": {"kind": "csv", "path": "a.csv", "targets": ["y", "y"]}})"
                                       << "training.data.targets[1]: `y` is named twice";
    QTest::addRow("csv_without_path") << R"({"data": {"kind": "csv"}})"
                                      << "training.data.path: a csv data set needs the path of its file";
}

void tst_TrainingSettings::errors()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    QString got;
    try {
        TrainingSettings::fromJson(json(text.toUtf8().constData()));
    } catch (const ProjectFormatError &e) {
        got = e.message();
    }
    QCOMPARE(got, message);
}

void tst_TrainingSettings::customPathPrefix()
{
    QString got;
    try {
        TrainingSettings::fromJson(json(R"({"epochs": 0})"), QStringLiteral("settings"));
    } catch (const ProjectFormatError &e) {
        got = e.message();
    }
    QCOMPARE(got, QStringLiteral("settings.epochs: expected a whole number from 1 to 1000000000"));
}

void tst_TrainingSettings::names()
{
    for (auto loss : {TrainingSettings::Loss::Mse, TrainingSettings::Loss::L1, TrainingSettings::Loss::SmoothL1,
                      TrainingSettings::Loss::Bce, TrainingSettings::Loss::BceWithLogits,
                      TrainingSettings::Loss::CrossEntropy, TrainingSettings::Loss::Nll})
        QVERIFY(TrainingSettings::lossFromName(TrainingSettings::lossName(loss)) == loss);
    for (auto o : {TrainingSettings::Optimizer::Adam, TrainingSettings::Optimizer::AdamW,
                   TrainingSettings::Optimizer::Sgd, TrainingSettings::Optimizer::RmsProp})
        QVERIFY(TrainingSettings::optimizerFromName(TrainingSettings::optimizerName(o)) == o);
    QCOMPARE(TrainingSettings::lossName(TrainingSettings::Loss::BceWithLogits), QStringLiteral("bce_with_logits"));
    QCOMPARE(TrainingSettings::dataKindName(DataSettings::Kind::Teacher), QStringLiteral("teacher"));
    QCOMPARE(TrainingSettings::scheduleName(ScheduleSettings::Kind::Cosine), QStringLiteral("cosine"));
    QVERIFY(!TrainingSettings::lossFromName(QStringLiteral("MSE")));
    QVERIFY(!TrainingSettings::dataKindFromName(QStringLiteral("moons")));
    QVERIFY(TrainingSettings().classTargets() == false);
    TrainingSettings nll;
    nll.loss = TrainingSettings::Loss::Nll;
    QVERIFY(nll.classTargets());
}

void tst_TrainingSettings::conflicts()
{
    TrainingSettings s;
    QVERIFY(!s.conflict());
    s.optimizer = TrainingSettings::Optimizer::Sgd;
    s.nesterov = true;
    s.momentum = 0;
    QVERIFY(s.conflict());
    QVERIFY(s.conflict()->contains(QStringLiteral("Nesterov")));
    s.momentum = 0.9;
    QVERIFY(!s.conflict());
    s.earlyStoppingPatience = 3;
    QVERIFY(s.conflict());
    QVERIFY(s.conflict()->contains(QStringLiteral("validation split")));
    s.validationSplit = 0.25;
    QVERIFY(!s.conflict());
}

QTEST_GUILESS_MAIN(tst_TrainingSettings)
#include "tst_trainingsettings.moc"
