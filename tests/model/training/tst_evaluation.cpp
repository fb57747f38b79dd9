// The test set's verdict: metrics checked against hand computations, the
// rows a run holds out, and a trainer that evaluates them.

#include "build/ModelBuilder.h"
#include "data/DataError.h"
#include "document/ProjectFile.h"
#include "training/Evaluator.h"
#include "training/Trainer.h"

#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace mc;

namespace {

constexpr double kTol = 1e-9;

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

/// Scores of 2 on the predicted class and 0 elsewhere.
torch::Tensor scores(const std::vector<int64_t> &predicted, int64_t classes)
{
    torch::Tensor t = torch::zeros({int64_t(predicted.size()), classes});
    for (size_t r = 0; r < predicted.size(); ++r)
        t[int64_t(r)][predicted[r]] = 2.0;
    return t;
}

torch::Tensor classes(const std::vector<int64_t> &c)
{
    return torch::tensor(c, torch::kInt64);
}

/// The trainer's settings read from JSON, as a project file gives them.
TrainingSettings settingsFrom(const char *json)
{
    return TrainingSettings::fromJson(QJsonDocument::fromJson(json).object());
}

} // namespace

class TestEvaluation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void classificationByHand()
    {
        // True/predicted: 0/0 0/1 1/1 1/1 2/0 2/2, given in two batches.
        Evaluator ev(TrainingSettings::Loss::CrossEntropy, 3, {QStringLiteral("cat"), QStringLiteral("dog")});
        ev.add(scores({0, 1, 1}, 3), classes({0, 0, 1}));
        ev.add(scores({1, 0, 2}, 3), classes({1, 2, 2}));
        const Evaluation e = ev.result();
        QCOMPARE(e.task, Evaluation::Task::Classification);
        QCOMPARE(e.samples, qint64(6));
        // Names given for two of the three classes; the third is its number.
        QCOMPARE(e.classNames, QStringList({QStringLiteral("cat"), QStringLiteral("dog"), QStringLiteral("2")}));
        const std::vector<qint64> confusion{1, 1, 0, 0, 2, 0, 1, 0, 1};
        QCOMPARE(e.confusion, confusion);
        QCOMPARE(e.count(2, 0), qint64(1));
        QVERIFY(std::abs(e.accuracy - 4.0 / 6.0) < kTol);
        QVERIFY(std::isnan(e.top5)); // three classes: no top-5
        // Precision: right over the column; recall: right over the row.
        const double precision[] = {1.0 / 2, 2.0 / 3, 1.0};
        const double recall[] = {1.0 / 2, 1.0, 1.0 / 2};
        const double f1[] = {0.5, 0.8, 2.0 / 3};
        for (int c = 0; c < 3; ++c) {
            QVERIFY2(std::abs(e.precision[c] - precision[c]) < kTol, qPrintable(QString::number(c)));
            QVERIFY2(std::abs(e.recall[c] - recall[c]) < kTol, qPrintable(QString::number(c)));
            QVERIFY2(std::abs(e.f1[c] - f1[c]) < kTol, qPrintable(QString::number(c)));
        }
        QVERIFY(std::abs(e.macroF1() - (0.5 + 0.8 + 2.0 / 3) / 3) < kTol);
        // Cross entropy of scores 2/0/0: −log(e²/(e²+2)) when right, −log(1/(e²+2)) when wrong.
        const double z = std::exp(2.0) + 2.0;
        const double loss = (4 * -std::log(std::exp(2.0) / z) + 2 * -std::log(1.0 / z)) / 6;
        QVERIFY2(std::abs(e.loss - loss) < 1e-6, qPrintable(QString::number(e.loss)));
        QCOMPARE(e.predicted, std::vector<qint64>({0, 1, 1, 1, 0, 2}));
        QCOMPARE(e.truth, std::vector<qint64>({0, 0, 1, 1, 2, 2}));
    }

    void topFiveWithMoreThanFiveClasses()
    {
        // Scores 0..6 rank class 6 first and class 0 last (7th).
        Evaluator ev(TrainingSettings::Loss::CrossEntropy, 7);
        const torch::Tensor s = torch::arange(7, torch::kFloat32).repeat({3, 1});
        ev.add(s, classes({0, 2, 6}));
        const Evaluation e = ev.result();
        QVERIFY(std::abs(e.top5 - 2.0 / 3) < kTol); // 2 and 6 are among the five highest, 0 is not
        QVERIFY(std::abs(e.accuracy - 1.0 / 3) < kTol);
        QCOMPARE(e.recall[0], 0.0);
        QCOMPARE(e.precision[0], 0.0); // never predicted: 0, as scikit-learn's zero_division
        QVERIFY(std::abs(e.precision[6] - 1.0 / 3) < kTol);
    }

    void binaryDecisionsByHand()
    {
        // Probabilities (BCE) and logits (BCE with logits) with the same decisions:
        // yes no yes no against targets 1 1 0 0: one of each of TP, FN, FP, TN.
        const torch::Tensor target = torch::tensor({1.f, 1.f, 0.f, 0.f}).view({4, 1});
        for (const auto loss : {TrainingSettings::Loss::Bce, TrainingSettings::Loss::BceWithLogits}) {
            Evaluator ev(loss, 1);
            const torch::Tensor out = loss == TrainingSettings::Loss::Bce
                                          ? torch::tensor({0.9f, 0.4f, 0.6f, 0.2f}).view({4, 1})
                                          : torch::tensor({2.f, -0.5f, 0.3f, -1.f}).view({4, 1});
            ev.add(out, target);
            const Evaluation e = ev.result();
            QCOMPARE(e.task, Evaluation::Task::Binary);
            QCOMPARE(e.confusion, std::vector<qint64>({1, 1, 1, 1}));
            QCOMPARE(e.accuracy, 0.5);
            QCOMPARE(e.precision[1], 0.5);
            QCOMPARE(e.recall[1], 0.5);
        }
        // Exactly at the threshold is a yes: p = 0.5 and logit 0.
        Evaluator at(TrainingSettings::Loss::Bce, 1);
        at.add(torch::tensor({0.5f}).view({1, 1}), torch::tensor({1.f}).view({1, 1}));
        QCOMPARE(at.result().accuracy, 1.0);
    }

    void regressionByHand()
    {
        // Differences 0 1 / 0 −1 / 1 0: Σd² = 3, Σ|d| = 3 over 6 values.
        // Column means 8/3 and 4: Σ(t − mean)² = 42/9 + 14.
        Evaluator ev(TrainingSettings::Loss::Mse, 2);
        ev.add(torch::tensor({1.f, 2.f, 3.f, 4.f}).view({2, 2}), torch::tensor({1.f, 1.f, 3.f, 5.f}).view({2, 2}));
        ev.add(torch::tensor({5.f, 6.f}).view({1, 2}), torch::tensor({4.f, 6.f}).view({1, 2}));
        const Evaluation e = ev.result();
        QCOMPARE(e.task, Evaluation::Task::Regression);
        QVERIFY(std::abs(e.mse - 0.5) < kTol);
        QVERIFY(std::abs(e.mae - 0.5) < kTol);
        QVERIFY(std::abs(e.r2 - (1.0 - 3.0 / (42.0 / 9.0 + 14.0))) < kTol);
        QVERIFY(std::abs(e.loss - 0.5) < 1e-6);
        QVERIFY(e.summary().startsWith(QStringLiteral("MSE 0.5000, MAE 0.5000, R² 0.8393")));

        // Targets that do not vary: R² is not defined.
        Evaluator flat(TrainingSettings::Loss::L1, 1);
        flat.add(torch::tensor({1.f, 2.f}).view({2, 1}), torch::tensor({3.f, 3.f}).view({2, 1}));
        QVERIFY(std::isnan(flat.result().r2));
        QCOMPARE(flat.result().mae, 1.5);
    }

    void reportAndJsonRoundTrip()
    {
        Evaluator ev(TrainingSettings::Loss::CrossEntropy, 3,
                     {QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"), QStringLiteral("Bag")});
        ev.add(scores({0, 1, 1, 1, 0, 2}, 3), classes({0, 0, 1, 1, 2, 2}));
        const Evaluation e = ev.result();
        const QString report = e.report();
        QVERIFY2(report.startsWith(QStringLiteral("accuracy 0.6667 (4 of 6), macro F1 0.6556, loss ")),
                 qPrintable(report));
        QVERIFY2(report.contains(QStringLiteral("Trouser         0.6667  1.0000  0.8000        2")), qPrintable(report));
        QVERIFY2(report.contains(QStringLiteral("  2  Bag         1 0 1")), qPrintable(report));

        const Evaluation back = Evaluation::fromJson(e.toJson());
        QCOMPARE(back.task, e.task);
        QCOMPARE(back.confusion, e.confusion);
        QCOMPARE(back.classNames, e.classNames);
        QCOMPARE(back.precision, e.precision);
        QCOMPARE(back.accuracy, e.accuracy);
        QCOMPARE(back.report(), report);
        // What toJson did not write is refused, not half read.
        QJsonObject damaged = e.toJson();
        damaged.insert(QStringLiteral("confusion"), QJsonArray{});
        QVERIFY(Evaluation::fromJson(damaged).isEmpty());
        QVERIFY(Evaluation::fromJson(QJsonObject()).isEmpty());
    }

    void evaluatesAModelOnEveryRow()
    {
        // The encoder-decoder (10 → 1, sigmoid, MSE) on 5,000 rows: more than
        // one chunk; the loss is that of one forward over all rows.
        const ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
        torch::manual_seed(3);
        ComposedModule m = ModelBuilder::build(p);
        TrainingSettings s = settingsFrom(R"({"loss": "mse"})");
        const Dataset data = Dataset::randomNormal(5000, 10, 1, false, 7);
        m->train();
        const Evaluation e = evaluate(m, data, s, {10});
        QVERIFY(m->is_training()); // left as it was
        torch::NoGradGuard noGrad;
        const torch::Tensor all = m->forward(data.inputs());
        QCOMPARE(e.samples, qint64(5000));
        QVERIFY(std::abs(e.mse - torch::mse_loss(all, data.targets()).item<double>()) < 1e-6);
        QVERIFY(std::abs(e.loss - e.mse) < 1e-6);
        QVERIFY(!e.reconstruction);
        QVERIFY(evaluate(m, Dataset(), s, {10}).isEmpty());
    }

    void heldOutShareIsSeededAndApart()
    {
        const ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
        const CheckedModel model = CheckedModel::check(p);
        TrainingSettings s = settingsFrom(
            R"({"loss": "mse", "seed": 5, "data": {"kind": "teacher", "samples": 200, "test": {"source": "share", "share": 0.25}}})");
        const RunData a = runData(model, s);
        QCOMPARE(a.training.size(), qint64(150));
        QCOMPARE(a.test.size(), qint64(50));
        // Every row is in exactly one of the two.
        const Dataset whole = Dataset::forModel(model, s);
        const torch::Tensor both = torch::cat({a.training.inputs(), a.test.inputs()});
        QVERIFY(torch::allclose(std::get<0>(both.sum(1).sort()), std::get<0>(whole.inputs().sum(1).sort())));
        // The same seed holds out the same rows; another seed others.
        QVERIFY(torch::equal(runData(model, s).test.inputs(), a.test.inputs()));
        s.seed = 6;
        QVERIFY(!torch::equal(runData(model, s).test.targets(), a.test.targets()));
        // A share that leaves nothing to train on is a sentence.
        s.data.samples = 1;
        s.data.test.share = 0.5;
        try {
            runData(model, s);
            QFAIL("a run with no rows to train on was made");
        } catch (const DataError &e) {
            QCOMPARE(e.message(), QStringLiteral("Holding out 1 of 1 rows as the test set leaves none to train on."));
        }
    }

    void testSettingsReadAndRefused()
    {
        const TrainingSettings s = settingsFrom(
            R"({"data": {"kind": "csv", "path": "a.csv", "test": {"source": "file", "path": "b.csv", "each_epoch": true}}})");
        QCOMPARE(s.data.test.source, TestSettings::Source::File);
        QCOMPARE(s.data.test.path, QStringLiteral("b.csv"));
        QVERIFY(s.data.test.eachEpoch);
        QCOMPARE(TrainingSettings::fromJson(s.toJson()), s);
        // Without a test set nothing is written: older files stay as they were.
        QVERIFY(!TrainingSettings().toJson().value(QStringLiteral("data")).toObject().contains(QStringLiteral("test")));

        const struct
        {
            const char *json;
            const char *message;
        } refused[] = {
            {R"({"data": {"kind": "csv", "path": "a.csv", "test": {"source": "own"}}})",
             "training.data.test.source: a csv data set has no test set of its own; hold out a share of its rows "
             "(share) or name a second file (file)"},
            {R"({"data": {"kind": "blobs", "test": {"source": "file", "path": "b.csv"}}})",
             "training.data.test.source: a blobs data set is generated, not read from a file; hold out a share of its "
             "rows (share)"},
            {R"({"data": {"kind": "fashion_mnist", "test": {"source": "file", "path": "t.idx"}}})",
             "training.data.test.labels: a test set in IDX files needs its images file (path) and its labels file "
             "(labels)"},
            {R"({"data": {"kind": "blobs", "test": {"source": "share", "share": 0}}})",
             "training.data.test.share: expected a fraction above 0 and at most 0.99"},
            {R"({"data": {"kind": "blobs", "test": {"source": "all"}}})",
             "training.data.test.source: expected one of none, own, share, file"},
            {R"({"data": {"kind": "blobs", "test": {"sauce": "own"}}})", "training.data.test.sauce: unknown field"},
        };
        for (const auto &r : refused) {
            try {
                TrainingSettings::fromJson(QJsonDocument::fromJson(r.json).object());
                QFAIL(r.json);
            } catch (const ProjectFormatError &e) {
                QCOMPARE(e.message(), QString::fromUtf8(r.message));
            }
        }
    }

    void csvTestFileReadByTheSameRules()
    {
        QTemporaryDir dir;
        auto write = [&](const char *name, const QByteArray &text) {
            QFile f(dir.filePath(QLatin1String(name)));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        QByteArray train = "y,a,b,c,d,e,f,g,h,i,j\n";
        for (int r = 0; r < 20; ++r)
            train += QByteArray::number(r % 2) + ",1,2,3,4,5,6,7,8,9,10\n";
        write("train.csv", train);
        write("test.csv", "j,i,h,g,f,e,d,c,b,a,y\n10,9,8,7,6,5,4,3,2,1,1\n10,9,8,7,6,5,4,3,2,1,0\n");
        write("bad.csv", "a,b,c,d,e,f,g,h,i,j,y\n1,2,3,4,5,6,7,8,9,x,1\n");
        const CheckedModel model = CheckedModel::check(example(QStringLiteral("encoder-decoder.mcproj")));
        TrainingSettings s = settingsFrom(
            R"({"loss": "bce", "data": {"kind": "csv", "path": "train.csv", "targets": ["y"], "test": {"source": "file", "path": "test.csv"}}})");
        const RunData run = runData(model, s, dir.path());
        QCOMPARE(run.training.size(), qint64(20));
        QCOMPARE(run.test.size(), qint64(2));
        // Columns by name, whatever their order in the test file.
        QCOMPARE(run.test.inputs()[0][0].item<float>(), 1.f);
        QCOMPARE(run.test.inputs()[0][9].item<float>(), 10.f);
        QCOMPARE(run.test.targets()[1][0].item<float>(), 0.f);
        s.data.test.path = QStringLiteral("bad.csv");
        try {
            runData(model, s, dir.path());
            QFAIL("a bad test file was read");
        } catch (const DataError &e) {
            QVERIFY2(e.message().contains(QStringLiteral("bad.csv line 2, column 10 (j): \"x\" is not a number.")),
                     qPrintable(e.message()));
        }
    }

    void trainerJudgesTheHeldOutRows()
    {
        // Blobs, four classes, through a small classifier: it learns, and the
        // test set it never saw says so; each epoch's accuracies are kept.
        const ProjectData p = ProjectFile::fromBytes(R"({
            "format": "modelcomposer-project", "version": 2, "root": "Classifier",
            "types": [{"name": "Classifier",
                "instances": [{"name": "fc1", "type": "Linear", "options": {"out_features": 16}},
                              {"name": "relu", "type": "ReLU"},
                              {"name": "fc2", "type": "Linear", "options": {"out_features": 4}}],
                "nodes": [{"id": 1, "input": "x", "features": 10}, {"id": 2, "call": "fc1"}, {"id": 3, "call": "relu"},
                          {"id": 4, "call": "fc2"}, {"id": 5, "output": "logits"}],
                "wires": [{"from": [1, 0], "to": [2, 0]}, {"from": [2, 0], "to": [3, 0]},
                          {"from": [3, 0], "to": [4, 0]}, {"from": [4, 0], "to": [5, 0]}]}]})");
        const CheckedModel model = CheckedModel::check(p);
        const TrainingSettings s = settingsFrom(
            R"({"loss": "cross_entropy", "learning_rate": 0.01, "batch_size": 32, "epochs": 4, "validation_split": 0.2, "seed": 2,
                "data": {"kind": "blobs", "samples": 1000, "test": {"source": "share", "share": 0.2, "each_epoch": true}}})");
        const RunData run = runData(model, s);
        Trainer trainer;
        QString error;
        QVERIFY2(trainer.setup(model, s, run.training, &error), qPrintable(error));
        trainer.setTestSet(run.test);
        TrainingResult result;
        connect(&trainer, &Trainer::finished, this, [&](const TrainingResult &r) { result = r; });
        trainer.run();
        QVERIFY2(result.ok(), qPrintable(result.message));
        QCOMPARE(trainer.trainRows() + trainer.validationRows(), qint64(800));
        const Evaluation &e = result.evaluation;
        QCOMPARE(e.samples, qint64(200));
        QVERIFY2(e.accuracy > 0.9, qPrintable(e.summary()));
        qint64 total = 0;
        for (qint64 v : e.confusion)
            total += v;
        QCOMPARE(total, qint64(200));
        QCOMPARE(trainer.epochs().size(), 4);
        for (const EpochPoint &point : trainer.epochs()) {
            QVERIFY(point.valAccuracy >= 0 && point.valAccuracy <= 1);
            QVERIFY(point.testAccuracy >= 0 && point.testAccuracy <= 1);
        }
        QCOMPARE(trainer.epochs().last().testAccuracy, e.accuracy); // the same weights, the same rows
        // The next setup forgets the test set.
        QVERIFY(trainer.setup(model, s, run.training, &error));
        trainer.run();
        QVERIFY(result.evaluation.isEmpty());
    }

};

QTEST_GUILESS_MAIN(TestEvaluation)
#include "tst_evaluation.moc"
