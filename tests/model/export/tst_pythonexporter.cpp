// The Python export as source text: the article's class and attribute names,
// dependency order, stacks, shared and frozen instances, names that clash
// with the generated code, the training settings, and the reviewed copies of
// the three examples' source (tests/model/export/golden). Whether the code
// runs and equals the TorchScript export is checked by Python itself
// (tests/python/check_python_export.py).

#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "export/PythonExporter.h"
#include "layers/PythonText.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/torch.h>

using namespace mc;

namespace {

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name + QStringLiteral(".mcproj"));
}

QString sourceOf(const ProjectData &project, const QString &weights = QString())
{
    PythonExportOptions options;
    options.projectName = QStringLiteral("test.mcproj");
    options.weightsFile = weights;
    return PythonExporter::source(CheckedModel::check(project), options);
}

/// One type used twice, its Linear's in_features taken from the wire.
const char *const kTwoUses = R"({
    "format": "modelcomposer-project", "version": 1, "root": "Root",
    "types": [
        {"name": "Block", "arguments": [{"name": "width", "default": 5}],
         "instances": [{"name": "fc", "type": "Linear", "options": {"out_features": {"arg": "width"}}}],
         "nodes": [{"id": 1, "input": "x", "pos": [0, 0]}, {"id": 2, "call": "fc", "pos": [1, 0]},
                   {"id": 3, "output": "y", "pos": [2, 0]}],
         "wires": [{"from": [1, 0], "to": [2, 0]}, {"from": [2, 0], "to": [3, 0]}]},
        {"name": "Root",
         "instances": [{"name": "first", "type": "Block"}, {"name": "second", "type": "Block"}],
         "nodes": [{"id": 1, "input": "x", "features": 10, "pos": [0, 0]}, {"id": 2, "call": "first", "pos": [1, 0]},
                   {"id": 3, "call": "second", "pos": [2, 0]}, {"id": 4, "output": "y", "pos": [3, 0]}],
         "wires": [{"from": [1, 0], "to": [2, 0]}, {"from": [2, 0], "to": [3, 0]}, {"from": [3, 0], "to": [4, 0]}]}
    ],
    "training": {"data": {"kind": "random_normal", "samples": 8}}
})";

} // namespace

class tst_PythonExporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(1); }
    void matchesReviewedCopy_data();
    void matchesReviewedCopy();
    void articleNames_data();
    void articleNames();
    void dependencyOrder();
    void forwardFollowsTheSchedule();
    void frozenInstance();
    void clashingNames();
    void severalInputsAndOutputs();
    void inferredSizeThatDiffersIsRefused();
    void sameInferredSizeIsAConstant();
    void trainingSettings_data();
    void trainingSettings();
    void longLinesAreSplitAsBlackSplitsThem();
    void weightsOnlyWhenAsked();
    void literals_data();
    void literals();
    void weightsPath_data();
    void weightsPath();
    void weightsHoldEveryTensor();
};

void tst_PythonExporter::matchesReviewedCopy_data()
{
    QTest::addColumn<QString>("name");
    QTest::addRow("encoder_decoder") << QStringLiteral("encoder-decoder");
    QTest::addRow("configurable_blocks") << QStringLiteral("configurable-blocks");
    QTest::addRow("shared_block") << QStringLiteral("shared-block");
}

void tst_PythonExporter::matchesReviewedCopy()
{
    // A change to the writer shows in review as a change of these files;
    // MC_WRITE_GOLDEN=1 rewrites them.
    QFETCH(QString, name);
    PythonExportOptions options;
    options.projectName = name + QStringLiteral(".mcproj");
    options.weightsFile = name + QStringLiteral(".weights.pt");
    const QString source = PythonExporter::source(CheckedModel::check(example(name)), options);
    QFile golden(QStringLiteral(MC_GOLDEN_DIR "/") + name + QStringLiteral(".py"));
    if (qEnvironmentVariableIsSet("MC_WRITE_GOLDEN")) {
        QVERIFY(golden.open(QIODevice::WriteOnly | QIODevice::Truncate));
        golden.write(source.toUtf8());
        golden.close();
    }
    QVERIFY2(golden.open(QIODevice::ReadOnly), qPrintable(golden.fileName()));
    const QStringList expected = QString::fromUtf8(golden.readAll()).split(QLatin1Char('\n'));
    const QStringList got = source.split(QLatin1Char('\n'));
    for (int k = 0; k < std::min(expected.size(), got.size()); ++k)
        QVERIFY2(expected.at(k) == got.at(k), qPrintable(QStringLiteral("line %1: expected\n%2\ngot\n%3")
                                                             .arg(k + 1).arg(expected.at(k), got.at(k))));
    QCOMPARE(got.size(), expected.size());
}

void tst_PythonExporter::articleNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("lines");
    QTest::addRow("example_1") << QStringLiteral("encoder-decoder")
                               << QStringList{QStringLiteral("class Encoder(nn.Module):"),
                                              QStringLiteral("class Decoder(nn.Module):"),
                                              QStringLiteral("class EncoderDecoderLightning(LightningModule):"),
                                              QStringLiteral("    def __init__(self, input_dim=10, hidden_dim=5):"),
                                              QStringLiteral("        self.fc = nn.Linear(input_dim, hidden_dim)"),
                                              QStringLiteral("        self.encoder = Encoder(input_dim, hidden_dim)"),
                                              QStringLiteral("        self.decoder = Decoder(hidden_dim, output_dim)"),
                                              QStringLiteral("        self.loss_fn = nn.BCELoss()"),
                                              QStringLiteral("        self.log(\"train_loss\", loss)"),
                                              QStringLiteral("        return torch.optim.Adam(self.parameters(), lr=0.001)"),
                                              QStringLiteral("    \"\"\"Linear then ReLU: input_dim -> hidden_dim.\"\"\"")};
    QTest::addRow("example_2") << QStringLiteral("configurable-blocks")
                               << QStringList{QStringLiteral("class Block(nn.Module):"),
                                              QStringLiteral("class NestedModel(nn.Module):"),
                                              QStringLiteral("class ConfigurableLightning(LightningModule):"),
                                              QStringLiteral("        self.nested_model = NestedModel()"),
                                              QStringLiteral("        blocks_config = ["),
                                              QStringLiteral("            {\"in_features\": 10, \"out_features\": 20},"),
                                              QStringLiteral("        self.blocks = nn.ModuleList()"),
                                              QStringLiteral("        for config in blocks_config:"),
                                              QStringLiteral("            self.blocks.append(Block(**config))"),
                                              QStringLiteral("        self.final_fc = nn.Linear(10, 1)"),
                                              QStringLiteral("        for block in self.blocks:")};
    QTest::addRow("example_3") << QStringLiteral("shared-block")
                               << QStringList{QStringLiteral("class SharedBlock(nn.Module):"),
                                              QStringLiteral("class ExternalInjection(LightningModule):"),
                                              QStringLiteral("        # Shared: forward calls shared_module at 2 places, with one set of weights."),
                                              QStringLiteral("        self.shared_module = SharedBlock(dim)"),
                                              QStringLiteral("        self.fc1 = nn.Linear(dim, dim)"),
                                              QStringLiteral("        self.fc2 = nn.Linear(dim, dim)"),
                                              QStringLiteral("        self.loss_fn = nn.MSELoss()")};
}

void tst_PythonExporter::articleNames()
{
    QFETCH(QString, name);
    QFETCH(QStringList, lines);
    const QStringList source = sourceOf(example(name)).split(QLatin1Char('\n'));
    for (const QString &line : lines)
        QVERIFY2(source.contains(line), qPrintable(line));
    // The shared instance is created and assigned once.
    if (name == QLatin1String("shared-block"))
        QCOMPARE(source.filter(QStringLiteral("= SharedBlock(")).size(), 1);
}

void tst_PythonExporter::dependencyOrder()
{
    // ConfigurableLightning -> NestedModel -> blocks[Block]: the classes a class uses come first.
    const QString source = sourceOf(example(QStringLiteral("configurable-blocks")));
    const qsizetype block = source.indexOf(QStringLiteral("class Block("));
    const qsizetype nested = source.indexOf(QStringLiteral("class NestedModel("));
    const qsizetype root = source.indexOf(QStringLiteral("class ConfigurableLightning("));
    QVERIFY(block >= 0);
    QVERIFY(block < nested);
    QVERIFY(nested < root);
    QCOMPARE(source.count(QStringLiteral("class Block(")), 1); // one class, three blocks
}

void tst_PythonExporter::forwardFollowsTheSchedule()
{
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    const QString source = sourceOf(example(QStringLiteral("shared-block")));
    const QString forward = QStringLiteral("    def forward(self, x):\n"
                                           "        fc1 = self.fc1(x)\n"
                                           "        fc2 = self.fc2(x)\n"
                                           "        shared_module = self.shared_module(fc1)\n"
                                           "        shared_module_2 = self.shared_module(fc2)\n"
                                           "        add = shared_module + shared_module_2\n"
                                           "        return add\n");
    QVERIFY2(source.contains(forward), qPrintable(source));
    QVERIFY(!source.contains(QRegularExpression(QStringLiteral("\\bt\\d+\\b"))));
}

void tst_PythonExporter::frozenInstance()
{
    ProjectData p = example(QStringLiteral("encoder-decoder"));
    p.type(QStringLiteral("EncoderDecoderLightning"))->instance(QStringLiteral("encoder"))->frozen = true;
    const QString source = sourceOf(p);
    QVERIFY(source.contains(QStringLiteral("        self.encoder = Encoder(input_dim, hidden_dim)\n"
                                           "        # Frozen: its parameters do not train.\n"
                                           "        self.encoder.requires_grad_(False)\n")));
    // Frozen parameters stay out of the optimizer, as in the trainer.
    QVERIFY(source.contains(QStringLiteral("torch.optim.Adam(\n            [p for p in self.parameters() if p.requires_grad], lr=0.001\n        )\n")));
    QVERIFY(!sourceOf(example(QStringLiteral("encoder-decoder"))).contains(QStringLiteral("requires_grad")));
}

void tst_PythonExporter::clashingNames()
{
    const ProjectData p = ProjectFile::load(QStringLiteral(MC_TESTDATA_DIR "/python-corners.mcproj"));
    const QStringList source = sourceOf(p, QStringLiteral("w.pt")).split(QLatin1Char('\n'));
    for (const QString &line :
         {QStringLiteral("class LightningModule_2(LightningModule):"), // a type named LightningModule
          QStringLiteral("class generator_2(nn.Module):"),             // a type named like a helper
          QStringLiteral("    def __init__(self, nn_2=4):"),           // an argument named nn
          QStringLiteral("        self.fc = nn.Linear(4, nn_2)"),
          QStringLiteral("    def __init__(self, super_2=4):"),
          QStringLiteral("        self._modules[\"cuda\"] = nn.ReLU()"), // hides Module.cuda otherwise
          QStringLiteral("        cuda = self._modules[\"cuda\"](log)"),
          QStringLiteral("        self._modules[\"log\"].requires_grad_(False)"),
          QStringLiteral("        self.loss_fn_2 = nn.MSELoss()"), // an instance named loss_fn
          QStringLiteral("        loss = self.loss_fn_2(y_hat, y)"),
          QStringLiteral("        for block_2 in self.block:"), // a stack named block
          QStringLiteral("            self.blocks.append(generator_2(**config))"),
          QStringLiteral("        pair_first, pair_second = self.pair(shared)"),
          QStringLiteral("        return apply, half"),
          QStringLiteral("    model = LightningModule_2()")})
        QVERIFY2(source.contains(line), qPrintable(line));
}

void tst_PythonExporter::severalInputsAndOutputs()
{
    // a, b -> mixer(Mixer: cat -> fc) -> mixed;  a - b -> head -> difference
    const ProjectData p = ProjectFile::load(QStringLiteral(MC_TESTDATA_DIR "/python-two-inputs.mcproj"));
    const QString source = sourceOf(p, QStringLiteral("w.pt"));
    QVERIFY(source.contains(QStringLiteral("class TwoHeads(nn.Module):")));
    QVERIFY(source.contains(QStringLiteral("    def forward(self, a, b):\n"
                                           "        mixer = self.mixer(a, b)\n"
                                           "        sub = a - b\n"
                                           "        head = self.head(sub)\n"
                                           "        return mixer, head\n")));
    // Training takes one input and one output: the file says so and holds no training.
    QVERIFY(source.contains(QStringLiteral("# No training code: The root model `TwoHeads` has 2 input(s)")));
    for (const char *absent : {"LightningModule", "training_step", "def make_data", "import math", "SEED"})
        QVERIFY2(!source.contains(QLatin1String(absent)), absent);
    QVERIFY(source.contains(QStringLiteral("    load_weights(model, os.path.join(here, \"w.pt\"))\n")));
}

void tst_PythonExporter::inferredSizeThatDiffersIsRefused()
{
    // x[10] -> first(Block) -> second(Block): fc takes 10 features in one use, 5 in the other.
    const ProjectData p = ProjectFile::fromBytes(kTwoUses);
    try {
        sourceOf(p);
        QFAIL("no ExportError");
    } catch (const ExportError &e) {
        const QString what = QString::fromUtf8(e.what());
        QVERIFY2(what.contains(QStringLiteral("`fc` in `Block` takes in_features from its input")), qPrintable(what));
        QVERIFY2(what.contains(QStringLiteral("give `Block` an argument")), qPrintable(what));
    }
}

void tst_PythonExporter::sameInferredSizeIsAConstant()
{
    // x[10] -> first(Block width 10) -> second(Block width 10): both fc take 10.
    ProjectData p = ProjectFile::fromBytes(kTwoUses);
    p.type(QStringLiteral("Block"))->arguments[0].defaultValue = 10;
    const QString source = sourceOf(p);
    QVERIFY2(source.contains(QStringLiteral("        self.fc = nn.Linear(10, width)\n")), qPrintable(source));
    QVERIFY(source.contains(QStringLiteral("        self.first = Block()\n")));
}

void tst_PythonExporter::trainingSettings_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QStringList>("lines");
    QTest::addRow("adamw_says_its_weight_decay")
        << R"({"optimizer": "adamw", "learning_rate": 0.01})"
        << QStringList{QStringLiteral("        return torch.optim.AdamW(self.parameters(), lr=0.01, weight_decay=0.0)")};
    QTest::addRow("sgd_nesterov")
        << R"({"optimizer": "sgd", "momentum": 0.5, "nesterov": true, "weight_decay": 0.0001})"
        << QStringList{QStringLiteral("        return torch.optim.SGD("), QStringLiteral("            self.parameters(),"),
                       QStringLiteral("            momentum=0.5,"), QStringLiteral("            nesterov=True,"),
                       QStringLiteral("            weight_decay=0.0001,"), QStringLiteral("        )")};
    QTest::addRow("rmsprop_cosine")
        << R"({"optimizer": "rmsprop", "epochs": 5, "schedule": {"kind": "cosine"}})"
        << QStringList{QStringLiteral("        optimizer = torch.optim.RMSprop(self.parameters(), lr=0.001, momentum=0.9)"),
                       QStringLiteral("        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5)"),
                       QStringLiteral("    scheduler = configured[\"lr_scheduler\"]")};
    QTest::addRow("validation_and_early_stopping")
        << R"({"validation_split": 0.25, "early_stopping_patience": 2, "gradient_clip_norm": 0.5})"
        << QStringList{QStringLiteral("    def validation_step(self, batch, batch_idx):"),
                       QStringLiteral("        self.log(\"val_loss\", loss)"),
                       QStringLiteral("    held_out = max(1, math.floor(rows * 0.25))"),
                       QStringLiteral("            nn.utils.clip_grad_norm_(model.parameters(), 0.5)"),
                       QStringLiteral("            if waited >= 2:")};
    QTest::addRow("cross_entropy_blobs")
        << R"({"loss": "cross_entropy", "data": {"kind": "blobs", "samples": 64}})"
        << QStringList{QStringLiteral("        self.loss_fn = nn.CrossEntropyLoss()"),
                       QStringLiteral("    labels = torch.randint(2, (64,), generator=generator(2))"),
                       QStringLiteral("    targets = labels")};
    QTest::addRow("no_shuffle_no_limit")
        << R"({"shuffle": false, "limit_train_batches": 0})"
        << QStringList{QStringLiteral("        x_epoch, y_epoch = inputs, targets"),
                       QStringLiteral("    trainer = pl.Trainer(max_epochs=2)")};
}

void tst_PythonExporter::trainingSettings()
{
    // Cross entropy takes a score per class: Example 1's decoder gives one, here two.
    QFETCH(QString, json);
    QFETCH(QStringList, lines);
    ProjectData p = example(QStringLiteral("encoder-decoder"));
    if (json.contains(QStringLiteral("cross_entropy")))
        p.type(QStringLiteral("EncoderDecoderLightning"))->arguments[2].defaultValue = 2;
    const QJsonObject changes = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = changes.begin(); it != changes.end(); ++it)
        p.training.insert(it.key(), it.value());
    const QStringList source = sourceOf(p).split(QLatin1Char('\n'));
    for (const QString &line : lines)
        QVERIFY2(source.contains(line), qPrintable(line + QStringLiteral("\n\n") + source.join(QLatin1Char('\n'))));
    // Black's line length.
    for (const QString &line : source)
        if (!line.trimmed().startsWith(QLatin1Char('#')) && !line.trimmed().startsWith(QLatin1Char('"')))
            QVERIFY2(line.size() <= 88, qPrintable(line));
}

void tst_PythonExporter::longLinesAreSplitAsBlackSplitsThem()
{
    // The frozen Example 1 with an SGD optimizer: one item a line, with a trailing comma.
    ProjectData p = example(QStringLiteral("encoder-decoder"));
    p.type(QStringLiteral("EncoderDecoderLightning"))->instance(QStringLiteral("decoder"))->frozen = true;
    p.training.insert(QStringLiteral("optimizer"), QStringLiteral("sgd"));
    p.training.insert(QStringLiteral("weight_decay"), 0.001);
    QVERIFY(sourceOf(p).contains(QStringLiteral("        return torch.optim.SGD(\n"
                                                "            [p for p in self.parameters() if p.requires_grad],\n"
                                                "            lr=0.001,\n"
                                                "            momentum=0.9,\n"
                                                "            weight_decay=0.001,\n"
                                                "        )\n")));
}

void tst_PythonExporter::weightsOnlyWhenAsked()
{
    const ProjectData p = example(QStringLiteral("shared-block"));
    const QString without = sourceOf(p);
    QVERIFY(!without.contains(QStringLiteral("load_weights")));
    QVERIFY(!without.contains(QStringLiteral("import os"))); // no import it does not use
    const QString with = sourceOf(p, QStringLiteral("model.weights.pt"));
    QVERIFY(with.contains(QStringLiteral("    load_weights(model, os.path.join(here, \"model.weights.pt\"))\n")));
    QVERIFY(with.contains(QStringLiteral("\nimport os\n")));
    QVERIFY(with.contains(QStringLiteral("# Its weights are in model.weights.pt, beside this file.\n")));
    QVERIFY(with.startsWith(QStringLiteral("# ExternalInjection, the model of test.mcproj, as PyTorch code.\n"
                                           "# Written by Model Composer " MODELCOMPOSER_VERSION)));
}

void tst_PythonExporter::literals_data()
{
    // Numbers as Black leaves them: digits for whole numbers, no `+` in an exponent.
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("text");
    QTest::addRow("whole") << 20.0 << QStringLiteral("20.0");
    QTest::addRow("large_whole") << 1e8 << QStringLiteral("100000000.0");
    QTest::addRow("rate") << 0.001 << QStringLiteral("0.001");
    QTest::addRow("small") << 1e-05 << QStringLiteral("1e-05");
    QTest::addRow("huge") << 1.5e20 << QStringLiteral("1.5e20");
    QTest::addRow("negative") << -0.25 << QStringLiteral("-0.25");
}

void tst_PythonExporter::literals()
{
    QFETCH(double, value);
    QFETCH(QString, text);
    QCOMPARE(python::real(value), text);
    QCOMPARE(text.toDouble(), value);
}

void tst_PythonExporter::weightsPath_data()
{
    QTest::addColumn<QString>("python");
    QTest::addColumn<QString>("weights");
    QTest::addRow("here") << QStringLiteral("model.py") << QStringLiteral("model.weights.pt");
    QTest::addRow("folder") << QStringLiteral("out/net.py") << QStringLiteral("out/net.weights.pt");
    QTest::addRow("other_suffix") << QStringLiteral("/tmp/net.txt") << QStringLiteral("/tmp/net.txt.weights.pt");
}

void tst_PythonExporter::weightsPath()
{
    QFETCH(QString, python);
    QFETCH(QString, weights);
    QCOMPARE(PythonExporter::weightsPath(python), weights);
}

void tst_PythonExporter::weightsHoldEveryTensor()
{
    // encoder.fc, decoder.fc: their weights and biases by name, as the module tree holds them.
    const CheckedModel model = CheckedModel::check(example(QStringLiteral("encoder-decoder")));
    ComposedModule module = ModelBuilder::build(model, 0);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("m.py"));
    QString error;
    QVERIFY2(PythonExporter::save(model, &module, path, QStringLiteral(MC_EXAMPLES_DIR "/encoder-decoder.mcproj"), &error),
             qPrintable(error));
    QVERIFY(QFile::exists(path));
    QFile file(PythonExporter::weightsPath(path));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    const c10::IValue read = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    QVERIFY(read.isGenericDict());
    const c10::Dict<c10::IValue, c10::IValue> state = read.toGenericDict();
    QStringList names;
    for (const auto &entry : state)
        names.append(QString::fromStdString(entry.key().toStringRef()));
    QCOMPARE(names, (QStringList{QStringLiteral("encoder.fc.weight"), QStringLiteral("encoder.fc.bias"),
                                 QStringLiteral("decoder.fc.weight"), QStringLiteral("decoder.fc.bias")}));
    for (const auto &p : module->named_parameters())
        QVERIFY(torch::equal(state.at(p.key()).toTensor(), p.value()));

    // The source finds the project's data from its own folder.
    QFile source(path);
    QVERIFY(source.open(QIODevice::ReadOnly));
    QVERIFY(source.readAll().contains("# EncoderDecoderLightning, the model of encoder-decoder.mcproj"));
}

QTEST_GUILESS_MAIN(tst_PythonExporter)
#include "tst_pythonexporter.moc"
