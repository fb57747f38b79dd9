#include "analysis/Analysis.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

class tst_ProjectFile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void badFiles_data();
    void badFiles();
    void versionOneSavesAsVersionTwo_data();
    void versionOneSavesAsVersionTwo();
    void shapesRoundTrip();
    void saveIsAtomic();
    void saveFailsWithReason();
    void hugeFileRefusedBeforeParsing();
};

void tst_ProjectFile::roundTrip_data()
{
    QTest::addColumn<QString>("file");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj";
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj";
    QTest::addRow("shared_block") << "shared-block.mcproj";
}

void tst_ProjectFile::roundTrip()
{
    QFETCH(QString, file);
    const ProjectData original = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + file);
    QVERIFY(!original.types.isEmpty());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("copy.mcproj"));
    QString error;
    QVERIFY2(ProjectFile::save(original, path, &error), qPrintable(error));
    const ProjectData reloaded = ProjectFile::load(path);
    QVERIFY(reloaded == original);
    // Writing is deterministic: the same document gives the same bytes.
    QCOMPARE(ProjectFile::toBytes(reloaded), ProjectFile::toBytes(original));
    QCOMPARE(ProjectFile::toJson(original).value(QStringLiteral("version")).toInt(), ProjectFile::kVersion);
}

void tst_ProjectFile::badFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected"); // a part of the one sentence, with the JSON path

    QTest::addRow("truncated") << "truncated" << "(file): not valid JSON";
    QTest::addRow("not_json") << "not-json" << "(file): not valid JSON";
    QTest::addRow("empty") << "empty" << "(file): not valid JSON";
    QTest::addRow("top_level_array") << "top-level-array" << "(file): expected a JSON object";
    QTest::addRow("deep_nesting") << "deep-nesting" << "(file): not valid JSON";
    QTest::addRow("no_format") << "no-format" << "format: this is not a Model Composer project";
    QTest::addRow("newer_version") << "newer-version" << "version: the file was written by a newer Model Composer (format 7";
    QTest::addRow("wrong_type_pos") << "wrong-type-pos" << "types[0].nodes[1].pos: expected an array";
    QTest::addRow("wrong_type_name") << "wrong-type-name" << "types[2].instances[0].name: expected a string";
    QTest::addRow("unknown_field") << "unknown-field" << "types[1].colour: unknown field";
    QTest::addRow("negative_features") << "negative-features" << "types[0].nodes[0].features: expected a whole number of at least 0";
    QTest::addRow("negative_option") << "negative-option" << "types[0].instances[0].options.out_features: -5 is not a whole number from 1 to 100000000";
    QTest::addRow("absurd_size") << "absurd-size" << "types[0].instances[0].options.out_features: 1e+12 is outside";
    QTest::addRow("cycle") << "cycle" << "types[0].wires: the wires of `Encoder` form a cycle";
    QTest::addRow("type_recursion") << "type-recursion" << "contains itself through";
    QTest::addRow("duplicate_instance") << "duplicate-instance" << "types[0].instances[2].name: a second instance called `fc`";
    QTest::addRow("duplicate_type") << "duplicate-type" << "types[1].name: a second module type called `Encoder`";
    QTest::addRow("duplicate_node_id") << "duplicate-node-id" << "types[0].nodes[1].id: a second node with id 2";
    QTest::addRow("missing_instance") << "missing-instance" << "types[0].nodes[1].call: `Encoder` has no instance called `nothere`";
    QTest::addRow("wire_to_missing_node") << "wire-to-missing-node" << "types[0].wires[0].to: there is no node 99";
    QTest::addRow("second_wire_into_input") << "second-wire-into-input" << "types[0].wires[3].to: input 0 of node 3 has a second wire";
    QTest::addRow("missing_root") << "missing-root" << "root: there is no module type `Nope`";
    QTest::addRow("unknown_type") << "unknown-type" << "types[0].instances[0].type: there is no layer or module type `Linaer`";
    QTest::addRow("unknown_argument") << "unknown-argument" << "types[0].instances[0].options.in_features: `Encoder` has no argument `nope`";
    QTest::addRow("keyword_name") << "keyword-name" << "types[0].instances[0].name: `for` cannot name a module instance";
    QTest::addRow("unknown_option") << "unknown-option" << "types[0].instances[0].options.dropout: Linear has no such option";
    QTest::addRow("bad_training") << "bad-training" << "training.batch_size: expected a whole number from 1 to 1000000000";
    QTest::addRow("uncalled_instance") << "uncalled-instance" << "types[0].instances[0]: instance `fc` is not called by any node";
}

void tst_ProjectFile::badFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, expected);
    const QString path = QStringLiteral(MC_TESTDATA_DIR "/bad/%1.mcproj").arg(file);
    QVERIFY(QFileInfo::exists(path));
    try {
        ProjectFile::load(path);
        QFAIL("a bad file loaded");
    } catch (const ProjectFormatError &e) {
        const QString message = e.message();
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.startsWith(file + QStringLiteral(".mcproj: ")), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message)); // one sentence
    }
}

void tst_ProjectFile::versionOneSavesAsVersionTwo_data()
{
    QTest::addColumn<QString>("file");
    // The article's three examples ship as version 1 files.
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj";
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj";
    QTest::addRow("shared_block") << "shared-block.mcproj";
}

void tst_ProjectFile::versionOneSavesAsVersionTwo()
{
    QFETCH(QString, file);
    const QString path = QStringLiteral(MC_EXAMPLES_DIR "/") + file;
    QFile raw(path);
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QJsonObject v1 = QJsonDocument::fromJson(raw.readAll()).object();
    QCOMPARE(v1.value(QStringLiteral("version")).toInt(), 1);

    const ProjectData before = ProjectFile::load(path);
    const QByteArray saved = ProjectFile::toBytes(before);
    const QJsonObject v2 = QJsonDocument::fromJson(saved).object();
    QCOMPARE(v2.value(QStringLiteral("version")).toInt(), 2);
    // Version 1's `features` became version 2's `shape`.
    QVERIFY(!saved.contains("\"features\""));
    QVERIFY(saved.contains("\"shape\""));
    const ProjectData after = ProjectFile::fromBytes(saved);
    QVERIFY(after == before);

    // The same model: names, weights from the same seed, outputs.
    ComposedModule a = ModelBuilder::build(before, 0);
    ComposedModule b = ModelBuilder::build(after, 0);
    const auto pa = a->named_parameters();
    const auto pb = b->named_parameters();
    QCOMPARE(pa.size(), pb.size());
    for (size_t k = 0; k < pa.size(); ++k) {
        QCOMPARE(pa[k].key(), pb[k].key());
        QVERIFY(torch::equal(pa[k].value(), pb[k].value()));
    }
    a->eval();
    b->eval();
    torch::manual_seed(3);
    const torch::Tensor x = torch::randn(Analysis(after).root()->inputs.value(0).batched(4));
    QVERIFY(torch::equal(a->forward(x), b->forward(x)));
}

void tst_ProjectFile::shapesRoundTrip()
{
    // Shapes, tuples and words are written as they were read.
    const ProjectData lenet = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/lenet.mcproj"));
    const ModuleType *t = lenet.type(lenet.root);
    QVERIFY(t);
    QCOMPARE(t->ports(NodeKind::Input).first()->shape,
             (ShapeDecl{OptionValue::constant(1), OptionValue::constant(28), OptionValue::constant(28)}));
    ProjectData edited = lenet;
    edited.type(edited.root)->instance(QStringLiteral("conv1"))->options.insert(QStringLiteral("kernel_size"),
                                                                                  OptionValue::numbers({5, 3}));
    const ProjectData again = ProjectFile::fromBytes(ProjectFile::toBytes(edited));
    QVERIFY(again == edited);
    QCOMPARE(again.type(again.root)->instance(QStringLiteral("conv1"))->options.value(QStringLiteral("kernel_size")),
             OptionValue::numbers({5, 3}));
    // A bad tuple or word is refused with its path.
    QByteArray bytes = ProjectFile::toBytes(lenet);
    bytes.replace("\"kernel_size\": 5", "\"kernel_size\": [5, 5, 5]");
    try {
        ProjectFile::fromBytes(bytes);
        QFAIL("a tuple of three for Conv2d's kernel_size was read");
    } catch (const ProjectFormatError &e) {
        QVERIFY2(e.message().contains(QStringLiteral("options.kernel_size: [5, 5, 5] is not a whole number from 1 to "
                                                     "100000000, or a list of 2 of them")),
                 qPrintable(e.message()));
    }
}

void tst_ProjectFile::saveIsAtomic()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p.mcproj"));
    const ProjectData a = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"));
    const ProjectData b = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/shared-block.mcproj"));
    QString error;
    QVERIFY(ProjectFile::save(a, path, &error));
    QVERIFY(ProjectFile::save(b, path, &error));
    QVERIFY(ProjectFile::load(path) == b);
    // No temporary file is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("p.mcproj")});
}

void tst_ProjectFile::saveFailsWithReason()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p.mcproj"));
    const ProjectData a = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"));
    QString error;
    QVERIFY(ProjectFile::save(a, path, &error));
    const QByteArray before = [&] { QFile f(path); f.open(QIODevice::ReadOnly); return f.readAll(); }();
    // A folder that does not exist: the save fails, says why, and the old file is intact.
    QVERIFY(!ProjectFile::save(a, dir.filePath(QStringLiteral("gone/p.mcproj")), &error));
    QVERIFY2(error.startsWith(QStringLiteral("Cannot write")), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
}

void tst_ProjectFile::hugeFileRefusedBeforeParsing()
{
    QByteArray huge(ProjectFile::kMaxBytes + 1, ' ');
    try {
        ProjectFile::fromBytes(huge);
        QFAIL("a huge file was parsed");
    } catch (const ProjectFormatError &e) {
        QVERIFY2(e.message().contains(QStringLiteral("larger than 32 MiB")), qPrintable(e.message()));
    }
}

QTEST_GUILESS_MAIN(tst_ProjectFile)
#include "tst_projectfile.moc"
