#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"

#include <QtTest>

#include <set>

using namespace mc;

namespace {

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

std::vector<std::string> parameterNames(const torch::nn::Module &m)
{
    std::vector<std::string> names;
    for (const auto &p : m.named_parameters())
        names.push_back(p.key());
    return names;
}

int64_t count(const torch::nn::Module &m, bool trainableOnly = false)
{
    int64_t n = 0;
    for (const auto &p : m.parameters())
        if (!trainableOnly || p.requires_grad())
            n += p.numel();
    return n;
}

} // namespace

class tst_ModelBuilder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void namesAndCounts_data();
    void namesAndCounts();
    void sharedInstanceIsOneTensor();
    void frozenInstance();
    void nestingThreeLevelsDeep();
    void forwardMatchesHandWrittenModule();
    void seedGivesSameWeights();
    void refusesInvalidDocument();
    void multipleInputsAndOutputs();
    void runtimeErrorNamesInstance();
};

void tst_ModelBuilder::namesAndCounts_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<QStringList>("names");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj" << qint64(61)
        << QStringList{"encoder.fc.weight", "encoder.fc.bias", "decoder.fc.weight", "decoder.fc.bias"};
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj" << qint64(706)
        << QStringList{"nested_model.blocks.0.fc.weight", "nested_model.blocks.0.fc.bias",
                       "nested_model.blocks.1.fc.weight", "nested_model.blocks.1.fc.bias",
                       "nested_model.blocks.2.fc.weight", "nested_model.blocks.2.fc.bias",
                       "final_fc.weight", "final_fc.bias"};
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    QTest::addRow("shared_block") << "shared-block.mcproj" << qint64(330)
        << QStringList{"shared_module.fc.weight", "shared_module.fc.bias", "fc1.weight", "fc1.bias",
                       "fc2.weight", "fc2.bias"};
}

void tst_ModelBuilder::namesAndCounts()
{
    QFETCH(QString, file);
    QFETCH(qint64, total);
    QFETCH(QStringList, names);
    ComposedModule m = ModelBuilder::build(example(file), 0);
    QStringList got;
    for (const auto &n : parameterNames(*m))
        got.append(QString::fromStdString(n));
    QCOMPARE(got, names);
    QCOMPARE(count(*m), total);
    QCOMPARE(count(*m, true), total);
    // The analysis counts the same without building anything.
    QCOMPARE(Analysis(example(file)).totalParams(), total);
}

void tst_ModelBuilder::sharedInstanceIsOneTensor()
{
    ComposedModule m = ModelBuilder::build(example(QStringLiteral("shared-block.mcproj")), 1);
    // Both call sites run the one registered module: one child, called twice.
    auto children = m->named_children();
    QCOMPARE(int(children.size()), 3); // shared_module, fc1, fc2 (add is an operator)
    QVERIFY(children.contains("shared_module"));
    // Changing the weight through the tree changes what both calls compute.
    torch::NoGradGuard guard;
    auto x = torch::randn({4, 10});
    auto before = m->forward(x);
    auto w = m->named_parameters()["shared_module.fc.weight"];
    w.zero_();
    auto b = m->named_parameters()["shared_module.fc.bias"];
    b.fill_(1.0);
    auto after = m->forward(x);
    // relu(0·x + 1) = 1 on both branches: the sum is 2 everywhere.
    QVERIFY(torch::allclose(after, torch::full({4, 10}, 2.0)));
    QVERIFY(!torch::allclose(before, after));
}

void tst_ModelBuilder::frozenInstance()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    p.type(p.root)->instance(QStringLiteral("encoder"))->frozen = true;
    ComposedModule m = ModelBuilder::build(p, 0);
    for (const auto &item : m->named_parameters()) {
        const bool isEncoder = item.key().rfind("encoder.", 0) == 0;
        QCOMPARE(item.value().requires_grad(), !isEncoder);
    }
    QCOMPARE(count(*m, true), int64_t(6));
    const Analysis a(p);
    QCOMPARE(a.trainableParams(), qint64(6));
    QCOMPARE(a.totalParams(), qint64(61));
}

void tst_ModelBuilder::nestingThreeLevelsDeep()
{
    // Outer -> Middle -> Inner -> Linear: the name is three instances deep.
    ProjectData p;
    auto chain = [](const QString &name, const Instance &inst) {
        ModuleType t;
        t.name = name;
        t.instances = {inst};
        t.nodes = {Node{1, NodeKind::Input, QStringLiteral("x"), {OptionValue::constant(4)}, {}},
                   Node{2, NodeKind::Call, inst.name, {}, {}},
                   Node{3, NodeKind::Output, QStringLiteral("y"), {}, {}}};
        t.wires = {Wire{{1, 0}, {2, 0}}, Wire{{2, 0}, {3, 0}}};
        return t;
    };
    Instance lin{QStringLiteral("fc"), QStringLiteral("Linear"), {{QStringLiteral("out_features"), OptionValue::constant(3)}}, {}, {}, false};
    p.types.append(chain(QStringLiteral("Inner"), lin));
    p.types.append(chain(QStringLiteral("Middle"), Instance{QStringLiteral("inner"), QStringLiteral("Inner"), {}, {}, {}, false}));
    p.types.append(chain(QStringLiteral("Outer"), Instance{QStringLiteral("middle"), QStringLiteral("Middle"), {}, {}, {}, false}));
    p.root = QStringLiteral("Outer");
    ComposedModule m = ModelBuilder::build(p, 0);
    const auto names = parameterNames(*m);
    QCOMPARE(names, (std::vector<std::string>{"middle.inner.fc.weight", "middle.inner.fc.bias"}));
    QCOMPARE(m->forward(torch::randn({2, 4})).sizes().vec(), (std::vector<int64_t>{2, 3}));
}

void tst_ModelBuilder::forwardMatchesHandWrittenModule()
{
    // The article's Example 1 written by hand, given the built model's weights.
    ComposedModule m = ModelBuilder::build(example(QStringLiteral("encoder-decoder.mcproj")), 3);
    auto params = m->named_parameters();
    auto x = torch::randn({16, 10});
    auto expected = torch::sigmoid(torch::linear(torch::relu(torch::linear(x, params["encoder.fc.weight"],
                                                                           params["encoder.fc.bias"])),
                                                 params["decoder.fc.weight"], params["decoder.fc.bias"]));
    QVERIFY(torch::allclose(m->forward(x), expected));
}

void tst_ModelBuilder::seedGivesSameWeights()
{
    const ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    ComposedModule a = ModelBuilder::build(p, 42);
    ComposedModule b = ModelBuilder::build(p, 42);
    ComposedModule c = ModelBuilder::build(p, 43);
    auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
    QVERIFY(torch::equal(pa[0], pb[0]));
    QVERIFY(torch::equal(pa.back(), pb.back()));
    QVERIFY(!torch::equal(pa[0], pc[0]));
}

void tst_ModelBuilder::refusesInvalidDocument()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    // decoder expects 5 features; make the encoder give 7.
    p.type(p.root)->instance(QStringLiteral("encoder"))->options.insert(QStringLiteral("hidden_dim"), OptionValue::constant(7));
    p.type(p.root)->instance(QStringLiteral("decoder"))->options.insert(QStringLiteral("hidden_dim"), OptionValue::constant(5));
    try {
        ModelBuilder::build(p);
        QFAIL("build() accepted a size mismatch");
    } catch (const BuildError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("`decoder` expects 5 features at `x`, `encoder` gives 7")), e.what());
    }
}

void tst_ModelBuilder::multipleInputsAndOutputs()
{
    // a -> fc -> concat <- b ; outputs: concat, and b passed through identity
    ModuleType t;
    t.name = QStringLiteral("Two");
    t.instances = {Instance{QStringLiteral("fc"), QStringLiteral("Linear"), {{QStringLiteral("out_features"), OptionValue::constant(2)}}, {}, {}, false},
                   Instance{QStringLiteral("cat"), QStringLiteral("Concat"), {}, {}, {}, false},
                   Instance{QStringLiteral("id"), QStringLiteral("Identity"), {}, {}, {}, false}};
    t.nodes = {Node{1, NodeKind::Input, QStringLiteral("a"), {OptionValue::constant(3)}, {}},
               Node{2, NodeKind::Input, QStringLiteral("b"), {OptionValue::constant(4)}, {}},
               Node{3, NodeKind::Call, QStringLiteral("fc"), {}, {}},
               Node{4, NodeKind::Call, QStringLiteral("cat"), {}, {}},
               Node{5, NodeKind::Call, QStringLiteral("id"), {}, {}},
               Node{6, NodeKind::Output, QStringLiteral("joined"), {}, {}},
               Node{7, NodeKind::Output, QStringLiteral("same"), {}, {}}};
    t.wires = {Wire{{1, 0}, {3, 0}}, Wire{{3, 0}, {4, 0}}, Wire{{2, 0}, {4, 1}},
               Wire{{2, 0}, {5, 0}}, Wire{{4, 0}, {6, 0}}, Wire{{5, 0}, {7, 0}}};
    ProjectData p;
    p.types = {t};
    p.root = t.name;
    const Analysis a(p);
    QCOMPARE(a.root()->outputs, (mc::Shapes{mc::Shape({6}), mc::Shape({4})}));
    ComposedModule m = ModelBuilder::build(p, 0);
    auto b = torch::randn({5, 4});
    auto out = m->forwardAll({torch::randn({5, 3}), b});
    QCOMPARE(int(out.size()), 2);
    QCOMPARE(out[0].size(1), int64_t(6));
    QVERIFY(torch::equal(out[1], b));
}

void tst_ModelBuilder::runtimeErrorNamesInstance()
{
    ComposedModule m = ModelBuilder::build(example(QStringLiteral("encoder-decoder.mcproj")), 0);
    try {
        m->forward(torch::randn({2, 7}));
        QFAIL("a wrong input width ran");
    } catch (const c10::Error &e) {
        QVERIFY2(QString::fromUtf8(e.what_without_backtrace()).contains(QStringLiteral("`fc`")), e.what());
    }
}

QTEST_GUILESS_MAIN(tst_ModelBuilder)
#include "tst_modelbuilder.moc"
