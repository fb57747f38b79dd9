// `modelcomposer-cli train`, run as a user runs it (QProcess).

#include "training/Checkpoint.h"
#include "data/Dataset.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/script.h>

using namespace mc;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

/// Runs `modelcomposer-cli train ARGS`, or with `commandGiven` the command
/// that ARGS start with.
Run cli(const QStringList &args, bool commandGiven = false)
{
    QProcess p;
    p.start(QStringLiteral(MC_CLI), commandGiven ? args : QStringList{QStringLiteral("train")} + args);
    if (!p.waitForFinished(120000))
        return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QString example(const QString &name)
{
    return QStringLiteral(MC_EXAMPLES_DIR "/") + name;
}

QString describe(const Run &r)
{
    return QStringLiteral("exit %1\nstdout:\n%2\nstderr:\n%3").arg(r.exitCode).arg(r.out, r.err);
}

QStringList readLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QStringList epochLines(const QString &out)
{
    QStringList lines;
    for (const QString &line : out.split(QLatin1Char('\n')))
        if (line.startsWith(QLatin1String("epoch ")))
            lines.append(line);
    return lines;
}

const QString kTenFeatures = QStringLiteral(MC_TESTDATA_DIR "/ten-features.csv");
const QString kTenInputs = QStringLiteral("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9");

} // namespace

class tst_CliTrain : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void articleRun_data();
    void articleRun();
    void metricsFile();
    void batchesInFileOrderWithNoShuffle();
    void sameSeedSameMetrics();
    void resumeContinuesTheRun();
    void exportWritesTrainedWeights();
    void wideCsvNamesAFewColumns();
    void testSetReport();
    void testSetInProgressJson();
    void imageFolderFromTheCommandLine();
    void evaluateGivesTheRunsVerdict();
    void evaluateWithoutATestSet();
    void evaluateRefuses_data();
    void evaluateRefuses();
    void failures_data();
    void failures();

private:
    QTemporaryDir m_shared; ///< A trained shared-block run: last.ckpt and out.pt.
    Run m_sharedRun;
};

void tst_CliTrain::initTestCase()
{
    QVERIFY(m_shared.isValid());
    m_sharedRun = cli({example(QStringLiteral("shared-block.mcproj")), QStringLiteral("--export"),
                       m_shared.filePath(QStringLiteral("out.pt")), QStringLiteral("--checkpoint-dir"), m_shared.path()});
    QVERIFY2(m_sharedRun.exitCode == 0, qPrintable(describe(m_sharedRun)));
}

void tst_CliTrain::articleRun_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("plan");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj"
                                     << "training EncoderDecoderLightning (61 parameters, 61 trainable) on 32 "
                                        "random_binary samples: 32 training and 0 validation rows, 2 batch(es) of 16 "
                                        "per epoch; bce, adam lr 0.001";
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj"
                                         << "training ConfigurableLightning (706 parameters, 706 trainable)";
    QTest::addRow("shared_block") << "shared-block.mcproj"
                                  << "training ExternalInjection (330 parameters, 330 trainable) on 32 random_normal "
                                     "samples";
}

void tst_CliTrain::articleRun()
{
    // The article's own run: 32 samples, batches of 16, 2 epochs of 2 batches.
    QFETCH(QString, file);
    QFETCH(QString, plan);
    const Run r = cli({example(file)});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY(r.err.isEmpty());
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY2(lines.at(0).startsWith(plan), qPrintable(lines.at(0)));
    const QRegularExpression epoch(QStringLiteral(R"(^epoch [12]/2  train_loss \d+\.?\d*(e-?\d+)?  samples/s \d+$)"));
    QVERIFY2(epoch.match(lines.at(1)).hasMatch(), qPrintable(lines.at(1)));
    QVERIFY2(epoch.match(lines.at(2)).hasMatch(), qPrintable(lines.at(2)));
    QVERIFY(lines.at(1).startsWith(QLatin1String("epoch 1/2")));
    QVERIFY(lines.at(2).startsWith(QLatin1String("epoch 2/2")));
    const QRegularExpression done(QStringLiteral(R"(^done: 2 epoch\(s\), 4 step\(s\); training \d+\.\d{3} s, total time \d+\.\d{3} s$)"));
    QVERIFY2(done.match(lines.at(3)).hasMatch(), qPrintable(lines.at(3)));
}

void tst_CliTrain::metricsFile()
{
    // 40 samples, a quarter held out: 30 training rows, batches of 16 -> 2 per epoch.
    QTemporaryDir dir;
    const QString metrics = dir.filePath(QStringLiteral("m.csv"));
    const Run r = cli({example(QStringLiteral("shared-block.mcproj")), QStringLiteral("--samples"), QStringLiteral("40"),
                       QStringLiteral("--val-split"), QStringLiteral("0.25"), QStringLiteral("--epochs"),
                       QStringLiteral("3"), QStringLiteral("--limit-train-batches"), QStringLiteral("0"),
                       QStringLiteral("--metrics"), metrics});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QStringList epochs = epochLines(r.out);
    QCOMPARE(epochs.size(), 3);
    for (const QString &line : epochs)
        QVERIFY2(line.contains(QLatin1String("  val_loss ")), qPrintable(line));
    QVERIFY(r.out.contains(QLatin1String("30 training and 10 validation rows, 2 batch(es) of 16")));

    const QStringList rows = readLines(metrics);
    QCOMPARE(rows.size(), 1 + 6);
    QCOMPARE(rows.at(0), QStringLiteral("epoch,step,train_loss,val_loss,val_accuracy,test_loss,test_accuracy"));
    double epochSum = 0;
    for (int k = 1; k < rows.size(); ++k) {
        const QStringList cells = rows.at(k).split(QLatin1Char(','));
        QCOMPARE(cells.size(), 7);
        // A regression target has no accuracy, and this run no test set.
        for (int c = 4; c < 7; ++c)
            QVERIFY2(cells.at(c).isEmpty(), qPrintable(rows.at(k)));
        QCOMPARE(cells.at(0), QString::number((k - 1) / 2));
        QCOMPARE(cells.at(1), QString::number(k - 1));
        bool ok = false;
        const double loss = cells.at(2).toDouble(&ok);
        QVERIFY(ok && loss > 0);
        const bool lastOfEpoch = (k - 1) % 2 == 1;
        QCOMPARE(cells.at(3).isEmpty(), !lastOfEpoch);
        epochSum += loss;
        if (lastOfEpoch) {
            // The epoch line shows the mean of its rows and the same validation loss.
            const QString line = epochs.at((k - 1) / 2);
            const double shownMean = line.section(QStringLiteral("train_loss "), 1).section(QLatin1Char(' '), 0, 0).toDouble();
            const double shownVal = line.section(QStringLiteral("val_loss "), 1).section(QLatin1Char(' '), 0, 0).toDouble();
            QVERIFY(std::abs(shownMean - epochSum / 2) < 1e-5 * std::max(1.0, shownMean));
            QVERIFY(std::abs(shownVal - cells.at(3).toDouble()) < 1e-5 * std::max(1.0, shownVal));
            epochSum = 0;
        }
    }
}

void tst_CliTrain::batchesInFileOrderWithNoShuffle()
{
    // With --no-shuffle and no validation split, batch k is rows 4k..4k+3 of the
    // file. A vanishing learning rate keeps the initial weights, so each
    // step's loss is the initial model's loss on those rows.
    QTemporaryDir dir;
    const QString metrics = dir.filePath(QStringLiteral("m.csv"));
    const Run r = cli({example(QStringLiteral("encoder-decoder.mcproj")), QStringLiteral("--data"), kTenFeatures,
                       QStringLiteral("--inputs"), kTenInputs, QStringLiteral("--targets"), QStringLiteral("y"),
                       QStringLiteral("--no-shuffle"), QStringLiteral("--batch-size"), QStringLiteral("4"),
                       QStringLiteral("--limit-train-batches"), QStringLiteral("0"), QStringLiteral("--loss"),
                       QStringLiteral("mse"), QStringLiteral("--optimizer"), QStringLiteral("sgd"),
                       QStringLiteral("--momentum"), QStringLiteral("0"), QStringLiteral("--lr"),
                       QStringLiteral("1e-30"), QStringLiteral("--epochs"), QStringLiteral("1"),
                       QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--metrics"), metrics});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QStringList rows = readLines(metrics);
    QCOMPARE(rows.size(), 1 + 5);

    const ProjectData project = ProjectFile::load(example(QStringLiteral("encoder-decoder.mcproj")));
    const Dataset data = Dataset::csv(kTenFeatures, kTenInputs.split(QLatin1Char(',')), {QStringLiteral("y")}, 10, 1,
                                      false);
    ComposedModule model = ModelBuilder::build(project, 3);
    torch::NoGradGuard noGrad;
    for (int k = 0; k < 5; ++k) {
        const float expected = torch::mse_loss(model->forward(data.inputs().narrow(0, 4 * k, 4)),
                                               data.targets().narrow(0, 4 * k, 4))
                                   .item<float>();
        QCOMPARE(rows.at(k + 1).section(QLatin1Char(','), 2, 2).toFloat(), expected);
    }
}

void tst_CliTrain::sameSeedSameMetrics()
{
    QTemporaryDir dir;
    auto run = [&](const QString &seed, const QString &name) {
        const QString metrics = dir.filePath(name);
        const Run r = cli({example(QStringLiteral("configurable-blocks.mcproj")), QStringLiteral("--data-kind"),
                           QStringLiteral("blobs"), QStringLiteral("--samples"), QStringLiteral("64"),
                           QStringLiteral("--val-split"), QStringLiteral("0.25"), QStringLiteral("--seed"), seed,
                           QStringLiteral("--limit-train-batches"), QStringLiteral("0"), QStringLiteral("--metrics"),
                           metrics});
        return r.exitCode == 0 ? readLines(metrics) : QStringList();
    };
    const QStringList a = run(QStringLiteral("5"), QStringLiteral("a.csv"));
    const QStringList b = run(QStringLiteral("5"), QStringLiteral("b.csv"));
    const QStringList c = run(QStringLiteral("6"), QStringLiteral("c.csv"));
    QCOMPARE(a.size(), 1 + 2 * 3);
    QCOMPARE(a, b);
    QVERIFY(a != c);
}

void tst_CliTrain::resumeContinuesTheRun()
{
    // 2 epochs with a checkpoint, then --resume to 4 epochs: the same metrics
    // as 4 epochs in one go.
    QTemporaryDir dir;
    const QStringList common{example(QStringLiteral("shared-block.mcproj")), QStringLiteral("--samples"),
                             QStringLiteral("48"), QStringLiteral("--limit-train-batches"), QStringLiteral("0"),
                             QStringLiteral("--schedule"), QStringLiteral("step"), QStringLiteral("--step-size"),
                             QStringLiteral("1"), QStringLiteral("--gamma"), QStringLiteral("0.5"),
                             QStringLiteral("--val-split"), QStringLiteral("0.25")};
    const Run whole = cli(common + QStringList{QStringLiteral("--epochs"), QStringLiteral("4"), QStringLiteral("--metrics"),
                                               dir.filePath(QStringLiteral("whole.csv"))});
    QVERIFY2(whole.exitCode == 0, qPrintable(describe(whole)));
    const Run first = cli(common + QStringList{QStringLiteral("--epochs"), QStringLiteral("2"),
                                               QStringLiteral("--checkpoint-dir"), dir.filePath(QStringLiteral("ckpt"))});
    QVERIFY2(first.exitCode == 0, qPrintable(describe(first)));
    const QString checkpoint = dir.filePath(QStringLiteral("ckpt/last.ckpt"));
    QVERIFY2(first.out.contains(QStringLiteral("checkpoint ") + checkpoint), qPrintable(first.out));
    const Run second = cli({example(QStringLiteral("shared-block.mcproj")), QStringLiteral("--resume"), checkpoint,
                            QStringLiteral("--epochs"), QStringLiteral("4"), QStringLiteral("--metrics"),
                            dir.filePath(QStringLiteral("resumed.csv"))});
    QVERIFY2(second.exitCode == 0, qPrintable(describe(second)));
    QVERIFY(second.out.contains(QLatin1String("resuming at epoch 3, step 6")));
    // Only the new epochs are printed; the metrics hold the whole history.
    const QStringList lines = epochLines(second.out);
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines.at(0).startsWith(QLatin1String("epoch 3/4")));
    QCOMPARE(readLines(dir.filePath(QStringLiteral("resumed.csv"))), readLines(dir.filePath(QStringLiteral("whole.csv"))));
    QCOMPARE(epochLines(whole.out).at(3).section(QLatin1String("  samples/s"), 0, 0),
             lines.at(1).section(QLatin1String("  samples/s"), 0, 0));
}

void tst_CliTrain::exportWritesTrainedWeights()
{
    const QString pt = m_shared.filePath(QStringLiteral("out.pt"));
    QVERIFY(m_sharedRun.out.contains(QStringLiteral("exported ") + pt));
    QVERIFY(m_sharedRun.out.contains(QStringLiteral("checkpoint ") + m_shared.filePath(QStringLiteral("last.ckpt"))));
    const Checkpoint trained = Checkpoint::load(m_shared.filePath(QStringLiteral("last.ckpt")));
    QCOMPARE(trained.step, qint64(4));
    torch::jit::Module m = torch::jit::load(pt.toStdString());
    std::map<std::string, torch::Tensor> exported;
    for (const auto &p : m.named_parameters())
        exported[p.name] = p.value;
    QCOMPARE(exported.size(), size_t(6));
    int matched = 0;
    for (const auto &[name, tensor] : trained.tensors) {
        QVERIFY2(exported.count(name), name.c_str());
        QVERIFY(torch::equal(exported.at(name), tensor));
        ++matched;
    }
    QCOMPARE(matched, 6);
}

void tst_CliTrain::wideCsvNamesAFewColumns()
{
    // x[784] -> fc -> y[1]: a CSV of 784 pixel columns and a target.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString project = dir.filePath(QStringLiteral("wide.mcproj"));
    QFile p(project);
    QVERIFY(p.open(QIODevice::WriteOnly));
    p.write(R"({"format": "modelcomposer-project", "version": 1, "root": "Wide",
        "types": [{"name": "Wide",
            "instances": [{"name": "fc", "type": "Linear", "options": {"out_features": 1}}],
            "nodes": [{"id": 1, "input": "x", "features": 784, "pos": [0, 0]},
                      {"id": 2, "call": "fc", "pos": [200, 0]},
                      {"id": 3, "output": "y", "pos": [400, 0]}],
            "wires": [{"from": [1, 0], "to": [2, 0]}, {"from": [2, 0], "to": [3, 0]}]}],
        "training": {"loss": "mse", "epochs": 1, "batch_size": 4}})");
    p.close();
    const QString csv = dir.filePath(QStringLiteral("pixels.csv"));
    QFile c(csv);
    QVERIFY(c.open(QIODevice::WriteOnly));
    QStringList header;
    for (int i = 0; i < 784; ++i)
        header << QStringLiteral("p%1").arg(i);
    header << QStringLiteral("label");
    c.write(header.join(QLatin1Char(',')).toUtf8() + "\n");
    for (int row = 0; row < 4; ++row) {
        QStringList values;
        for (int i = 0; i <= 784; ++i)
            values << QString::number((row + i) % 7);
        c.write(values.join(QLatin1Char(',')).toUtf8() + "\n");
    }
    c.close();
    const Run r = cli({project, QStringLiteral("--data"), csv, QStringLiteral("--targets"), QStringLiteral("label")});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QString first = r.out.section(QLatin1Char('\n'), 0, 0);
    QVERIFY2(first.contains(QStringLiteral("inputs p0, p1, … p783: 784 columns")), qPrintable(first));
    QVERIFY2(first.contains(QStringLiteral("targets label")), qPrintable(first));
    QVERIFY2(!first.contains(QStringLiteral("p392")), qPrintable(first.left(300)));
    QVERIFY2(first.size() < 400, qPrintable(first.left(400)));
}

void tst_CliTrain::testSetReport()
{
    // LeNet on a few batches of Fashion-MNIST, judged on its 10,000 test images.
    const Run r = cli({example(QStringLiteral("lenet.mcproj")), QStringLiteral("--data-kind"),
                       QStringLiteral("fashion_mnist"), QStringLiteral("--loss"), QStringLiteral("cross_entropy"),
                       QStringLiteral("--epochs"), QStringLiteral("1"), QStringLiteral("--limit-train-batches"),
                       QStringLiteral("20"), QStringLiteral("--batch-size"), QStringLiteral("64"),
                       QStringLiteral("--val-split"), QStringLiteral("0.1"), QStringLiteral("--test-set"),
                       QStringLiteral("own"), QStringLiteral("--threads"), QStringLiteral("2")});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(r.out.section(QLatin1Char('\n'), 0, 0).endsWith(
                 QStringLiteral("tested on Fashion-MNIST test set: 10000 images of 28×28, 10 classes")),
             qPrintable(r.out));
    QVERIFY2(epochLines(r.out).value(0).contains(QStringLiteral("val_accuracy ")), qPrintable(r.out));
    const QString test = r.out.section(QStringLiteral("test: "), 1);
    const QRegularExpression accuracy(QStringLiteral("^accuracy (0\\.\\d{4}) \\((\\d+) of 10000\\), top-5 "));
    const QRegularExpressionMatch m = accuracy.match(test);
    QVERIFY2(m.hasMatch(), qPrintable(r.out));
    QVERIFY2(m.captured(1).toDouble() > 0.3, qPrintable(test.left(200))); // chance is 0.1
    // One row per class with its 1,000 images, and the matrix's rows add up to them.
    QStringList rows;
    for (const QString &line : test.split(QLatin1Char('\n')))
        if (QRegularExpression(QStringLiteral("^ *\\d  \\S")).match(line).hasMatch())
            rows.append(line);
    QCOMPARE(rows.size(), 10);
    qint64 right = 0;
    for (int c = 0; c < 10; ++c) {
        QVERIFY2(test.contains(QRegularExpression(QStringLiteral("\n%1 +[01]\\.\\d{4} +[01]\\.\\d{4} +[01]\\.\\d{4} +1000\n")
                                                      .arg(QRegularExpression::escape(Dataset::fashionMnistClasses().at(c))))),
                 qPrintable(Dataset::fashionMnistClasses().at(c)));
        const QStringList cells = rows.at(c).section(Dataset::fashionMnistClasses().at(c), 1).split(
            QLatin1Char(' '), Qt::SkipEmptyParts);
        QCOMPARE(cells.size(), 10);
        qint64 sum = 0;
        for (const QString &cell : cells)
            sum += cell.toLongLong();
        QCOMPARE(sum, qint64(1000));
        right += cells.at(c).toLongLong();
    }
    QCOMPARE(right, m.captured(2).toLongLong()); // the diagonal is the accuracy's count
}

void tst_CliTrain::testSetInProgressJson()
{
    // A held-out share of a CSV, evaluated after each epoch too.
    QTemporaryDir dir;
    const QString metrics = dir.filePath(QStringLiteral("m.csv"));
    const Run r = cli({example(QStringLiteral("encoder-decoder.mcproj")), QStringLiteral("--data"), kTenFeatures,
                       QStringLiteral("--loss"), QStringLiteral("bce"), QStringLiteral("--epochs"),
                       QStringLiteral("2"), QStringLiteral("--test-set"), QStringLiteral("share"),
                       QStringLiteral("--test-share"), QStringLiteral("0.25"), QStringLiteral("--test-each-epoch"),
                       QStringLiteral("--val-split"), QStringLiteral("0.2"), QStringLiteral("--progress-json"),
                       QStringLiteral("--metrics"), metrics});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QJsonObject result;
    QVector<QJsonObject> epochs;
    for (const QString &line : r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        if (o.value(QStringLiteral("type")) == QStringLiteral("result"))
            result = o;
        for (const QJsonValue &e : o.value(QStringLiteral("epochs")).toArray())
            epochs.append(e.toObject());
    }
    QCOMPARE(epochs.size(), 2);
    const QJsonObject evaluation = result.value(QStringLiteral("evaluation")).toObject();
    QCOMPARE(evaluation.value(QStringLiteral("task")).toString(), QStringLiteral("binary"));
    const qint64 rows = qint64(evaluation.value(QStringLiteral("samples")).toDouble());
    const QJsonArray confusion = evaluation.value(QStringLiteral("confusion")).toArray();
    qint64 cells = 0;
    for (const QJsonValue &row : confusion)
        for (const QJsonValue &v : row.toArray())
            cells += qint64(v.toDouble());
    QCOMPARE(cells, rows);
    QVERIFY(rows > 0);
    // The last epoch was evaluated on the same rows with the same weights.
    QCOMPARE(epochs.last().value(QStringLiteral("test_accuracy")).toDouble(),
             evaluation.value(QStringLiteral("accuracy")).toDouble());
    QVERIFY(epochs.first().value(QStringLiteral("test_loss")).isDouble());

    // The metrics file carries the same figures on each epoch's last row, and
    // leaves the other rows' epoch columns empty.
    const QStringList lines = readLines(metrics);
    QCOMPARE(lines.at(0), QStringLiteral("epoch,step,train_loss,val_loss,val_accuracy,test_loss,test_accuracy"));
    int epochRows = 0;
    for (int k = 1; k < lines.size(); ++k) {
        const QStringList cells = lines.at(k).split(QLatin1Char(','));
        QCOMPARE(cells.size(), 7);
        if (cells.at(3).isEmpty()) {
            for (int c = 4; c < 7; ++c)
                QVERIFY2(cells.at(c).isEmpty(), qPrintable(lines.at(k)));
            continue;
        }
        const QJsonObject e = epochs.at(epochRows++);
        QCOMPARE(cells.at(1).toLongLong() + 1, qint64(e.value(QStringLiteral("end_step")).toDouble()));
        const char *keys[] = {"val_loss", "val_accuracy", "test_loss", "test_accuracy"};
        for (int c = 3; c < 7; ++c) {
            const QJsonValue shown = e.value(QLatin1String(keys[c - 3]));
            if (!shown.isDouble()) {
                QVERIFY2(cells.at(c).isEmpty(), qPrintable(lines.at(k)));
                continue;
            }
            const double want = shown.toDouble();
            QVERIFY2(!cells.at(c).isEmpty() && std::abs(cells.at(c).toDouble() - want) <= 1e-7 * std::max(1.0, std::abs(want)),
                     qPrintable(lines.at(k)));
        }
    }
    QCOMPARE(epochRows, 2);
}

namespace {

/// The `result` line's evaluation of a --progress-json run.
QJsonObject resultEvaluation(const QString &out)
{
    for (const QString &line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        if (o.value(QStringLiteral("type")) == QStringLiteral("result"))
            return o.value(QStringLiteral("evaluation")).toObject();
    }
    return {};
}

} // namespace

void tst_CliTrain::imageFolderFromTheCommandLine()
{
    // LeNet on a folder of 12×12 images, scaled to its 28×28 input, judged on
    // a second folder: the classes are the folders' names.
    const QString images = QStringLiteral(MC_TESTDATA_DIR "/images/");
    const Run r = cli({example(QStringLiteral("lenet.mcproj")), QStringLiteral("--data-kind"),
                       QStringLiteral("image_folder"), QStringLiteral("--data"), images + QStringLiteral("train"),
                       QStringLiteral("--test-data"), images + QStringLiteral("test"), QStringLiteral("--loss"),
                       QStringLiteral("cross_entropy"), QStringLiteral("--epochs"), QStringLiteral("2"),
                       QStringLiteral("--batch-size"), QStringLiteral("8"), QStringLiteral("--threads"), QStringLiteral("1")});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QString plan = r.out.section(QLatin1Char('\n'), 0, 0);
    QVERIFY2(plan.contains(QStringLiteral("on train: 32 images of 12×12 scaled to 28×28, 2 classes: 26 training and 6 validation rows")), qPrintable(plan));
    QVERIFY2(plan.endsWith(QStringLiteral("tested on test: 8 images of 12×12 scaled to 28×28, 2 classes")), qPrintable(plan));
    QVERIFY2(QRegularExpression(QStringLiteral("\ntest: accuracy [01]\\.\\d{4} \\(\\d of 8\\)")).match(r.out).hasMatch(),
             qPrintable(r.out));
    for (const char *name : {"horizontal", "vertical"})
        QVERIFY2(QRegularExpression(QStringLiteral("\n%1 +[01]\\.\\d{4} +[01]\\.\\d{4} +[01]\\.\\d{4} +4\n").arg(QLatin1String(name)))
                     .match(r.out)
                     .hasMatch(),
                 qPrintable(r.out));

    // A folder that is not there: one sentence, nothing trained.
    const Run missing = cli({example(QStringLiteral("lenet.mcproj")), QStringLiteral("--data-kind"),
                             QStringLiteral("image_folder"), QStringLiteral("--data"), images + QStringLiteral("nowhere"),
                             QStringLiteral("--loss"), QStringLiteral("cross_entropy")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.trimmed().endsWith(QStringLiteral("images/nowhere is not a folder.")), qPrintable(describe(missing)));
    QVERIFY(!missing.out.contains(QStringLiteral("epoch ")));
}

void tst_CliTrain::evaluateGivesTheRunsVerdict()
{
    // A run that holds out a quarter of the rows as its test set, then
    // `evaluate` with its checkpoint: the checkpoint's seed holds out the
    // same rows, its weights give the same verdict, count for count.
    QTemporaryDir dir;
    const QString ed = example(QStringLiteral("encoder-decoder.mcproj"));
    const Run trained = cli({ed, QStringLiteral("--data"), kTenFeatures, QStringLiteral("--loss"), QStringLiteral("bce"),
                             QStringLiteral("--epochs"), QStringLiteral("3"), QStringLiteral("--seed"), QStringLiteral("11"),
                             QStringLiteral("--test-set"), QStringLiteral("share"), QStringLiteral("--test-share"),
                             QStringLiteral("0.25"), QStringLiteral("--progress-json"), QStringLiteral("--checkpoint-dir"),
                             dir.path()});
    QVERIFY2(trained.exitCode == 0, qPrintable(describe(trained)));
    const QJsonObject want = resultEvaluation(trained.out);
    QVERIFY2(want.value(QStringLiteral("samples")).toDouble() > 0, qPrintable(trained.out));
    const QString checkpoint = dir.filePath(QStringLiteral("last.ckpt"));

    const Run judged = cli({QStringLiteral("evaluate"), ed, QStringLiteral("--checkpoint"), checkpoint, QStringLiteral("--json")}, true);
    QVERIFY2(judged.exitCode == 0, qPrintable(describe(judged)));
    const QJsonObject got = QJsonDocument::fromJson(judged.out.toUtf8()).object();
    QVERIFY2(got.value(QStringLiteral("test_set")).toBool(), qPrintable(judged.out));
    for (const char *key : {"task", "samples", "confusion", "accuracy", "precision", "recall"})
        QVERIFY2(got.value(QLatin1String(key)) == want.value(QLatin1String(key)),
                 qPrintable(QStringLiteral("%1: %2 against the run's %3")
                                .arg(QLatin1String(key),
                                     QString::fromUtf8(QJsonDocument(QJsonObject{{"v", got.value(QLatin1String(key))}}).toJson(QJsonDocument::Compact)),
                                     QString::fromUtf8(QJsonDocument(QJsonObject{{"v", want.value(QLatin1String(key))}}).toJson(QJsonDocument::Compact)))));
    const double loss = got.value(QStringLiteral("loss")).toDouble();
    QVERIFY(std::abs(loss - want.value(QStringLiteral("loss")).toDouble()) <= 1e-6 * std::max(1.0, loss));

    // The same verdict as text, and other weights give another one.
    const Run text = cli({QStringLiteral("evaluate"), ed, QStringLiteral("--checkpoint"), checkpoint}, true);
    QVERIFY2(text.exitCode == 0, qPrintable(describe(text)));
    QVERIFY2(text.out.startsWith(QStringLiteral("evaluated EncoderDecoderLightning with the weights of %1 (step ").arg(checkpoint)),
             qPrintable(text.out));
    QVERIFY2(text.out.contains(QStringLiteral("accuracy %1 (").arg(want.value(QStringLiteral("accuracy")).toDouble(), 0, 'f', 4)),
             qPrintable(text.out));
    const Run initial = cli({QStringLiteral("evaluate"), ed, QStringLiteral("--data"), kTenFeatures, QStringLiteral("--loss"),
                             QStringLiteral("bce"), QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--test-set"),
                             QStringLiteral("share"), QStringLiteral("--test-share"), QStringLiteral("0.25"), QStringLiteral("--json")},
                            true);
    QVERIFY2(initial.exitCode == 0, qPrintable(describe(initial)));
    const QJsonObject before = QJsonDocument::fromJson(initial.out.toUtf8()).object();
    QCOMPARE(before.value(QStringLiteral("samples")), want.value(QStringLiteral("samples")));
    QVERIFY(before.value(QStringLiteral("loss")).toDouble() != loss);
}

void tst_CliTrain::evaluateWithoutATestSet()
{
    // No test set: every row of the data, and a classifier's report.
    const Run r = cli({QStringLiteral("evaluate"), example(QStringLiteral("fashion-mnist-mlp.mcproj")),
                       QStringLiteral("--test-set"), QStringLiteral("none"), QStringLiteral("--threads"), QStringLiteral("2")},
                      true);
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QStringList lines = r.out.split(QLatin1Char('\n'));
    QVERIFY2(lines.at(0).contains(QStringLiteral("initial weights of seed")) &&
                 lines.at(0).endsWith(QStringLiteral("(the project names no test set)")),
             qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("^accuracy 0\\.\\d{4} \\(\\d+ of 60000\\), top-5 ")).match(lines.at(1)).hasMatch(),
             qPrintable(r.out));
    // The ten classes by name, each with its 6,000 training images.
    for (const QString &name : Dataset::fashionMnistClasses())
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("\n%1 +[01]\\.\\d{4} +[01]\\.\\d{4} +[01]\\.\\d{4} +6000\n")
                                                       .arg(QRegularExpression::escape(name)))),
                 qPrintable(name));
}

void tst_CliTrain::evaluateRefuses_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("err");
    const QString ed = example(QStringLiteral("encoder-decoder.mcproj"));
    QTest::addRow("no_project") << QStringList{"evaluate"} << 2 << "modelcomposer-cli: evaluate: evaluate takes one PROJECT file";
    QTest::addRow("seed_and_checkpoint") << QStringList{"evaluate", ed, "--seed", "1", "--checkpoint", "x.ckpt"} << 2
                                         << "modelcomposer-cli: evaluate: --seed and --checkpoint exclude each other: the weights come from one";
    QTest::addRow("missing_checkpoint") << QStringList{"evaluate", ed, "--checkpoint", "/nonexistent/x.ckpt"} << 1
                                        << "error: The checkpoint /nonexistent/x.ckpt does not exist.";
    QTest::addRow("bad_flag_value") << QStringList{"evaluate", ed, "--test-share", "2", "--test-set", "share"} << 2
                                    << "--test-share: expected a fraction above 0 and at most 0.99";
}

void tst_CliTrain::evaluateRefuses()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, err);
    const Run r = cli(args, true);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(err), qPrintable(describe(r)));
    QVERIFY(r.out.isEmpty());
}

void tst_CliTrain::failures_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("err");
    const QString ed = example(QStringLiteral("encoder-decoder.mcproj"));
    QTest::addRow("no_project") << QStringList() << 2 << "modelcomposer-cli: train: train takes one PROJECT file";
    QTest::addRow("unknown_flag") << QStringList{ed, "--bogus"} << 2 << "Unknown option 'bogus'.";
    QTest::addRow("not_a_number") << QStringList{ed, "--epochs", "two"} << 2
                                  << "--epochs expects a whole number, not 'two'";
    QTest::addRow("out_of_range") << QStringList{ed, "--batch-size", "0"} << 2
                                  << "--batch-size: expected a whole number from 1 to 1000000000";
    QTest::addRow("lr_above_its_range") << QStringList{ed, "--lr", "1e6"} << 2
                                        << "--lr: expected a number above 0 and at most 1000";
    QTest::addRow("columns_without_data") << QStringList{ed, "--inputs", "a,b"} << 2
                                          << "--inputs and --targets choose CSV columns; give the file with --data";
    QTest::addRow("own_test_set_of_a_csv")
        << QStringList{ed, "--data", "BAD_CSV", "--test-set", "own"} << 2
        << "--test-set: a csv data set has no test set of its own; hold out a share of its rows (share) or name a "
           "second file (file)";
    QTest::addRow("test_share_out_of_range") << QStringList{ed, "--test-set", "share", "--test-share", "1"} << 2
                                             << "--test-share: expected a fraction above 0 and at most 0.99";
    QTest::addRow("test_csv_without_a_column")
        << QStringList{ed, "--data", kTenFeatures, "--test-data", "BAD_CSV"} << 1
        << "error: bad.csv line 1, columns 1 to 11 (x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, y): no column is named "
           "`id`, asked for as an input.";
    QTest::addRow("twice") << QStringList{ed, "--epochs", "3", "--epochs", "4"} << 2 << "--epochs is given twice";
    QTest::addRow("missing_project") << QStringList{"/nonexistent/x.mcproj"} << 1 << "error: ";
    QTest::addRow("bad_csv_cell") << QStringList{ed, "--data", "BAD_CSV"} << 1
                                  << "error: bad.csv line 3, column 2 (x1): \"abc\" is not a number.";
    QTest::addRow("csv_too_narrow") << QStringList{ed, "--data", "NARROW_CSV"} << 1
                                    << "error: narrow.csv has 3 columns; the model needs 10 input column(s) and 1 "
                                       "target column(s).";
    QTest::addRow("missing_checkpoint") << QStringList{ed, "--resume", "/nonexistent/last.ckpt"} << 1
                                        << "error: The checkpoint /nonexistent/last.ckpt does not exist.";
    QTest::addRow("foreign_checkpoint") << QStringList{ed, "--resume", "FOREIGN_CKPT"} << 1
                                        << "The checkpoint was saved from a different model";
    QTest::addRow("truncated_checkpoint") << QStringList{ed, "--resume", "TRUNCATED_CKPT"} << 1
                                          << "is not a readable checkpoint: it is truncated";
    QTest::addRow("nesterov_without_momentum") << QStringList{ed, "--optimizer", "sgd", "--nesterov", "--momentum", "0"}
                                               << 1 << "error: Nesterov momentum needs a momentum above 0";
    QTest::addRow("loss_explodes") << QStringList{example(QStringLiteral("shared-block.mcproj")), "--optimizer", "sgd",
                                                  "--momentum", "0", "--lr", "1000", "--epochs", "50",
                                                  "--data-kind", "teacher"}
                                   << 1 << "became";
}

void tst_CliTrain::failures()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, err);
    QTemporaryDir dir;
    for (QString &a : args) {
        if (a == QLatin1String("BAD_CSV")) {
            a = dir.filePath(QStringLiteral("bad.csv"));
            QFile f(a);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,y\n"
                    "1,2,3,4,5,6,7,8,9,10,1\n"
                    "1,abc,3,4,5,6,7,8,9,10,0\n");
        } else if (a == QLatin1String("NARROW_CSV")) {
            a = dir.filePath(QStringLiteral("narrow.csv"));
            QFile f(a);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("a,b,y\n1,2,3\n");
        } else if (a == QLatin1String("FOREIGN_CKPT")) {
            a = m_shared.filePath(QStringLiteral("last.ckpt"));
        } else if (a == QLatin1String("TRUNCATED_CKPT")) {
            a = dir.filePath(QStringLiteral("truncated.ckpt"));
            QVERIFY(QFile::copy(m_shared.filePath(QStringLiteral("last.ckpt")), a));
            QFile f(a);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.resize(f.size() / 2));
        }
    }
    const Run r = cli(args);
    QVERIFY2(r.exitCode == exitCode, qPrintable(describe(r)));
    QVERIFY2(r.err.contains(err), qPrintable(describe(r)));
    if (exitCode == 1) {
        // One `error: …` line.
        const QStringList lines = r.err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1);
        QVERIFY(lines.first().startsWith(QLatin1String("error: ")));
    }
}

QTEST_GUILESS_MAIN(tst_CliTrain)
#include "tst_clitrain.moc"
