#include "training/Checkpoint.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "export/TorchScriptExporter.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>

#include <map>

using namespace mc;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run cli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(MC_CLI), args);
    if (!p.waitForFinished(60000))
        return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QString example(const QString &name)
{
    return QStringLiteral(MC_EXAMPLES_DIR "/") + name;
}

/// Checks that every parameter and buffer of `loaded` equals the one of `expected`.
bool sameWeights(const torch::jit::Module &loaded, const torch::nn::Module &expected, QString *why)
{
    const auto params = expected.named_parameters();
    const auto buffers = expected.named_buffers();
    if (loaded.named_parameters().size() != params.size()) {
        *why = QStringLiteral("parameter count differs");
        return false;
    }
    for (const auto &p : loaded.named_parameters()) {
        const torch::Tensor *t = params.find(p.name);
        if (!t || !torch::equal(*t, p.value)) {
            *why = QString::fromStdString(p.name);
            return false;
        }
    }
    for (const auto &b : loaded.named_buffers()) {
        const torch::Tensor *t = buffers.find(b.name);
        if (!t || !torch::equal(*t, b.value)) {
            *why = QString::fromStdString(b.name);
            return false;
        }
    }
    return true;
}

} // namespace

class tst_ExportCommand : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void exportsExamples_data();
    void exportsExamples();
    void seedOption();
    void checkpointWeights();
    void checkpointOfAnotherModel();
    void failures_data();
    void failures();
    void usage_data();
    void usage();
    void pythonWithSeed();
    void pythonWithoutWeights();
    void pythonFromCheckpoint();

private:
    QTemporaryDir m_dir;
};

void tst_ExportCommand::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void tst_ExportCommand::exportsExamples_data()
{
    // One example here: ctest's export_cli_* and check_export.py run the CLI
    // on all three, and each process costs a LibTorch start.
    QTest::addColumn<QString>("file");
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj";
}

void tst_ExportCommand::exportsExamples()
{
    QFETCH(QString, file);
    const QString out = m_dir.filePath(file + QStringLiteral(".pt"));
    const Run r = cli({QStringLiteral("export"), example(file), QStringLiteral("-o"), out});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("weights from seed 0")), qPrintable(r.out));
    // Without --seed: the project's training seed (0 in the examples), the
    // weights training starts from.
    const ProjectData project = ProjectFile::load(example(file));
    ComposedModule start = ModelBuilder::build(project, 0);
    QString why;
    QVERIFY2(sameWeights(torch::jit::load(out.toStdString()), *start, &why), qPrintable(why));
    QVERIFY(TorchScriptExporter::readProject(out) == project);
}

void tst_ExportCommand::seedOption()
{
    const QString out = m_dir.filePath(QStringLiteral("seed.pt"));
    const Run r = cli({QStringLiteral("export"), example(QStringLiteral("shared-block.mcproj")),
                       QStringLiteral("--seed"), QStringLiteral("9"), QStringLiteral("-o"), out});
    QCOMPARE(r.exitCode, 0);
    const ProjectData project = ProjectFile::load(example(QStringLiteral("shared-block.mcproj")));
    QString why;
    const torch::jit::Module loaded = torch::jit::load(out.toStdString());
    QVERIFY2(sameWeights(loaded, *ModelBuilder::build(project, 9), &why), qPrintable(why));
    QVERIFY(!sameWeights(loaded, *ModelBuilder::build(project, 0), &why));
}

void tst_ExportCommand::checkpointWeights()
{
    // A checkpoint whose weights differ from any seeded start: all ones.
    const QString projectPath = example(QStringLiteral("configurable-blocks.mcproj"));
    const ProjectData project = ProjectFile::load(projectPath);
    ComposedModule trained = ModelBuilder::build(project, 0);
    {
        torch::NoGradGuard noGrad;
        for (auto &p : trained->parameters())
            p.fill_(0.125);
    }
    Checkpoint c;
    c.project = ProjectFile::toJson(project);
    c.tensors = Checkpoint::namedTensors(*trained, true);
    c.epoch = 2;
    const QString ckpt = m_dir.filePath(QStringLiteral("run/last.ckpt"));
    QString error;
    QVERIFY2(c.save(ckpt, &error), qPrintable(error));

    const QString out = m_dir.filePath(QStringLiteral("trained.pt"));
    const Run r = cli({QStringLiteral("export"), projectPath, QStringLiteral("-o"), out,
                       QStringLiteral("--checkpoint"), ckpt});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    // Epochs as people count them: the checkpoint's epoch 2 is the next to run.
    QVERIFY2(r.out.contains(QStringLiteral("after 2 epoch(s), step 0")), qPrintable(r.out));
    QString why;
    QVERIFY2(sameWeights(torch::jit::load(out.toStdString()), *trained, &why), qPrintable(why));

    // Trained on another version of the graph with the same shapes: exported, with a warning.
    ProjectData changed = project;
    changed.type(changed.root)->instance(QStringLiteral("sigmoid"))->type = QStringLiteral("Tanh");
    const QString changedPath = m_dir.filePath(QStringLiteral("changed.mcproj"));
    QVERIFY(ProjectFile::save(changed, changedPath, &error));
    const Run w = cli({QStringLiteral("export"), changedPath, QStringLiteral("-o"), out,
                       QStringLiteral("--checkpoint"), ckpt});
    QCOMPARE(w.exitCode, 0);
    QVERIFY2(w.err.startsWith(QStringLiteral("warning: ")), qPrintable(w.err));
}

void tst_ExportCommand::checkpointOfAnotherModel()
{
    const ProjectData shared = ProjectFile::load(example(QStringLiteral("shared-block.mcproj")));
    Checkpoint c;
    c.project = ProjectFile::toJson(shared);
    c.tensors = Checkpoint::namedTensors(*ModelBuilder::build(shared, 0), true);
    const QString ckpt = m_dir.filePath(QStringLiteral("shared.ckpt"));
    QString error;
    QVERIFY2(c.save(ckpt, &error), qPrintable(error));
    const QString out = m_dir.filePath(QStringLiteral("never.pt"));
    const Run r = cli({QStringLiteral("export"), example(QStringLiteral("encoder-decoder.mcproj")),
                       QStringLiteral("-o"), out, QStringLiteral("--checkpoint"), ckpt});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.startsWith(QStringLiteral("error: ")) && r.err.contains(QStringLiteral("does not fit")),
             qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
}

void tst_ExportCommand::failures_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString out = QStringLiteral("%1/fail.pt");
    QTest::addRow("missing_project") << QStringList{QStringLiteral("no-such.mcproj"), QStringLiteral("-o"), out}
                                     << "Cannot open no-such.mcproj";
    QTest::addRow("missing_folder")
        << QStringList{example(QStringLiteral("shared-block.mcproj")), QStringLiteral("-o"),
                       QStringLiteral("%1/no/such/folder/out.pt")}
        << "Cannot export";
    QTest::addRow("missing_checkpoint")
        << QStringList{example(QStringLiteral("shared-block.mcproj")), QStringLiteral("-o"), out,
                       QStringLiteral("--checkpoint"), QStringLiteral("%1/none.ckpt")}
        << "does not exist";
    QTest::addRow("not_a_checkpoint")
        << QStringList{example(QStringLiteral("shared-block.mcproj")), QStringLiteral("-o"), out,
                       QStringLiteral("--checkpoint"), example(QStringLiteral("shared-block.mcproj"))}
        << "checkpoint";
}

void tst_ExportCommand::failures()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    for (QString &a : args)
        a.replace(QStringLiteral("%1"), m_dir.path());
    const Run r = cli(QStringList{QStringLiteral("export")} + args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.startsWith(QStringLiteral("error: ")), qPrintable(r.err));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("fail.pt"))));
}

void tst_ExportCommand::usage_data()
{
    QTest::addColumn<QStringList>("args");
    const QString project = example(QStringLiteral("shared-block.mcproj"));
    QTest::addRow("nothing") << QStringList{};
    QTest::addRow("no_output") << QStringList{project};
    QTest::addRow("two_projects") << QStringList{project, project, QStringLiteral("-o"), QStringLiteral("x.pt")};
    QTest::addRow("unknown_option") << QStringList{project, QStringLiteral("-o"), QStringLiteral("x.pt"),
                                                   QStringLiteral("--epochs"), QStringLiteral("3")};
    QTest::addRow("bad_seed") << QStringList{project, QStringLiteral("-o"), QStringLiteral("x.pt"),
                                             QStringLiteral("--seed"), QStringLiteral("-1")};
    QTest::addRow("seed_and_checkpoint")
        << QStringList{project, QStringLiteral("-o"), QStringLiteral("x.pt"), QStringLiteral("--seed"),
                       QStringLiteral("1"), QStringLiteral("--checkpoint"), QStringLiteral("c.ckpt")};
    QTest::addRow("unknown_format") << QStringList{project, QStringLiteral("-o"), QStringLiteral("x.py"),
                                                   QStringLiteral("--format"), QStringLiteral("onnx")};
}

void tst_ExportCommand::usage()
{
    QFETCH(QStringList, args);
    const Run r = cli(QStringList{QStringLiteral("export")} + args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.startsWith(QStringLiteral("modelcomposer-cli: export: ")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("Try 'modelcomposer-cli --help'")), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}

/// The tensors of a weights file the Python export wrote, by name.
std::map<std::string, torch::Tensor> pythonWeights(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    std::map<std::string, torch::Tensor> out;
    for (const auto &e : torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end())).toGenericDict())
        out.emplace(e.key().toStringRef(), e.value().toTensor());
    return out;
}

void tst_ExportCommand::pythonWithSeed()
{
    const QString out = m_dir.filePath(QStringLiteral("shared.py"));
    const Run r = cli({QStringLiteral("export"), example(QStringLiteral("shared-block.mcproj")), QStringLiteral("--format"),
                       QStringLiteral("python"), QStringLiteral("-o"), out, QStringLiteral("--seed"), QStringLiteral("9")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("shared.weights.pt (weights from seed 9)")), qPrintable(r.out));
    QFile source(out);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray text = source.readAll();
    QVERIFY(text.startsWith("# ExternalInjection, the model of shared-block.mcproj, as PyTorch code."));
    QVERIFY(text.contains("load_weights(model, os.path.join(here, \"shared.weights.pt\"))"));
    const std::map<std::string, torch::Tensor> weights = pythonWeights(m_dir.filePath(QStringLiteral("shared.weights.pt")));
    ComposedModule seeded = ModelBuilder::build(ProjectFile::load(example(QStringLiteral("shared-block.mcproj"))), 9);
    QCOMPARE(weights.size(), seeded->named_parameters().size());
    for (const auto &p : seeded->named_parameters())
        QVERIFY2(weights.count(p.key()) && torch::equal(weights.at(p.key()), p.value()), p.key().c_str());
}

void tst_ExportCommand::pythonWithoutWeights()
{
    const QString out = m_dir.filePath(QStringLiteral("plain.py"));
    const Run r = cli({QStringLiteral("export"), example(QStringLiteral("encoder-decoder.mcproj")), QStringLiteral("--format"),
                       QStringLiteral("python"), QStringLiteral("-o"), out});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("no weights")), qPrintable(r.out));
    QVERIFY(QFile::exists(out));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("plain.weights.pt"))));
}

void tst_ExportCommand::pythonFromCheckpoint()
{
    // A checkpoint whose weights differ from any seeded start: all 0.25.
    const QString projectPath = example(QStringLiteral("encoder-decoder.mcproj"));
    const ProjectData project = ProjectFile::load(projectPath);
    ComposedModule trained = ModelBuilder::build(project, 0);
    {
        torch::NoGradGuard noGrad;
        for (auto &p : trained->parameters())
            p.fill_(0.25);
    }
    Checkpoint c;
    c.project = ProjectFile::toJson(project);
    c.tensors = Checkpoint::namedTensors(*trained, true);
    const QString ckpt = m_dir.filePath(QStringLiteral("python.ckpt"));
    QString error;
    QVERIFY2(c.save(ckpt, &error), qPrintable(error));
    const QString out = m_dir.filePath(QStringLiteral("trained.py"));
    const Run r = cli({QStringLiteral("export"), projectPath, QStringLiteral("--format"), QStringLiteral("python"),
                       QStringLiteral("-o"), out, QStringLiteral("--checkpoint"), ckpt});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const std::map<std::string, torch::Tensor> weights = pythonWeights(m_dir.filePath(QStringLiteral("trained.weights.pt")));
    QCOMPARE(weights.size(), size_t(4));
    for (const auto &p : trained->named_parameters())
        QVERIFY2(weights.count(p.key()) && torch::equal(weights.at(p.key()), p.value()), p.key().c_str());
}

QTEST_GUILESS_MAIN(tst_ExportCommand)
#include "tst_exportcommand.moc"
