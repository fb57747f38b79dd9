#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "export/TorchScriptExporter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <sstream>

using namespace mc;

namespace {

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

QStringList names(const torch::jit::Module &m)
{
    QStringList out;
    for (const auto &p : m.named_parameters())
        out.append(QString::fromStdString(p.name));
    return out;
}

int64_t count(const torch::jit::Module &m)
{
    int64_t n = 0;
    for (const auto &p : m.named_parameters())
        n += p.value.numel();
    return n;
}

double maxDifference(const torch::Tensor &a, const torch::Tensor &b)
{
    if (a.sizes() != b.sizes())
        return std::numeric_limits<double>::infinity();
    return (a - b).abs().max().item<double>();
}

/// The outputs of a TorchScript forward, as a list whatever their number.
std::vector<torch::Tensor> outputs(torch::jit::Module &m, const std::vector<torch::Tensor> &inputs)
{
    std::vector<torch::jit::IValue> args(inputs.begin(), inputs.end());
    const torch::jit::IValue result = m.forward(args);
    if (result.isTensor())
        return {result.toTensor()};
    std::vector<torch::Tensor> out;
    for (const auto &v : result.toTupleRef().elements())
        out.push_back(v.toTensor());
    return out;
}

/// Exports to a file in `dir` and loads it back as any C++ user would.
torch::jit::Module exportAndLoad(const ProjectData &p, ComposedModule &m, const QTemporaryDir &dir)
{
    const QString path = dir.filePath(QStringLiteral("model.pt"));
    QString error;
    if (!TorchScriptExporter::save(p, m, path, &error))
        throw std::runtime_error(error.toStdString());
    return torch::jit::load(path.toStdString());
}

/// Little-endian bytes of `v`.
QByteArray le(quint64 v, int bytes)
{
    QByteArray b;
    for (int k = 0; k < bytes; ++k)
        b.append(char((v >> (8 * k)) & 0xFF));
    return b;
}

quint32 crc32(const QByteArray &data)
{
    quint32 c = 0xFFFFFFFFu;
    for (char ch : data) {
        c ^= quint8(ch);
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

/// A zip archive with one stored entry written the zip64 way (as archives
/// over 4 GiB are): the classic size and offset fields say 0xFFFFFFFF and the
/// real values sit in zip64 extra fields and a zip64 end record.
QByteArray zip64Archive(const QByteArray &name, const QByteArray &data)
{
    const quint64 size = quint64(data.size());
    const quint32 crc = crc32(data);
    const QByteArray padding(100, 'p'); // something before the entry, so its offset is not 0
    QByteArray zip = padding;
    const quint64 local = quint64(zip.size());
    zip += le(0x04034b50, 4) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) +
           le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + le(quint64(name.size()), 2) + le(20, 2) + name +
           le(0x0001, 2) + le(16, 2) + le(size, 8) + le(size, 8) + data;
    const quint64 directory = quint64(zip.size());
    zip += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) +
           le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + le(quint64(name.size()), 2) + le(28, 2) + le(0, 2) +
           le(0, 2) + le(0, 2) + le(0, 4) + le(0xFFFFFFFF, 4) + name + le(0x0001, 2) + le(24, 2) +
           le(size, 8) + le(size, 8) + le(local, 8);
    const quint64 directorySize = quint64(zip.size()) - directory;
    const quint64 end64 = quint64(zip.size());
    zip += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(1, 8) + le(1, 8) +
           le(directorySize, 8) + le(directory, 8);
    zip += le(0x07064b50, 4) + le(0, 4) + le(end64, 8) + le(1, 4);
    zip += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFFFFFF, 4) +
           le(0xFFFFFFFF, 4) + le(0, 2);
    return zip;
}

Instance instance(const QString &name, const QString &type, OptionMap options = {})
{
    return Instance{name, type, options, {}, {}, false};
}

OptionValue num(double v)
{
    return OptionValue::constant(v);
}

Node call(int id, const QString &name)
{
    return Node{id, NodeKind::Call, name, {}, {}};
}

/// Every built-in layer in one model with two outputs (see allLayersProject).
ProjectData allLayersProject()
{
    // x -> fc -> leaky -> gelu -> ln -> bn -> drop -> tanh -> fc_nb -> ln_na -> bn_na -> sig
    // mul = sig * tanh ; add = mul + fc ; cat = [add, gelu] -> flat -> id -> relu
    // outputs: sm = softmax(relu), lsm = log_softmax(relu)
    ModuleType t;
    t.name = QStringLiteral("AllLayers");
    t.instances = {
        instance(QStringLiteral("fc"), QStringLiteral("Linear"), {{QStringLiteral("out_features"), num(8)}}),
        instance(QStringLiteral("leaky"), QStringLiteral("LeakyReLU"), {{QStringLiteral("negative_slope"), num(0.2)}}),
        instance(QStringLiteral("gelu"), QStringLiteral("GELU")),
        instance(QStringLiteral("ln"), QStringLiteral("LayerNorm")),
        instance(QStringLiteral("bn"), QStringLiteral("BatchNorm1d")),
        instance(QStringLiteral("drop"), QStringLiteral("Dropout"), {{QStringLiteral("p"), num(0.3)}}),
        instance(QStringLiteral("tanh"), QStringLiteral("Tanh")),
        instance(QStringLiteral("fc_nb"), QStringLiteral("Linear"),
                 {{QStringLiteral("out_features"), num(8)}, {QStringLiteral("bias"), num(0)}}),
        instance(QStringLiteral("ln_na"), QStringLiteral("LayerNorm"),
                 {{QStringLiteral("elementwise_affine"), num(0)}, {QStringLiteral("eps"), num(1e-3)}}),
        instance(QStringLiteral("bn_na"), QStringLiteral("BatchNorm1d"),
                 {{QStringLiteral("affine"), num(0)}, {QStringLiteral("momentum"), num(0.5)}}),
        instance(QStringLiteral("sig"), QStringLiteral("Sigmoid")),
        instance(QStringLiteral("mul"), QStringLiteral("Multiply")),
        instance(QStringLiteral("add"), QStringLiteral("Add")),
        instance(QStringLiteral("cat"), QStringLiteral("Concat")),
        instance(QStringLiteral("flat"), QStringLiteral("Flatten")),
        instance(QStringLiteral("id"), QStringLiteral("Identity")),
        instance(QStringLiteral("relu"), QStringLiteral("ReLU")),
        instance(QStringLiteral("sm"), QStringLiteral("Softmax"), {{QStringLiteral("dim"), num(1)}}),
        instance(QStringLiteral("lsm"), QStringLiteral("LogSoftmax"), {{QStringLiteral("dim"), num(-1)}}),
    };
    t.nodes = {Node{1, NodeKind::Input, QStringLiteral("x"), {num(6)}, {}}};
    for (int k = 0; k < t.instances.size(); ++k)
        t.nodes.append(call(k + 2, t.instances.at(k).name));
    const int outSm = int(t.nodes.size()) + 1;
    t.nodes.append(Node{outSm, NodeKind::Output, QStringLiteral("probabilities"), {}, {}});
    t.nodes.append(Node{outSm + 1, NodeKind::Output, QStringLiteral("log_probabilities"), {}, {}});
    auto id = [&](const char *name) { return t.callsOf(QLatin1String(name)).first(); };
    auto wire = [&](int from, int to, int port = 0) { t.wires.append(Wire{{from, 0}, {to, port}}); };
    wire(1, id("fc"));
    const char *chain[] = {"fc", "leaky", "gelu", "ln", "bn", "drop", "tanh", "fc_nb", "ln_na", "bn_na", "sig"};
    for (size_t k = 1; k < std::size(chain); ++k)
        wire(id(chain[k - 1]), id(chain[k]));
    wire(id("sig"), id("mul"));
    wire(id("tanh"), id("mul"), 1);
    wire(id("mul"), id("add"));
    wire(id("fc"), id("add"), 1);
    wire(id("add"), id("cat"));
    wire(id("gelu"), id("cat"), 1);
    wire(id("cat"), id("flat"));
    wire(id("flat"), id("id"));
    wire(id("id"), id("relu"));
    wire(id("relu"), id("sm"));
    wire(id("relu"), id("lsm"));
    wire(id("sm"), outSm);
    wire(id("lsm"), outSm + 1);
    ProjectData p;
    p.types = {t};
    p.root = t.name;
    return p;
}

/// A module type with two inputs and two outputs, called twice (shared) from a
/// root with two inputs and three outputs.
ProjectData multiPortProject()
{
    // Pair: a -> fc -> cat <- b ; outputs joined = cat, same = id(b)
    ModuleType pair;
    pair.name = QStringLiteral("Pair");
    pair.instances = {instance(QStringLiteral("fc"), QStringLiteral("Linear"), {{QStringLiteral("out_features"), num(2)}}),
                      instance(QStringLiteral("cat"), QStringLiteral("Concat")),
                      instance(QStringLiteral("id"), QStringLiteral("Identity"))};
    pair.nodes = {Node{1, NodeKind::Input, QStringLiteral("a"), {num(3)}, {}},
                  Node{2, NodeKind::Input, QStringLiteral("b"), {num(4)}, {}},
                  call(3, QStringLiteral("fc")), call(4, QStringLiteral("cat")), call(5, QStringLiteral("id")),
                  Node{6, NodeKind::Output, QStringLiteral("joined"), {}, {}},
                  Node{7, NodeKind::Output, QStringLiteral("same"), {}, {}}};
    pair.wires = {Wire{{1, 0}, {3, 0}}, Wire{{3, 0}, {4, 0}}, Wire{{2, 0}, {4, 1}},
                  Wire{{2, 0}, {5, 0}}, Wire{{4, 0}, {6, 0}}, Wire{{5, 0}, {7, 0}}};
    // Root: x, y -> pair (call 1) ; y, y*? -> pair (call 2, shared)
    //   first = tanh(pair#1.joined), product = pair#1.same * pair#2.same, second = pair#2.joined
    ModuleType root;
    root.name = QStringLiteral("Root");
    root.instances = {instance(QStringLiteral("pair"), QStringLiteral("Pair")),
                      instance(QStringLiteral("tanh"), QStringLiteral("Tanh")),
                      instance(QStringLiteral("mul"), QStringLiteral("Multiply")),
                      instance(QStringLiteral("fc"), QStringLiteral("Linear"), {{QStringLiteral("out_features"), num(3)}})};
    root.nodes = {Node{1, NodeKind::Input, QStringLiteral("x"), {num(3)}, {}},
                  Node{2, NodeKind::Input, QStringLiteral("y"), {num(4)}, {}},
                  call(3, QStringLiteral("pair")), call(4, QStringLiteral("pair")),
                  call(5, QStringLiteral("tanh")), call(6, QStringLiteral("mul")), call(7, QStringLiteral("fc")),
                  Node{8, NodeKind::Output, QStringLiteral("first"), {}, {}},
                  Node{9, NodeKind::Output, QStringLiteral("product"), {}, {}},
                  Node{10, NodeKind::Output, QStringLiteral("second"), {}, {}}};
    root.wires = {Wire{{1, 0}, {3, 0}}, Wire{{2, 0}, {3, 1}},  // pair(x, y)
                  Wire{{2, 0}, {7, 0}},                        // fc(y): 3 features
                  Wire{{7, 0}, {4, 0}}, Wire{{2, 0}, {4, 1}},  // pair(fc(y), y)
                  Wire{{3, 0}, {5, 0}}, Wire{{5, 0}, {8, 0}},  // first = tanh(joined#1)
                  Wire{{3, 1}, {6, 0}}, Wire{{4, 1}, {6, 1}}, Wire{{6, 0}, {9, 0}},
                  Wire{{4, 0}, {10, 0}}};
    ProjectData p;
    p.types = {pair, root};
    p.root = root.name;
    return p;
}

} // namespace

class tst_TorchScriptExporter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void examples_data();
    void examples();
    void sharedWeightIsOneTensor();
    void weightsAreTheSeededBuild();
    void projectTravelsInside_data();
    void projectTravelsInside();
    void multipleInputsAndOutputs();
    void everyBuiltinLayer();
    void batchNormTrainingMode();
    void frozenInstanceExports();
    void mismatchedModuleIsRefused();
    void failedSaveKeepsPreviousFile();
    void readProjectRefusesForeignFiles_data();
    void readProjectRefusesForeignFiles();
    void readProjectRunsNoCode();
    void readProjectZip64();
    void identicalModulesShareAClass();

private:
    QTemporaryDir m_dir;
};

void tst_TorchScriptExporter::initTestCase()
{
    QVERIFY(m_dir.isValid());
    torch::set_num_threads(1);
}

void tst_TorchScriptExporter::examples_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<QStringList>("parameters");
    QTest::addColumn<QStringList>("modules");
    QTest::addRow("encoder_decoder")
        << "encoder-decoder.mcproj" << qint64(61)
        << QStringList{"encoder.fc.weight", "encoder.fc.bias", "decoder.fc.weight", "decoder.fc.bias"}
        << QStringList{"encoder", "encoder.fc", "encoder.relu", "decoder", "decoder.fc", "decoder.sigmoid"};
    QTest::addRow("configurable_blocks")
        << "configurable-blocks.mcproj" << qint64(706)
        << QStringList{"nested_model.blocks.0.fc.weight", "nested_model.blocks.0.fc.bias",
                       "nested_model.blocks.1.fc.weight", "nested_model.blocks.1.fc.bias",
                       "nested_model.blocks.2.fc.weight", "nested_model.blocks.2.fc.bias",
                       "final_fc.weight", "final_fc.bias"}
        << QStringList{"nested_model", "nested_model.blocks", "nested_model.blocks.0",
                       "nested_model.blocks.0.fc", "nested_model.blocks.0.relu",
                       "nested_model.blocks.1", "nested_model.blocks.1.fc", "nested_model.blocks.1.relu",
                       "nested_model.blocks.2", "nested_model.blocks.2.fc", "nested_model.blocks.2.relu",
                       "final_fc", "sigmoid"};
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    QTest::addRow("shared_block")
        << "shared-block.mcproj" << qint64(330)
        << QStringList{"shared_module.fc.weight", "shared_module.fc.bias", "fc1.weight", "fc1.bias",
                       "fc2.weight", "fc2.bias"}
        << QStringList{"shared_module", "shared_module.fc", "shared_module.relu", "fc1", "fc2"};
}

void tst_TorchScriptExporter::examples()
{
    QFETCH(QString, file);
    QFETCH(qint64, total);
    QFETCH(QStringList, parameters);
    QFETCH(QStringList, modules);
    const ProjectData p = example(file);
    ComposedModule m = ModelBuilder::build(p, 7);
    m->eval();
    torch::jit::Module script = TorchScriptExporter::toScript(p, m);
    QVERIFY(!script.is_training());
    QCOMPARE(names(script), parameters);
    QCOMPARE(count(script), int64_t(total));
    QStringList submodules;
    for (const auto &s : script.named_modules())
        if (!s.name.empty())
            submodules.append(QString::fromStdString(s.name));
    QCOMPARE(submodules, modules);

    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({9, 10});
    const torch::Tensor expected = m->forward(x);
    QVERIFY(maxDifference(outputs(script, {x}).at(0), expected) <= 1e-6);

    // Read back from the file as a C++ user would: same names, same numbers.
    torch::jit::Module loaded = exportAndLoad(p, m, m_dir);
    QCOMPARE(names(loaded), parameters);
    QCOMPARE(count(loaded), int64_t(total));
    QVERIFY(!loaded.is_training());
    QVERIFY(maxDifference(outputs(loaded, {x}).at(0), expected) <= 1e-6);
}

void tst_TorchScriptExporter::sharedWeightIsOneTensor()
{
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    const ProjectData p = example(QStringLiteral("shared-block.mcproj"));
    ComposedModule m = ModelBuilder::build(p, 1);
    torch::jit::Module loaded = exportAndLoad(p, m, m_dir);
    QCOMPARE(names(loaded).count(QStringLiteral("shared_module.fc.weight")), 1);
    QCOMPARE(int(loaded.named_children().size()), 3); // shared_module, fc1, fc2
    // The forward calls the one submodule at both call sites.
    const QString graph = QString::fromStdString(loaded.get_method("forward").graph()->toString());
    QCOMPARE(graph.count(QStringLiteral("prim::GetAttr[name=\"shared_module\"]")), 2);
    // Changing the one weight changes both branches: relu(0·x + 1) = 1 on each.
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({4, 10});
    const torch::Tensor before = outputs(loaded, {x}).at(0);
    for (const auto &item : loaded.named_parameters()) {
        if (item.name == "shared_module.fc.weight")
            item.value.zero_();
        if (item.name == "shared_module.fc.bias")
            item.value.fill_(1.0);
    }
    const torch::Tensor after = outputs(loaded, {x}).at(0);
    QVERIFY(torch::allclose(after, torch::full({4, 10}, 2.0)));
    QVERIFY(!torch::allclose(before, after));
}

void tst_TorchScriptExporter::weightsAreTheSeededBuild()
{
    // An export without training holds exactly the weights training starts from.
    const ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    ComposedModule exported = ModelBuilder::build(p, 42);
    torch::jit::Module loaded = exportAndLoad(p, exported, m_dir);
    ComposedModule fresh = ModelBuilder::build(p, 42);
    const auto expected = fresh->named_parameters();
    int compared = 0;
    for (const auto &item : loaded.named_parameters()) {
        const torch::Tensor *t = expected.find(item.name);
        QVERIFY2(t, item.name.c_str());
        QVERIFY2(torch::equal(*t, item.value), item.name.c_str());
        ++compared;
    }
    QCOMPARE(compared, int(expected.size()));
    ComposedModule other = ModelBuilder::build(p, 43);
    QVERIFY(!torch::equal(other->named_parameters()["final_fc.weight"],
                          loaded.attr("final_fc").toModule().attr("weight").toTensor()));
}

void tst_TorchScriptExporter::projectTravelsInside_data()
{
    QTest::addColumn<QString>("file");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj";
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj";
    QTest::addRow("shared_block") << "shared-block.mcproj";
}

void tst_TorchScriptExporter::projectTravelsInside()
{
    QFETCH(QString, file);
    const ProjectData p = example(file);
    ComposedModule m = ModelBuilder::build(p, 0);
    const QString path = m_dir.filePath(QStringLiteral("travel.pt"));
    QString error;
    QVERIFY2(TorchScriptExporter::save(p, m, path, &error), qPrintable(error));
    const ProjectData back = TorchScriptExporter::readProject(path);
    QVERIFY(back == p);
    QCOMPARE(back.root, p.root);
    QCOMPARE(back.types.size(), p.types.size());
    // torch::jit::load sees the same extra file.
    torch::jit::ExtraFilesMap extra{{TorchScriptExporter::kProjectEntry, ""}};
    torch::jit::load(path.toStdString(), c10::nullopt, extra);
    QCOMPARE(QByteArray::fromStdString(extra[TorchScriptExporter::kProjectEntry]), ProjectFile::toBytes(p));
}

void tst_TorchScriptExporter::multipleInputsAndOutputs()
{
    const ProjectData p = multiPortProject();
    ComposedModule m = ModelBuilder::build(p, 3);
    torch::jit::Module loaded = exportAndLoad(p, m, m_dir);
    // The shared Pair is one submodule: its fc once, next to the root's fc.
    QCOMPARE(names(loaded), (QStringList{"pair.fc.weight", "pair.fc.bias", "fc.weight", "fc.bias"}));
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({5, 3}), y = torch::randn({5, 4});
    const auto expected = m->forwardAll({x, y});
    const auto got = outputs(loaded, {x, y});
    QCOMPARE(int(expected.size()), 3);
    QCOMPARE(int(got.size()), 3);
    for (size_t k = 0; k < got.size(); ++k)
        QVERIFY2(maxDifference(got[k], expected[k]) <= 1e-6, qPrintable(QString::number(k)));
    QCOMPARE(got[0].size(1), int64_t(6));
    QCOMPARE(got[1].size(1), int64_t(4));
}

void tst_TorchScriptExporter::everyBuiltinLayer()
{
    const ProjectData p = allLayersProject();
    ComposedModule m = ModelBuilder::build(p, 5);
    // Move the batch-norm statistics away from their initial values.
    {
        torch::NoGradGuard noGrad;
        m->train();
        for (int k = 0; k < 3; ++k)
            m->forwardAll({torch::randn({16, 6}) * 3 + 1});
    }
    m->eval();
    torch::jit::Module loaded = exportAndLoad(p, m, m_dir);
    QCOMPARE(names(loaded),
             (QStringList{"fc.weight", "fc.bias", "ln.weight", "ln.bias", "bn.weight", "bn.bias", "fc_nb.weight"}));
    QStringList buffers;
    for (const auto &b : loaded.named_buffers())
        buffers.append(QString::fromStdString(b.name));
    QCOMPARE(buffers, (QStringList{"bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                                   "bn_na.running_mean", "bn_na.running_var", "bn_na.num_batches_tracked"}));
    const auto cppBuffers = m->named_buffers();
    for (const auto &b : loaded.named_buffers())
        QVERIFY2(torch::equal(b.value, cppBuffers[b.name]), b.name.c_str());
    QCOMPARE(loaded.attr("bn").toModule().attr("num_batches_tracked").toTensor().item<int64_t>(), int64_t(3));

    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({7, 6});
    const auto expected = m->forwardAll({x});
    const auto got = outputs(loaded, {x});
    QCOMPARE(int(got.size()), 2);
    for (size_t k = 0; k < got.size(); ++k)
        QVERIFY2(maxDifference(got[k], expected[k]) <= 1e-6, qPrintable(QString::number(k)));
}

void tst_TorchScriptExporter::batchNormTrainingMode()
{
    // x -> bn -> y: in training mode both use the batch and update the same statistics.
    ModuleType t;
    t.name = QStringLiteral("Norm");
    t.instances = {instance(QStringLiteral("bn"), QStringLiteral("BatchNorm1d"), {{QStringLiteral("momentum"), num(0.25)}})};
    t.nodes = {Node{1, NodeKind::Input, QStringLiteral("x"), {num(5)}, {}}, call(2, QStringLiteral("bn")),
               Node{3, NodeKind::Output, QStringLiteral("y"), {}, {}}};
    t.wires = {Wire{{1, 0}, {2, 0}}, Wire{{2, 0}, {3, 0}}};
    ProjectData p;
    p.types = {t};
    p.root = t.name;
    ComposedModule m = ModelBuilder::build(p, 0);
    torch::jit::Module loaded = exportAndLoad(p, m, m_dir);
    loaded.train();
    m->train();
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({12, 5}) * 2 + 3;
    QVERIFY(maxDifference(outputs(loaded, {x}).at(0), m->forward(x)) <= 1e-6);
    torch::jit::Module bn = loaded.attr("bn").toModule();
    QVERIFY(torch::allclose(bn.attr("running_mean").toTensor(), m->named_buffers()["bn.running_mean"]));
    QVERIFY(!torch::allclose(bn.attr("running_mean").toTensor(), torch::zeros({5})));
    QCOMPARE(bn.attr("num_batches_tracked").toTensor().item<int64_t>(), int64_t(1));
    // In eval mode the running statistics, not the batch, normalise.
    loaded.eval();
    m->eval();
    QVERIFY(maxDifference(outputs(loaded, {x}).at(0), m->forward(x)) <= 1e-6);
}

void tst_TorchScriptExporter::frozenInstanceExports()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    p.type(p.root)->instance(QStringLiteral("encoder"))->frozen = true;
    ComposedModule m = ModelBuilder::build(p, 0);
    torch::jit::Module script = TorchScriptExporter::toScript(p, m);
    QCOMPARE(count(script), int64_t(61));
    for (const auto &item : script.named_parameters())
        QCOMPARE(item.value.requires_grad(), item.name.rfind("encoder.", 0) != 0);
    torch::jit::Module loaded = exportAndLoad(p, m, m_dir);
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({3, 10});
    QVERIFY(maxDifference(outputs(loaded, {x}).at(0), m->forward(x)) <= 1e-6);
    QVERIFY(TorchScriptExporter::readProject(m_dir.filePath(QStringLiteral("model.pt")))
                .type(QStringLiteral("EncoderDecoderLightning"))
                ->instance(QStringLiteral("encoder"))
                ->frozen);
}

void tst_TorchScriptExporter::mismatchedModuleIsRefused()
{
    // A module tree built from another project does not export with this one.
    ComposedModule shared = ModelBuilder::build(example(QStringLiteral("shared-block.mcproj")), 0);
    try {
        TorchScriptExporter::toScript(example(QStringLiteral("encoder-decoder.mcproj")), shared);
        QFAIL("toScript accepted a module of another project");
    } catch (const ExportError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("does not match the project")), e.what());
    }
    // Same structure, other sizes: the shapes give it away.
    ProjectData wider = example(QStringLiteral("shared-block.mcproj"));
    wider.type(wider.root)->arguments[0].defaultValue = 12;
    try {
        TorchScriptExporter::toScript(wider, shared);
        QFAIL("toScript accepted weights of other shapes");
    } catch (const ExportError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("`shared_module.fc.weight` has the shape [10, 10]")),
                 e.what());
    }
}

void tst_TorchScriptExporter::failedSaveKeepsPreviousFile()
{
    const QString path = m_dir.filePath(QStringLiteral("keep.pt"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("previous");
    }
    ComposedModule shared = ModelBuilder::build(example(QStringLiteral("shared-block.mcproj")), 0);
    QString error;
    QVERIFY(!TorchScriptExporter::save(example(QStringLiteral("encoder-decoder.mcproj")), shared, path, &error));
    QVERIFY2(error.startsWith(QStringLiteral("Cannot export ")), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("previous"));
    // No stray temporary file next to it.
    QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("keep.pt*")}, QDir::Files),
             QStringList{QStringLiteral("keep.pt")});
    // A directory that does not exist.
    error.clear();
    QVERIFY(!TorchScriptExporter::save(example(QStringLiteral("shared-block.mcproj")), shared,
                                       m_dir.filePath(QStringLiteral("missing/dir/out.pt")), &error));
    QVERIFY(!error.isEmpty());
}

void tst_TorchScriptExporter::readProjectRefusesForeignFiles_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");
    // A TorchScript archive without our extra file.
    torch::jit::Module plain(c10::QualifiedName("__torch__.Plain"));
    plain.register_attribute("training", c10::BoolType::get(), false);
    plain.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
    std::ostringstream os;
    plain.save(os);
    const QByteArray archive = QByteArray::fromStdString(os.str());
    QTest::addRow("plain_torchscript") << archive << "not a Model Composer export";
    QTest::addRow("text") << QByteArray("hello, I am not a zip file\n") << "is not a TorchScript file";
    QTest::addRow("empty") << QByteArray() << "is not a TorchScript file";
    QTest::addRow("truncated") << archive.left(archive.size() / 2) << "is not a TorchScript file";

    // An export whose project entry was changed after writing.
    const ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    ComposedModule m = ModelBuilder::build(p, 0);
    os.str({});
    TorchScriptExporter::toScript(p, m).save(os, {{TorchScriptExporter::kProjectEntry,
                                                    ProjectFile::toBytes(p).toStdString()}});
    QByteArray damaged = QByteArray::fromStdString(os.str());
    const int at = damaged.indexOf("EncoderDecoderLightning");
    damaged[at] = 'X';
    QTest::addRow("damaged_entry") << damaged << "checksum";

    // Our extra file, but not a project inside.
    os.str({});
    TorchScriptExporter::toScript(p, m).save(os, {{TorchScriptExporter::kProjectEntry, "{\"format\": 3}"}});
    QTest::addRow("not_a_project") << QByteArray::fromStdString(os.str()) << "modelcomposer/project.mcproj";
}

void tst_TorchScriptExporter::readProjectRefusesForeignFiles()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    const QString path = m_dir.filePath(QStringLiteral("foreign.pt"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
    }
    try {
        TorchScriptExporter::readProject(path);
        QFAIL("readProject accepted a foreign file");
    } catch (const ProjectFormatError &e) {
        QVERIFY2(e.message().contains(QStringLiteral("foreign.pt")), qPrintable(e.message()));
        QVERIFY2(e.message().contains(expected), qPrintable(e.message()));
    }
}

void tst_TorchScriptExporter::readProjectRunsNoCode()
{
    // An export whose TorchScript code cannot compile still gives its project:
    // readProject reads the project entry and never compiles the code.
    const ProjectData p = example(QStringLiteral("shared-block.mcproj"));
    ComposedModule m = ModelBuilder::build(p, 0);
    const QString exported = m_dir.filePath(QStringLiteral("good.pt"));
    QString error;
    QVERIFY2(TorchScriptExporter::save(p, m, exported, &error), qPrintable(error));
    const QString path = m_dir.filePath(QStringLiteral("broken-code.pt"));
    {
        caffe2::serialize::PyTorchStreamReader reader(exported.toStdString());
        caffe2::serialize::PyTorchStreamWriter writer(path.toStdString());
        int replaced = 0;
        for (const std::string &name : reader.getAllRecords()) {
            if (name == "code/__torch__.py") {
                const std::string broken = "class ExternalInjection(Module):\n  def forward(self, x: Tensor) -> Tensor:\n    return )(\n";
                writer.writeRecord(name, broken.data(), broken.size());
                ++replaced;
            } else if (name.find(".debug_pkl") == std::string::npos) {
                auto [data, size] = reader.getRecord(name);
                writer.writeRecord(name, data.get(), size);
            }
        }
        writer.writeEndOfFile();
        QCOMPARE(replaced, 1);
    }
    bool loads = true;
    try {
        torch::jit::load(path.toStdString());
    } catch (const std::exception &) { // the TorchScript parser's error
        loads = false;
    }
    QVERIFY(!loads);
    QVERIFY(TorchScriptExporter::readProject(path) == p);
}

void tst_TorchScriptExporter::readProjectZip64()
{
    const ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    const QString path = m_dir.filePath(QStringLiteral("zip64.pt"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(zip64Archive("archive/extra/modelcomposer/project.mcproj", ProjectFile::toBytes(p)));
    }
    QVERIFY(TorchScriptExporter::readProject(path) == p);
}

void tst_TorchScriptExporter::identicalModulesShareAClass()
{
    // The three blocks differ in sizes only: one Block class, one Linear class.
    const ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    ComposedModule m = ModelBuilder::build(p, 0);
    const torch::jit::Module script = TorchScriptExporter::toScript(p, m);
    const torch::jit::Module blocks = script.attr("nested_model").toModule().attr("blocks").toModule();
    auto type = [](const torch::jit::Module &module, const char *name) {
        return module.attr(name).toModule().type()->name()->qualifiedName();
    };
    QCOMPARE(type(blocks, "0"), std::string("__torch__.Block"));
    QCOMPARE(type(blocks, "1"), type(blocks, "0"));
    QCOMPARE(type(blocks, "2"), type(blocks, "0"));
    QCOMPARE(type(script, "final_fc"), type(blocks.attr("0").toModule(), "fc"));
    // Another forward is another class: a Linear without bias, a LeakyReLU's slope.
    const ProjectData all = allLayersProject();
    ComposedModule a = ModelBuilder::build(all, 0);
    const torch::jit::Module allScript = TorchScriptExporter::toScript(all, a);
    QVERIFY(type(allScript, "fc") != type(allScript, "fc_nb"));
    QVERIFY(type(allScript, "ln") != type(allScript, "ln_na"));
}

QTEST_GUILESS_MAIN(tst_TorchScriptExporter)
#include "tst_torchscriptexporter.moc"
