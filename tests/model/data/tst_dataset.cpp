#include "data/Dataset.h"
#include "data/DataTestUtil.h"
#include "document/ProjectFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

namespace {

const QString kTenFeatures = QStringLiteral(MC_TESTDATA_DIR "/ten-features.csv");

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return QString();
    f.write(bytes);
    return path;
}


} // namespace

Q_DECLARE_METATYPE(DataSettings::Kind)

class tst_Dataset : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void generatedShapes_data();
    void generatedShapes();
    void seeded_data();
    void seeded();
    void randomBinaryTargetsAreZeroOrOne();
    void blobsAreSeparable();
    void teacherTargetsFollowInputs();
    void forProjectSizes_data();
    void forProjectSizes();
    void csvDefaultColumns();
    void csvNamedColumns();
    void csvClassTargets();
    void csvRelativeToBaseDir();
    void csvQuotesBomBlankLinesCrlf();
    void csvErrors_data();
    void csvErrors();
    void csvMissingFile();
    void wrapsTensors();
};

void tst_Dataset::generatedShapes_data()
{
    QTest::addColumn<DataSettings::Kind>("kind");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::addColumn<bool>("classTargets");
    for (auto kind : {DataSettings::Kind::RandomBinary, DataSettings::Kind::RandomNormal, DataSettings::Kind::Blobs,
                      DataSettings::Kind::Teacher}) {
        const QString name = TrainingSettings::dataKindName(kind);
        QTest::addRow("%s_10_1", qPrintable(name)) << kind << 10 << 1 << false;
        QTest::addRow("%s_3_7", qPrintable(name)) << kind << 3 << 7 << false;
        QTest::addRow("%s_5_4_classes", qPrintable(name)) << kind << 5 << 4 << true;
    }
}

void tst_Dataset::generatedShapes()
{
    QFETCH(DataSettings::Kind, kind);
    QFETCH(int, in);
    QFETCH(int, out);
    QFETCH(bool, classTargets);
    TrainingSettings s;
    s.loss = classTargets ? TrainingSettings::Loss::CrossEntropy : TrainingSettings::Loss::Mse;
    s.data.kind = kind;
    s.data.samples = 40;
    const Dataset d = Dataset::create(s, in, out);
    QCOMPARE(d.size(), int64_t(40));
    QCOMPARE(d.inputs().sizes().vec(), (std::vector<int64_t>{40, in}));
    QCOMPARE(d.inputs().scalar_type(), torch::kFloat32);
    if (classTargets) {
        QCOMPARE(d.targets().sizes().vec(), (std::vector<int64_t>{40}));
        QCOMPARE(d.targets().scalar_type(), torch::kInt64);
        QVERIFY(d.targets().min().item<int64_t>() >= 0);
        QVERIFY(d.targets().max().item<int64_t>() < out);
    } else {
        QCOMPARE(d.targets().sizes().vec(), (std::vector<int64_t>{40, out}));
        QCOMPARE(d.targets().scalar_type(), torch::kFloat32);
    }
    QVERIFY(torch::isfinite(d.inputs()).all().item<bool>());
    QVERIFY(d.description().contains(QString::number(40)));
}

void tst_Dataset::seeded_data()
{
    QTest::addColumn<DataSettings::Kind>("kind");
    QTest::addRow("random_binary") << DataSettings::Kind::RandomBinary;
    QTest::addRow("random_normal") << DataSettings::Kind::RandomNormal;
    QTest::addRow("blobs") << DataSettings::Kind::Blobs;
    QTest::addRow("teacher") << DataSettings::Kind::Teacher;
}

void tst_Dataset::seeded()
{
    QFETCH(DataSettings::Kind, kind);
    TrainingSettings s;
    s.data.kind = kind;
    s.data.samples = 64;
    s.seed = 5;
    const Dataset a = Dataset::create(s, 6, 3);
    torch::manual_seed(999); // the global generator plays no part
    const Dataset b = Dataset::create(s, 6, 3);
    QVERIFY(torch::equal(a.inputs(), b.inputs()));
    QVERIFY(torch::equal(a.targets(), b.targets()));
    s.seed = 6;
    const Dataset c = Dataset::create(s, 6, 3);
    QVERIFY(!torch::equal(a.inputs(), c.inputs()));
}

void tst_Dataset::randomBinaryTargetsAreZeroOrOne()
{
    const Dataset d = Dataset::randomBinary(500, 10, 2, false, 0);
    const torch::Tensor t = d.targets();
    QVERIFY(((t == 0) | (t == 1)).all().item<bool>());
    // Both values occur, about half each.
    const double mean = t.mean().item<double>();
    QVERIFY2(mean > 0.4 && mean < 0.6, qPrintable(QString::number(mean)));
    // Inputs are standard normal.
    QVERIFY(std::abs(d.inputs().mean().item<double>()) < 0.1);
    QVERIFY(std::abs(d.inputs().std().item<double>() - 1.0) < 0.1);
    // random_normal targets are real numbers, not 0/1.
    const Dataset n = Dataset::randomNormal(500, 10, 2, false, 0);
    QVERIFY(!((n.targets() == 0) | (n.targets() == 1)).all().item<bool>());
}

void tst_Dataset::blobsAreSeparable()
{
    // One-hot targets for 4 outputs; a nearest-centre rule from the class means
    // of the data itself classifies almost every row.
    const Dataset d = Dataset::blobs(400, 8, 4, false, 3);
    QCOMPARE(d.targets().sizes().vec(), (std::vector<int64_t>{400, 4}));
    QVERIFY(torch::equal(d.targets().sum(1), torch::ones({400})));
    const torch::Tensor labels = d.targets().argmax(1);
    std::vector<torch::Tensor> centres;
    for (int c = 0; c < 4; ++c)
        centres.push_back(d.inputs().index({labels == c}).mean(0));
    const torch::Tensor distances = torch::cdist(d.inputs(), torch::stack(centres));
    const double accuracy = (distances.argmin(1) == labels).to(torch::kFloat32).mean().item<double>();
    QVERIFY2(accuracy > 0.9, qPrintable(QString::number(accuracy)));
    // One output: two classes as 0/1.
    const Dataset two = Dataset::blobs(100, 8, 1, false, 3);
    QCOMPARE(two.targets().sizes().vec(), (std::vector<int64_t>{100, 1}));
    QVERIFY(((two.targets() == 0) | (two.targets() == 1)).all().item<bool>());
    QVERIFY(two.targets().sum().item<double>() > 10);
}

void tst_Dataset::teacherTargetsFollowInputs()
{
    // One fixed teacher per seed: the BCE targets are the sign and the class
    // targets the argmax of the regression targets; regression targets vary.
    const Dataset large = Dataset::teacher(30, 4, 2, TrainingSettings::Loss::Mse, 1);
    QVERIFY(large.targets().std().item<double>() > 0.05);
    QVERIFY(!torch::equal(large.targets(), Dataset::teacher(30, 4, 2, TrainingSettings::Loss::Mse, 2).targets()));
    const Dataset bce = Dataset::teacher(30, 4, 2, TrainingSettings::Loss::Bce, 1);
    QVERIFY(torch::equal(bce.targets(), (large.targets() > 0).to(torch::kFloat32)));
    QVERIFY(bce.targets().sum().item<double>() > 5 && bce.targets().sum().item<double>() < 55);
    const Dataset classes = Dataset::teacher(30, 4, 2, TrainingSettings::Loss::CrossEntropy, 1);
    QCOMPARE(classes.targets().scalar_type(), torch::kInt64);
    QVERIFY(torch::equal(classes.targets(), large.targets().argmax(1)));
    QVERIFY(torch::equal(classes.inputs(), large.inputs()));
}

void tst_Dataset::forProjectSizes_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj" << 10 << 1;
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj" << 10 << 1;
    QTest::addRow("shared_block") << "shared-block.mcproj" << 10 << 10;
}

void tst_Dataset::forProjectSizes()
{
    QFETCH(QString, file);
    QFETCH(int, in);
    QFETCH(int, out);
    const ProjectData project = example(file);
    const TrainingSettings s = TrainingSettings::fromJson(project.training);
    const Dataset d = Dataset::forProject(project, s);
    QCOMPARE(d.size(), int64_t(32));
    QCOMPARE(d.inputs().size(1), int64_t(in));
    QCOMPARE(d.targets().size(1), int64_t(out));
}

void tst_Dataset::csvDefaultColumns()
{
    // id,x0..x9,label,y: the first 10 columns are inputs, the last 1 the target.
    const Dataset d = Dataset::csv(kTenFeatures, {}, {}, 10, 1, false);
    QCOMPARE(d.size(), int64_t(20));
    QCOMPARE(d.inputNames(), (QStringList{"id", "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8"}));
    QCOMPARE(d.targetNames(), QStringList{"y"});
    // Row 0: 0,-0.705,-1.397,...; y = 0.0968. Row 1 starts with id 1.
    QCOMPARE(d.inputs()[0][0].item<float>(), 0.0f);
    QCOMPARE(d.inputs()[0][1].item<float>(), -0.705f);
    QCOMPARE(d.inputs()[1][0].item<float>(), 1.0f);
    QCOMPARE(d.targets()[0][0].item<float>(), 0.0968f);
    QCOMPARE(d.targets()[1][0].item<float>(), -0.3513f);
    // Two targets: the last two columns.
    const Dataset two = Dataset::csv(kTenFeatures, {}, {}, 3, 2, false);
    QCOMPARE(two.targetNames(), (QStringList{"label", "y"}));
    QCOMPARE(two.inputNames(), (QStringList{"id", "x0", "x1"}));
}

void tst_Dataset::csvNamedColumns()
{
    const Dataset d = Dataset::csv(kTenFeatures, {"x2", "x0"}, {"y"}, 2, 1, false);
    QCOMPARE(d.inputNames(), (QStringList{"x2", "x0"}));
    QCOMPARE(d.inputs()[0][0].item<float>(), 0.604f);
    QCOMPARE(d.inputs()[0][1].item<float>(), -0.705f);
    // Only targets named: inputs are the first columns that are not targets.
    const Dataset t = Dataset::csv(kTenFeatures, {}, {"id"}, 2, 1, false);
    QCOMPARE(t.inputNames(), (QStringList{"x0", "x1"}));
    QCOMPARE(t.targets()[1][0].item<float>(), 1.0f);
    // Through the settings, as the project file names them.
    TrainingSettings s;
    s.data.kind = DataSettings::Kind::Csv;
    s.data.path = kTenFeatures;
    s.data.inputs = QStringList{"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"};
    s.data.targets = QStringList{"y"};
    const Dataset viaSettings = Dataset::forProject(example(QStringLiteral("encoder-decoder.mcproj")), s);
    QCOMPARE(viaSettings.inputNames(), s.data.inputs);
    QVERIFY(viaSettings.description().contains(QStringLiteral("ten-features.csv: 20 rows")));
}

void tst_Dataset::csvClassTargets()
{
    // Class targets take one column (the last by default) as int64 indices.
    const Dataset d = Dataset::csv(kTenFeatures, {"x0", "x1", "x2"}, {"label"}, 3, 2, true);
    QCOMPARE(d.targets().scalar_type(), torch::kInt64);
    QCOMPARE(d.targets().sizes().vec(), (std::vector<int64_t>{20}));
    QCOMPARE(d.targets()[0].item<int64_t>(), int64_t(0));
    // y holds fractions: not class indices. The message names line and column.
    const QString message = dataError([] { Dataset::csv(kTenFeatures, {"x0", "x1", "x2"}, {}, 3, 2, true); });
    QCOMPARE(message, QStringLiteral("ten-features.csv line 2, column 13 (y): 0.0968 is not a class index "
                                     "(a whole number from 0 to 1)."));
}

void tst_Dataset::csvRelativeToBaseDir()
{
    TrainingSettings s;
    s.data.kind = DataSettings::Kind::Csv;
    s.data.path = QStringLiteral("ten-features.csv");
    const Dataset d = Dataset::create(s, 10, 1, QStringLiteral(MC_TESTDATA_DIR));
    QCOMPARE(d.size(), int64_t(20));
    const QString message = dataError([&] { Dataset::create(s, 10, 1, QStringLiteral(MC_EXAMPLES_DIR)); });
    QVERIFY2(message.contains(QStringLiteral("does not exist")), qPrintable(message));
}

void tst_Dataset::csvQuotesBomBlankLinesCrlf()
{
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("quoted.csv"),
                                   "\xEF\xBB\xBF\"a, first\",b,\"the \"\"target\"\"\"\r\n"
                                   "1,2,3\r\n"
                                   "\r\n"
                                   "\"4\", 5 ,6e-1\r\n");
    const Dataset d = Dataset::csv(path, {}, {}, 2, 1, false);
    QCOMPARE(d.inputNames(), (QStringList{"a, first", "b"}));
    QCOMPARE(d.targetNames(), QStringList{"the \"target\""});
    QCOMPARE(d.size(), int64_t(2));
    QVERIFY(torch::equal(d.inputs(), torch::tensor({1.0f, 2.0f, 4.0f, 5.0f}).view({2, 2})));
    QCOMPARE(d.targets()[1][0].item<float>(), 0.6f);
}

void tst_Dataset::csvErrors_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("inputs");
    QTest::addColumn<QStringList>("targets");
    QTest::addColumn<QString>("message");
    QTest::addRow("bad_cell") << QByteArray("a,b,y\n1,2,3\n4,abc,6\n") << QStringList() << QStringList()
                              << "data.csv line 3, column 2 (b): \"abc\" is not a number.";
    QTest::addRow("empty_cell") << QByteArray("a,b,y\n1,2,3\n4,5,\n") << QStringList() << QStringList()
                                << "data.csv line 3, column 3 (y): \"\" is not a number.";
    QTest::addRow("nan_cell") << QByteArray("a,b,y\nnan,2,3\n") << QStringList() << QStringList()
                              << "data.csv line 2, column 1 (a): nan is not a finite 32-bit number.";
    QTest::addRow("too_large_for_float") << QByteArray("a,b,y\n1,2,1e39\n") << QStringList() << QStringList()
                                         << "data.csv line 2, column 3 (y): 1e39 is not a finite 32-bit number.";
    QTest::addRow("bad_cell_after_blank_line") << QByteArray("a,b,y\n\n1,2,3\n\n1,2,x\n") << QStringList()
                                               << QStringList()
                                               << "data.csv line 5, column 3 (y): \"x\" is not a number.";
    QTest::addRow("short_row") << QByteArray("a,b,y\n1,2,3\n4,5\n") << QStringList() << QStringList()
                               << "data.csv line 3, column 3 (y) is missing: the row has 2 cells, the header 3 "
                                  "columns.";
    QTest::addRow("long_row") << QByteArray("a,b,y\n1,2,3,4\n") << QStringList() << QStringList()
                              << "data.csv line 2, column 4 is one cell too many: the row has 4 cells, the header "
                                 "3 columns.";
    QTest::addRow("unclosed_quote") << QByteArray("a,b,y\n1,\"2,3\n") << QStringList() << QStringList()
                                    << "data.csv line 2: a quoted field is not closed.";
    QTest::addRow("empty_file") << QByteArray("") << QStringList() << QStringList()
                                << "The data file %1 is empty (line 1, column 1); it needs a header row naming "
                                   "the columns and at least one row of numbers.";
    QTest::addRow("blank_file") << QByteArray("\n  \n") << QStringList() << QStringList()
                                << "The data file %1 is empty (line 1, column 1); it needs a header row naming "
                                   "the columns and at least one row of numbers.";
    QTest::addRow("header_only") << QByteArray("a,b,y\n") << QStringList() << QStringList()
                                 << "The data file %1 has a header on line 1 but no rows of numbers after it.";
    QTest::addRow("duplicate_header") << QByteArray("a,a,y\n1,2,3\n") << QStringList() << QStringList()
                                      << "data.csv line 1, column 2: the header names `a` twice.";
    QTest::addRow("empty_header_name") << QByteArray("a,,y\n1,2,3\n") << QStringList() << QStringList()
                                       << "data.csv line 1, column 2: the header has an empty column name.";
    QTest::addRow("missing_input_column") << QByteArray("a,b,y\n1,2,3\n") << QStringList{"a", "c"} << QStringList()
                                          << "data.csv line 1, columns 1 to 3 (a, b, y): no column is named `c`, "
                                             "asked for as an input.";
    QTest::addRow("missing_target_column") << QByteArray("a,b,y\n1,2,3\n") << QStringList() << QStringList{"z"}
                                           << "data.csv line 1, columns 1 to 3 (a, b, y): no column is named `z`, "
                                              "asked for as a target.";
    QTest::addRow("too_few_columns") << QByteArray("a,y\n1,2\n") << QStringList() << QStringList()
                                     << "data.csv has 2 columns; the model needs 2 input column(s) and 1 target "
                                        "column(s).";
    QTest::addRow("wrong_input_count") << QByteArray("a,b,y\n1,2,3\n") << QStringList{"a"} << QStringList{"y"}
                                       << "data.csv: 1 input and 1 target column(s) are chosen; the model needs 2 "
                                          "and 1.";
    QTest::addRow("input_is_target") << QByteArray("a,b,y\n1,2,3\n") << QStringList{"a", "y"} << QStringList{"y"}
                                     << "data.csv: column `y` is chosen as both an input and a target.";
}

void tst_Dataset::csvErrors()
{
    // Every problem is one sentence; nothing is loaded.
    QFETCH(QByteArray, content);
    QFETCH(QStringList, inputs);
    QFETCH(QStringList, targets);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("data.csv"), content);
    QVERIFY(!path.isEmpty());
    std::optional<Dataset> loaded;
    const QString got = dataError([&] { loaded = Dataset::csv(path, inputs, targets, 2, 1, false); });
    QCOMPARE(got, message.contains(QStringLiteral("%1")) ? message.arg(path) : message);
    QVERIFY(!loaded);
}

void tst_Dataset::csvMissingFile()
{
    const QString message = dataError([] { Dataset::csv(QStringLiteral("/nonexistent/x.csv"), {}, {}, 2, 1, false); });
    QCOMPARE(message, QStringLiteral("The data file /nonexistent/x.csv does not exist."));
    TrainingSettings s;
    s.data.kind = DataSettings::Kind::Csv;
    const QString noPath = dataError([&] { Dataset::create(s, 2, 1); });
    QCOMPARE(noPath, QStringLiteral("A csv data set needs the path of its file."));
}

void tst_Dataset::wrapsTensors()
{
    const Dataset d(torch::ones({3, 2}), torch::zeros({3, 1}), QStringLiteral("three ones"));
    QCOMPARE(d.size(), int64_t(3));
    QCOMPARE(d.description(), QStringLiteral("three ones"));
    QVERIFY(Dataset().isEmpty());
    QVERIFY(Dataset::streamSeed(0, 1) != Dataset::streamSeed(0, 2));
    QVERIFY(Dataset::streamSeed(0, 1) != Dataset::streamSeed(1, 1));
}

QTEST_GUILESS_MAIN(tst_Dataset)
#include "tst_dataset.moc"
