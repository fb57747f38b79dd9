// Every registered layer, with each of its samples, built into a one-layer
// project the way a user would draw it:
//
//   x0 [, x1] -> layer -> y0 [, y1]
//
// and checked for every part of its definition: the project reader takes its
// options, the analysis's parameter and buffer counts equal the built
// module's, the shape rule's output shapes are the shapes LibTorch computes,
// and the exported TorchScript gives the built module's output. The case is
// then written to MC_LAYER_DIR for tests/python/check_layers.py, which makes
// the same layer with torch.nn in Python, gives it the exported weights and
// compares output and input gradient.

#include "analysis/Analysis.h"
#include "build/ModelBuilder.h"
#include "document/Project.h"
#include "document/ProjectFile.h"
#include "export/TorchScriptExporter.h"
#include "layers/LayerRegistry.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

#include <torch/torch.h>

using namespace mc;

namespace {

/// The one-layer project of a sample, as JSON a user's file would hold.
QByteArray sampleProject(const mc::LayerDefinition &layer, const mc::LayerSample &sample)
{
    QJsonArray nodes, wires;
    int id = 1;
    for (int k = 0; k < sample.inputs.size(); ++k) {
        QJsonArray shape;
        for (qint64 d : sample.inputs.at(k).dims())
            shape.append(d);
        nodes.append(QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("input"), QStringLiteral("x%1").arg(k)},
                                 {QStringLiteral("shape"), shape}});
        wires.append(QJsonObject{{QStringLiteral("from"), QJsonArray{id, 0}},
                                 {QStringLiteral("to"), QJsonArray{100, k}}});
        ++id;
    }
    nodes.append(QJsonObject{{QStringLiteral("id"), 100}, {QStringLiteral("call"), QStringLiteral("layer")}});
    for (int k = 0; k < layer.outputs.size(); ++k) {
        nodes.append(QJsonObject{{QStringLiteral("id"), 200 + k}, {QStringLiteral("output"), QStringLiteral("y%1").arg(k)}});
        wires.append(QJsonObject{{QStringLiteral("from"), QJsonArray{100, k}},
                                 {QStringLiteral("to"), QJsonArray{200 + k, 0}}});
    }
    const QJsonObject options = QJsonDocument::fromJson(sample.optionsJson.toUtf8()).object();
    QJsonObject instance{{QStringLiteral("name"), QStringLiteral("layer")}, {QStringLiteral("type"), layer.name}};
    if (!options.isEmpty())
        instance.insert(QStringLiteral("options"), options);
    const QJsonObject type{{QStringLiteral("name"), QStringLiteral("Sample")},
                           {QStringLiteral("instances"), QJsonArray{instance}},
                           {QStringLiteral("nodes"), nodes},
                           {QStringLiteral("wires"), wires}};
    const QJsonObject project{{QStringLiteral("format"), QStringLiteral("modelcomposer-project")},
                              {QStringLiteral("version"), 2},
                              {QStringLiteral("root"), QStringLiteral("Sample")},
                              {QStringLiteral("types"), QJsonArray{type}}};
    return QJsonDocument(project).toJson();
}

void writeTensor(const QDir &dir, const QString &name, const torch::Tensor &t, QJsonObject &manifest)
{
    const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    QFile f(dir.filePath(name + QStringLiteral(".bin")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(reinterpret_cast<const char *>(c.data_ptr<float>()), qint64(c.numel()) * 4);
    QJsonArray shape;
    for (int64_t d : c.sizes())
        shape.append(qint64(d));
    manifest.insert(name, shape);
}

std::vector<torch::Tensor> run(ComposedModule &m, const std::vector<torch::Tensor> &in)
{
    return m->forwardAll(in);
}

std::vector<torch::Tensor> runScript(torch::jit::Module &m, const std::vector<torch::Tensor> &in)
{
    std::vector<torch::jit::IValue> args(in.begin(), in.end());
    const torch::jit::IValue out = m.forward(args);
    if (out.isTensor())
        return {out.toTensor()};
    std::vector<torch::Tensor> outs;
    for (const auto &v : out.toTupleRef().elements())
        outs.push_back(v.toTensor());
    return outs;
}

qint64 elements(const std::vector<at::Tensor> &tensors)
{
    qint64 n = 0;
    for (const auto &t : tensors)
        n += t.numel();
    return n;
}

} // namespace

class tst_LayerRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void theIssuesLayersAreThere();
    void everyLayerIsComplete_data();
    void everyLayerIsComplete();
    void samples_data();
    void samples();
    void pythonNamesWhatIsNotKnown();
    void namesAreUnique();
};

void tst_LayerRegistry::initTestCase()
{
    // The names for check_layers.py, which fails on a layer without a case.
    const QByteArray dirName = qgetenv("MC_LAYER_DIR");
    if (dirName.isEmpty())
        return;
    QDir dir(QString::fromLocal8Bit(dirName));
    for (const QString &old : dir.entryList(QDir::Files))
        dir.remove(old);
    QJsonArray names;
    // And each layer's options with their defaults, which check_layers.py
    // holds against the torch.nn constructor's parameters.
    QJsonObject options;
    for (const mc::LayerDefinition &d : mc::LayerRegistry::all()) {
        names.append(d.name);
        QJsonObject layer;
        layer.insert(QStringLiteral("operator"), d.isOperator);
        QJsonObject defaults;
        for (const mc::OptionSpec &o : d.options) {
            QJsonValue def; // null: None, required, or taken from the input
            if (o.kind == mc::OptionKind::Choice)
                def = o.defaultChoice;
            else if (o.kind == mc::OptionKind::Boolean && !o.defaultValue.isEmpty())
                def = o.defaultValue.first() != 0;
            else if (o.defaultValue.size() == 1)
                def = o.defaultValue.first();
            else if (!o.defaultValue.isEmpty())
                def = QJsonArray::fromVariantList([&] {
                    QVariantList l;
                    for (double v : o.defaultValue)
                        l.append(v);
                    return l;
                }());
            defaults.insert(o.name, def);
        }
        layer.insert(QStringLiteral("options"), defaults);
        options.insert(d.name, layer);
    }
    QFile f(dir.filePath(QStringLiteral("registry.names")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(names).toJson());
    QFile o(dir.filePath(QStringLiteral("registry.options")));
    QVERIFY(o.open(QIODevice::WriteOnly));
    o.write(QJsonDocument(options).toJson());
}

void tst_LayerRegistry::theIssuesLayersAreThere()
{
    // The layers of the first version and of the convolutional family, with
    // PyTorch's names.
    for (const char *name :
         {"Linear", "Dropout", "Dropout2d", "Identity", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
          "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "Upsample",
          "LayerNorm", "BatchNorm1d", "BatchNorm2d", "GroupNorm", "ReLU", "LeakyReLU", "GELU", "Tanh", "Sigmoid",
          "SiLU", "ELU", "Softplus", "Hardswish", "Softmax", "LogSoftmax", "Flatten", "Unflatten", "Reshape",
          "Permute", "Add", "Subtract", "Multiply", "Concat"})
        QVERIFY2(mc::LayerRegistry::find(QString::fromLatin1(name)), name);
}

void tst_LayerRegistry::everyLayerIsComplete_data()
{
    QTest::addColumn<QString>("layer");
    for (const mc::LayerDefinition &d : mc::LayerRegistry::all())
        QTest::addRow("%s", qPrintable(d.name)) << d.name;
}

void tst_LayerRegistry::everyLayerIsComplete()
{
    // A layer added without one of its parts fails here, not in a user's run.
    QFETCH(QString, layer);
    const mc::LayerDefinition *d = mc::LayerRegistry::find(layer);
    QVERIFY(d);
    QVERIFY2(!d->category.isEmpty(), "no palette group");
    QVERIFY2(!d->doc.isEmpty(), "no doc line");
    QVERIFY2(Project::checkIdentifier(d->instanceName, QString()), "no valid default instance name");
    QVERIFY2(!d->inputs.isEmpty() && !d->outputs.isEmpty(), "no ports");
    QVERIFY2(d->shapes, "no shape rule");
    QVERIFY2(d->build, "no LibTorch build");
    QVERIFY2(d->script, "no TorchScript");
    QVERIFY2(!d->samples.isEmpty(), "no sample for this test");
    if (d->isOperator)
        QVERIFY2(d->python && !d->tensors, "an operator writes its Python expression and holds no tensors");
    for (const mc::OptionSpec &o : d->options) {
        QVERIFY2(!o.doc.isEmpty(), qPrintable(o.name));
        if (o.kind == mc::OptionKind::Choice)
            QVERIFY2(o.choices.contains(o.defaultChoice), qPrintable(o.name));
        if (o.kind == mc::OptionKind::Tuple)
            QVERIFY2(o.tupleSize > 0, qPrintable(o.name));
    }
}

void tst_LayerRegistry::pythonNamesWhatIsNotKnown()
{
    // A size the shape rule has not inferred yet is not written as 0: the
    // positional arguments stop before it and Python names it as missing.
    const mc::LayerDefinition *conv = mc::LayerRegistry::find(QStringLiteral("Conv2d"));
    QVERIFY(conv);
    mc::ResolvedOptions o;
    o.setNumber(QStringLiteral("out_channels"), 8);
    o.set(QStringLiteral("kernel_size"), mc::ResolvedValue{{3, 3}, {}});
    QCOMPARE(conv->pythonCode(o), QStringLiteral("nn.Conv2d(out_channels=8, kernel_size=3)"));
    o.setNumber(QStringLiteral("in_channels"), 1);
    QCOMPARE(conv->pythonCode(o), QStringLiteral("nn.Conv2d(1, 8, 3)"));
}

void tst_LayerRegistry::namesAreUnique()
{
    QSet<QString> names;
    for (const mc::LayerDefinition &d : mc::LayerRegistry::all()) {
        QVERIFY2(!names.contains(d.name), qPrintable(d.name));
        names.insert(d.name);
        QCOMPARE(mc::LayerRegistry::find(d.name), &d);
    }
    QVERIFY(!mc::LayerRegistry::find(QStringLiteral("NoSuchLayer")));
}

void tst_LayerRegistry::samples_data()
{
    QTest::addColumn<QString>("layer");
    QTest::addColumn<int>("sample");
    for (const mc::LayerDefinition &d : mc::LayerRegistry::all())
        for (int k = 0; k < d.samples.size(); ++k)
            QTest::addRow("%s_%s", qPrintable(d.name), qPrintable(d.samples.at(k).label)) << d.name << k;
}

void tst_LayerRegistry::samples()
{
    QFETCH(QString, layer);
    QFETCH(int, sample);
    const mc::LayerDefinition &d = *mc::LayerRegistry::find(layer);
    const mc::LayerSample &s = d.samples.at(sample);

    // The project reader takes the sample's options as a user's file holds them.
    const ProjectData project = ProjectFile::fromBytes(sampleProject(d, s));
    const auto analysis = std::make_shared<const Analysis>(project);
    QVERIFY2(!analysis->hasErrors(), qPrintable(analysis->errorLines().join(QLatin1Char('\n'))));
    const InstanceEval *ie = analysis->root()->instance(QStringLiteral("layer"));
    QVERIFY(ie);

    const CheckedModel model = CheckedModel::check(project, analysis);
    ComposedModule module = ModelBuilder::build(model, 7);
    module->eval();
    // The analysis counts what the module holds.
    QCOMPARE(ie->params, elements(module->parameters()));
    QCOMPARE(ie->buffers, elements(module->buffers()));
    QCOMPARE(analysis->totalParams(), elements(module->parameters()));

    torch::manual_seed(11);
    std::vector<torch::Tensor> inputs;
    for (const mc::Shape &shape : s.inputs)
        inputs.push_back(torch::randn(shape.batched(3)));
    std::vector<torch::Tensor> outputs;
    {
        torch::NoGradGuard noGrad;
        outputs = run(module, inputs);
    }
    // The shape rule gives the shapes LibTorch computes.
    QCOMPARE(int(outputs.size()), int(d.outputs.size()));
    for (size_t k = 0; k < outputs.size(); ++k)
        QCOMPARE(outputs[k].sizes().vec(), ie->out.value(int(k)).batched(3));

    // The TorchScript export gives the same output.
    torch::jit::Module script = TorchScriptExporter::toScript(model, module);
    {
        torch::NoGradGuard noGrad;
        const std::vector<torch::Tensor> scripted = runScript(script, inputs);
        QCOMPARE(scripted.size(), outputs.size());
        for (size_t k = 0; k < outputs.size(); ++k)
            QVERIFY2(torch::allclose(scripted[k], outputs[k], 1e-5, 1e-6),
                     qPrintable(QStringLiteral("output %1 differs by %2").arg(k).arg(
                         (scripted[k] - outputs[k]).abs().max().item<double>())));
    }

    // The input gradient of a weighted sum of the outputs, for Python to match.
    std::vector<torch::Tensor> grads;
    std::vector<torch::Tensor> weights;
    {
        std::vector<torch::Tensor> leaves;
        for (const torch::Tensor &x : inputs)
            leaves.push_back(x.clone().requires_grad_(true));
        const std::vector<torch::Tensor> outs = run(module, leaves);
        torch::Tensor total = torch::zeros({});
        torch::manual_seed(13);
        for (const torch::Tensor &o : outs) {
            weights.push_back(torch::randn(o.sizes()));
            total = total + (o * weights.back()).sum();
        }
        if (total.requires_grad())
            total.backward();
        for (const torch::Tensor &x : leaves)
            grads.push_back(x.grad().defined() ? x.grad() : torch::zeros_like(x));
    }

    const QByteArray dirName = qgetenv("MC_LAYER_DIR");
    if (dirName.isEmpty())
        return;
    QDir dir(QString::fromLocal8Bit(dirName));
    const QString name = QStringLiteral("%1_%2").arg(d.name, s.label);
    QString error;
    QVERIFY2(TorchScriptExporter::save(model, module, dir.filePath(name + QStringLiteral(".pt")), &error),
             qPrintable(error));
    QJsonObject tensors;
    for (size_t k = 0; k < inputs.size(); ++k) {
        writeTensor(dir, QStringLiteral("%1.x%2").arg(name).arg(k), inputs[k], tensors);
        writeTensor(dir, QStringLiteral("%1.grad%2").arg(name).arg(k), grads[k], tensors);
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
        writeTensor(dir, QStringLiteral("%1.y%2").arg(name).arg(k), outputs[k], tensors);
        writeTensor(dir, QStringLiteral("%1.w%2").arg(name).arg(k), weights[k], tensors);
    }
    QStringList arguments;
    for (int k = 0; k < int(inputs.size()); ++k)
        arguments.append(QStringLiteral("x%1").arg(k));
    const QJsonObject manifest{
        {QStringLiteral("layer"), d.name},
        {QStringLiteral("operator"), d.isOperator},
        {QStringLiteral("python"), d.pythonCode(ie->options, arguments)},
        {QStringLiteral("inputs"), int(inputs.size())},
        {QStringLiteral("outputs"), int(outputs.size())},
        {QStringLiteral("parameters"), ie->params},
        {QStringLiteral("tensors"), tensors},
    };
    QFile f(dir.filePath(name + QStringLiteral(".json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(manifest).toJson());
}

QTEST_GUILESS_MAIN(tst_LayerRegistry)
#include "tst_layerregistry.moc"
