#include "analysis/Analysis.h"
#include "analysis/CheckedModel.h"
#include "document/ProjectFile.h"

#include <QRandomGenerator>
#include <QtTest>

#include <algorithm>
#include <functional>

using namespace mc;

namespace {

ProjectData example(const QString &name)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + name);
}

Instance layer(const QString &name, const QString &type, OptionMap options = {})
{
    Instance i;
    i.name = name;
    i.type = type;
    i.options = options;
    return i;
}

Node node(int id, NodeKind kind, const QString &name, double features = 0)
{
    Node n;
    n.id = id;
    n.kind = kind;
    n.name = name;
    if (features > 0)
        n.shape = {OptionValue::constant(features)};
    return n;
}

using Edit = std::function<void(ProjectData &)>;

/// Everything an analysis says, as text: diagnostics in order, the summary, and
/// each type's view and the root, node by node and instance by instance.
class Dump
{
public:
    QString of(const Analysis &a, const ProjectData &p)
    {
        QString out;
        for (const Diagnostic &d : a.diagnostics())
            out += QStringLiteral("diag %1 %2/%3 %4 %5\n")
                       .arg(int(d.severity))
                       .arg(d.type)
                       .arg(d.node)
                       .arg(d.wire ? QStringLiteral("%1.%2->%3.%4")
                                         .arg(d.wire->from.node).arg(d.wire->from.port)
                                         .arg(d.wire->to.node).arg(d.wire->to.port)
                                   : QStringLiteral("-"))
                       .arg(d.message);
        out += a.summaryTable();
        out += QStringLiteral("total %1 trainable %2\n").arg(a.totalParams()).arg(a.trainableParams());
        for (const ModuleType &t : p.types)
            out += QStringLiteral("view %1: %2\n").arg(t.name, a.view(t.name) ? eval(*a.view(t.name)) : QStringLiteral("none"));
        out += QStringLiteral("root: %1\n").arg(a.root() ? eval(*a.root()) : QStringLiteral("none"));
        return out;
    }

private:
    static QString ints(const mc::Shapes &v)
    {
        QStringList parts;
        for (const mc::Shape &s : v)
            parts.append(s.listText());
        return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
    }
    static QString ints(const QList<int> &v)
    {
        QStringList parts;
        for (int i : v)
            parts.append(QString::number(i));
        return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
    }
    /// A nested evaluation is written once and referred to by the hash of its
    /// text, so that recursive types do not blow up the dump.
    QString ref(const std::shared_ptr<const TypeEval> &e)
    {
        return e ? QString::number(qHash(eval(*e)), 16) : QStringLiteral("null");
    }
    QString eval(const TypeEval &e)
    {
        auto hit = m_cache.constFind(&e);
        if (hit != m_cache.constEnd())
            return hit.value();
        QString out = QStringLiteral("{%1 args(").arg(e.type);
        for (auto it = e.arguments.begin(); it != e.arguments.end(); ++it)
            out += QStringLiteral("%1=%2,").arg(it.key()).arg(it.value(), 0, 'g', 17);
        out += QStringLiteral(") in %1 out %2 order %3 params %4/%5 nodes(")
                   .arg(ints(e.inputs), ints(e.outputs), ints(e.order))
                   .arg(e.params).arg(e.trainable);
        QList<int> ids = e.nodes.keys();
        std::sort(ids.begin(), ids.end());
        for (int id : ids)
            out += QStringLiteral("%1:%2>%3,").arg(id).arg(ints(e.nodes.value(id).in), ints(e.nodes.value(id).out));
        out += QStringLiteral(") instances(");
        for (const InstanceEval &i : e.instances) {
            out += QStringLiteral("%1:%2[%3] ").arg(i.name, i.type, i.blockType);
            for (auto it = i.options.values().begin(); it != i.options.values().end(); ++it)
                out += QStringLiteral("%1=%2,").arg(it.key(), mc::LayerDefinition::valueText(it.value()));
            out += QStringLiteral(" %1>%2 p%3/%4 f%5 calls%6 body %7 blocks(")
                       .arg(ints(i.in), ints(i.out)).arg(i.params).arg(i.trainable).arg(i.frozen)
                       .arg(ints(i.calls), ref(i.body));
            for (const auto &b : i.blocks)
                out += ref(b) + QLatin1Char(',');
            out += QStringLiteral(");");
        }
        out += QStringLiteral(")}");
        m_cache.insert(&e, out);
        return out;
    }
    QHash<const TypeEval *, QString> m_cache;
};

/// The three examples in one project: six types, three unused by the root.
ProjectData allExamples()
{
    ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    for (const QString &f : {QStringLiteral("encoder-decoder.mcproj"), QStringLiteral("shared-block.mcproj")})
        p.types.append(example(f).types);
    return p;
}

/// One random edit of any kind the editor makes, valid or not. Returns its name.
QString randomEdit(ProjectData &p, QRandomGenerator &rng)
{
    auto pick = [&](qsizetype n) { return int(rng.bounded(int(std::max<qsizetype>(n, 1)))); };
    if (p.types.isEmpty())
        return QStringLiteral("none");
    ModuleType &t = p.types[pick(p.types.size())];
    const QList<double> sizes{0, 1, 3, 5, 10, 15, 20};
    switch (rng.bounded(14)) {
    case 0: { // an option or argument value
        if (t.instances.isEmpty())
            return QStringLiteral("none");
        Instance &i = t.instances[pick(t.instances.size())];
        const QStringList names{QStringLiteral("out_features"), QStringLiteral("in_features"),
                                QStringLiteral("hidden_dim"), QStringLiteral("input_dim"),
                                QStringLiteral("bogus")};
        if (rng.bounded(4) == 0 && !t.arguments.isEmpty())
            i.options.insert(names.at(pick(names.size())), OptionValue::ref(t.arguments.at(pick(t.arguments.size())).name));
        else
            i.options.insert(names.at(pick(names.size())), OptionValue::constant(sizes.at(pick(sizes.size()))));
        return QStringLiteral("option");
    }
    case 1: { // freeze or thaw
        if (t.instances.isEmpty())
            return QStringLiteral("none");
        Instance &i = t.instances[pick(t.instances.size())];
        i.frozen = !i.frozen;
        return QStringLiteral("freeze");
    }
    case 2: // remove a wire
        if (!t.wires.isEmpty())
            t.wires.removeAt(pick(t.wires.size()));
        return QStringLiteral("remove wire");
    case 3: { // add a wire, anywhere
        if (t.nodes.isEmpty())
            return QStringLiteral("none");
        const Wire w{{t.nodes.at(pick(t.nodes.size())).id, 0}, {t.nodes.at(pick(t.nodes.size())).id, pick(3)}};
        t.wires.append(w);
        return QStringLiteral("add wire");
    }
    case 4: { // remove a node and its wires
        if (t.nodes.isEmpty())
            return QStringLiteral("none");
        const int id = t.nodes.takeAt(pick(t.nodes.size())).id;
        t.wires.removeIf([&](const Wire &w) { return w.from.node == id || w.to.node == id; });
        return QStringLiteral("remove node");
    }
    case 5: { // a new instance (a layer or a module type) and its node, wired in
        static const QStringList kinds{QStringLiteral("Linear"), QStringLiteral("ReLU"), QStringLiteral("Add"),
                                       QStringLiteral("Sigmoid")};
        Instance i;
        i.name = QStringLiteral("n%1").arg(rng.bounded(1000));
        if (rng.bounded(4) == 0) {
            i.type = p.types.at(pick(p.types.size())).name; // may even be recursive
        } else {
            i.type = kinds.at(pick(kinds.size()));
            if (i.type == QLatin1String("Linear"))
                i.options.insert(QStringLiteral("out_features"), OptionValue::constant(sizes.at(1 + pick(sizes.size() - 1))));
        }
        t.instances.append(i);
        Node n;
        n.id = t.nextNodeId();
        n.name = i.name;
        if (!t.nodes.isEmpty())
            t.wires.append(Wire{{t.nodes.at(pick(t.nodes.size())).id, 0}, {n.id, 0}});
        t.nodes.append(n);
        return QStringLiteral("add instance");
    }
    case 6: { // call an instance again (shared)
        if (t.instances.isEmpty())
            return QStringLiteral("none");
        Node n;
        n.id = t.nextNodeId();
        n.name = t.instances.at(pick(t.instances.size())).name;
        if (!t.nodes.isEmpty())
            t.wires.append(Wire{{t.nodes.at(pick(t.nodes.size())).id, 0}, {n.id, 0}});
        t.nodes.append(n);
        return QStringLiteral("call again");
    }
    case 7: // an argument's default
        if (t.arguments.isEmpty())
            t.arguments.append(Argument{QStringLiteral("in_features"), 10});
        else
            t.arguments[pick(t.arguments.size())].defaultValue = sizes.at(pick(sizes.size()));
        return QStringLiteral("argument");
    case 8: { // a stack row
        for (Instance &i : t.instances) {
            if (!i.isStack())
                continue;
            if (i.rows.isEmpty() || rng.bounded(3) == 0)
                i.rows.append({{QStringLiteral("out_features"), OptionValue::constant(sizes.at(pick(sizes.size())))}});
            else if (rng.bounded(2) == 0)
                i.rows.removeAt(pick(i.rows.size()));
            else
                i.rows[pick(i.rows.size())].insert(QStringLiteral("in_features"), OptionValue::constant(sizes.at(pick(sizes.size()))));
            return QStringLiteral("stack row");
        }
        return QStringLiteral("none");
    }
    case 9: { // rename an instance, with or without its nodes
        if (t.instances.isEmpty())
            return QStringLiteral("none");
        Instance &i = t.instances[pick(t.instances.size())];
        const QString old = i.name;
        i.name = old + QStringLiteral("_r");
        if (rng.bounded(2))
            for (Node &n : t.nodes)
                if (n.kind == NodeKind::Call && n.name == old)
                    n.name = i.name;
        return QStringLiteral("rename instance");
    }
    case 10: // an input's declared size
        for (Node &n : t.nodes)
            if (n.kind == NodeKind::Input) {
                n.shape = {OptionValue::constant(sizes.at(pick(sizes.size())))};
                return QStringLiteral("input size");
            }
        return QStringLiteral("none");
    case 11: // move a node: nothing changes but the position
        if (!t.nodes.isEmpty())
            t.nodes[pick(t.nodes.size())].pos += QPointF(10, 0);
        return QStringLiteral("move");
    case 12: // the root
        if (rng.bounded(4) == 0) {
            p.root = p.types.at(pick(p.types.size())).name;
            return QStringLiteral("root");
        }
        return QStringLiteral("none");
    default: { // rename, remove or add a type
        const int what = pick(3);
        if (what == 0) {
            t.name += QStringLiteral("X");
        } else if (what == 1 && p.types.size() > 3) {
            p.types.removeAt(pick(p.types.size()));
        } else {
            ModuleType copy = p.types.at(pick(p.types.size()));
            copy.name += QStringLiteral("Copy");
            p.types.append(copy);
        }
        return QStringLiteral("type");
    }
    }
}

} // namespace

Q_DECLARE_METATYPE(Edit)

class tst_Analysis : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void checkedModel();
    void examplesAreClean_data();
    void examplesAreClean();
    void sizesFlow();
    void linearInfersInFeatures();
    void diagnostics_data();
    void diagnostics();
    void summaryRows();
    void summaryTableTotals();
    void unknownCountsAreNeverNegative();
    void frozenCounts();
    void viewOfUnusedType();
    void incrementalMatchesFresh_data();
    void incrementalMatchesFresh();
    void incrementalAfterRandomEdits();
    void unchangedTypesAreReused();
    void manyProblemsAreDeduplicated();
};

void tst_Analysis::examplesAreClean_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("params");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj" << qint64(61);
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj" << qint64(706);
    QTest::addRow("shared_block") << "shared-block.mcproj" << qint64(330);
}

void tst_Analysis::examplesAreClean()
{
    QFETCH(QString, file);
    QFETCH(qint64, params);
    const Analysis a(example(file));
    QVERIFY2(a.diagnostics().isEmpty(), qPrintable(a.diagnostics().value(0).message));
    QCOMPARE(a.totalParams(), params);
    QCOMPARE(a.trainableParams(), params);
}

void tst_Analysis::sizesFlow()
{
    const Analysis a(example(QStringLiteral("configurable-blocks.mcproj")));
    const auto root = a.root();
    QCOMPARE(root->inputs, mc::Shapes{mc::Shape({10})});
    QCOMPARE(root->outputs, mc::Shapes{mc::Shape({1})});
    const InstanceEval *nested = root->instance(QStringLiteral("nested_model"));
    QVERIFY(nested && nested->body);
    const InstanceEval *blocks = nested->body->instance(QStringLiteral("blocks"));
    QCOMPARE(blocks->blocks.size(), 3);
    QCOMPARE(blocks->blocks.at(1)->inputs, mc::Shapes{mc::Shape({20})});
    QCOMPARE(blocks->blocks.at(1)->outputs, mc::Shapes{mc::Shape({15})});
    QCOMPARE(blocks->out, mc::Shapes{mc::Shape({10})});
    // The node that calls final_fc sees 10 in and 1 out.
    QCOMPARE(root->nodes.value(3).in, mc::Shapes{mc::Shape({10})});
    QCOMPARE(root->nodes.value(3).out, mc::Shapes{mc::Shape({1})});
}

void tst_Analysis::linearInfersInFeatures()
{
    // final_fc has no in_features: it takes 10 from nested_model's output.
    const Analysis a(example(QStringLiteral("configurable-blocks.mcproj")));
    const InstanceEval *fc = a.root()->instance(QStringLiteral("final_fc"));
    QCOMPARE(fc->options.number(QStringLiteral("in_features")), 10.0);
    QCOMPARE(fc->params, qint64(11));
}

void tst_Analysis::diagnostics_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<Edit>("edit");
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("node");
    QTest::addColumn<QString>("message");

    QTest::addRow("size_mismatch") << "shared-block.mcproj" << Edit([](ProjectData &p) {
        // fc1 now expects 7 features, x gives 10.
        p.type(QStringLiteral("ExternalInjection"))->instance(QStringLiteral("fc1"))->options.insert(
            QStringLiteral("in_features"), OptionValue::constant(7));
    }) << "ExternalInjection" << 2 << "`fc1` expects 7 features, `x` gives 10.";

    QTest::addRow("module_input_mismatch") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->instance(QStringLiteral("decoder"))->options.insert(QStringLiteral("hidden_dim"), OptionValue::constant(4));
    }) << "EncoderDecoderLightning" << 3 << "`decoder` expects 4 features at `x`, `encoder` gives 5.";

    QTest::addRow("operator_mismatch") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        // x -> sum.a, fc -> sum.b: 10 and 5 features
        ModuleType *t = p.type(QStringLiteral("Encoder"));
        t->instances.append(layer(QStringLiteral("sum"), QStringLiteral("Add")));
        t->nodes.append(node(8, NodeKind::Call, QStringLiteral("sum")));
        t->wires.append(Wire{{1, 0}, {8, 0}});
        t->wires.append(Wire{{2, 0}, {8, 1}});
    }) << "Encoder" << 8 << "`sum` needs inputs of one size: `x` gives 10 features, `fc` gives 5.";

    QTest::addRow("unconnected_input") << "shared-block.mcproj" << Edit([](ProjectData &p) {
        p.type(QStringLiteral("ExternalInjection"))->wires.removeOne(Wire{{1, 0}, {3, 0}});
    }) << "ExternalInjection" << 3 << "Input `x` of `fc2` is not connected.";

    QTest::addRow("unconnected_output") << "shared-block.mcproj" << Edit([](ProjectData &p) {
        p.type(QStringLiteral("ExternalInjection"))->wires.removeOne(Wire{{6, 0}, {7, 0}});
    }) << "ExternalInjection" << 7 << "Output `y` of `ExternalInjection` is not connected.";

    QTest::addRow("cycle") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        ModuleType *t = p.type(QStringLiteral("Encoder"));
        t->wires = {Wire{{3, 0}, {2, 0}}, Wire{{2, 0}, {3, 0}}, Wire{{3, 0}, {4, 0}}};
    }) << "Encoder" << 2 << "`fc` is part of a cycle of wires.";

    QTest::addRow("unknown_type") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Encoder"))->instance(QStringLiteral("relu"))->type = QStringLiteral("Swish");
    }) << "Encoder" << 3 << "`relu` is of type `Swish`, which is neither a built-in layer nor a module type of the project.";

    QTest::addRow("unknown_argument_given") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->instance(QStringLiteral("encoder"))->options.insert(QStringLiteral("depth"), OptionValue::constant(2));
    }) << "EncoderDecoderLightning" << 2 << "`encoder` gives argument `depth`, which `Encoder` does not take.";

    QTest::addRow("bad_argument_value") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->arguments[1].defaultValue = -5; // hidden_dim
    }) << "Encoder" << 2 << "`out_features` of `fc` is -5 (argument `hidden_dim`); it must be a whole number from 1 to 100000000.";

    QTest::addRow("missing_argument") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Encoder"))->instance(QStringLiteral("fc"))->options.insert(
            QStringLiteral("out_features"), OptionValue::ref(QStringLiteral("width")));
    }) << "Encoder" << 2 << "`fc` uses argument `width`, which `Encoder` does not have.";

    QTest::addRow("duplicate_name") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Encoder"))->instances.append(layer(QStringLiteral("fc"), QStringLiteral("ReLU")));
    }) << "Encoder" << 2 << "Two instances of `Encoder` are called `fc`.";

    QTest::addRow("required_option") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Decoder"))->instance(QStringLiteral("fc"))->options.remove(QStringLiteral("out_features"));
    }) << "Decoder" << 2 << "`fc` needs a value for `out_features`.";

    QTest::addRow("shared_call_mismatch") << "shared-block.mcproj" << Edit([](ProjectData &p) {
        ModuleType *t = p.type(QStringLiteral("ExternalInjection"));
        t->instance(QStringLiteral("fc2"))->options.insert(QStringLiteral("out_features"), OptionValue::constant(6));
        // shared_module's inside takes its size from the wire now
        p.type(QStringLiteral("SharedBlock"))->nodes[0].shape = {};
        p.type(QStringLiteral("SharedBlock"))->instance(QStringLiteral("fc"))->options.remove(QStringLiteral("in_features"));
    }) << "ExternalInjection" << 5 << "Shared `shared_module` takes 10 features where it is first called, `fc2` gives 6 here.";

    QTest::addRow("root_input_size") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->nodes[0].shape = {};
    }) << "EncoderDecoderLightning" << 1 << "Input `x` of the root model needs a shape (for example [10] for 10 features, [1, 28, 28] for a grey image).";

    QTest::addRow("stack_needs_one_port") << "configurable-blocks.mcproj" << Edit([](ProjectData &p) {
        ModuleType *b = p.type(QStringLiteral("Block"));
        b->nodes.append(node(9, NodeKind::Output, QStringLiteral("extra")));
        b->wires.append(Wire{{2, 0}, {9, 0}});
    }) << "NestedModel" << 2 << "A stack chains its blocks, so `Block` needs one input and one output (it has 1 and 2).";

    QTest::addRow("unused_output_warning") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        ModuleType *t = p.type(QStringLiteral("Encoder"));
        t->instances.append(layer(QStringLiteral("spare"), QStringLiteral("Tanh")));
        t->nodes.append(node(7, NodeKind::Call, QStringLiteral("spare")));
        t->wires.append(Wire{{1, 0}, {7, 0}});
    }) << "Encoder" << 7 << "The output of `spare` is not used.";

    // Shapes: x [1, 28, 28] -> conv1 -> relu1 -> pool1 -> conv2 -> relu2 -> pool2 -> flatten -> fc1 ...
    QTest::addRow("conv_channels") << "lenet.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->instance(QStringLiteral("conv2"))->options.insert(QStringLiteral("in_channels"),
                                                                          OptionValue::constant(16));
    }) << "LeNet" << 5 << "`conv2` expects 16 input channels, `pool1` gives 6 (shape [6, 14, 14]).";
    QTest::addRow("pool_too_small") << "lenet.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->instance(QStringLiteral("pool2"))->options.insert(QStringLiteral("kernel_size"),
                                                                          OptionValue::constant(12));
    }) << "LeNet" << 7 << "`pool2` makes 10×10 into 0×0 with kernel 12: the input is too small.";
    QTest::addRow("image_into_conv1d") << "lenet.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->instance(QStringLiteral("conv1"))->type = QStringLiteral("Conv1d");
    }) << "LeNet" << 2 << "`conv1` takes [C, L], `x` gives [1, 28, 28].";
    QTest::addRow("linear_on_image") << "lenet.mcproj" << Edit([](ProjectData &p) {
        // fc1 straight on pool2's [16, 5, 5]: Linear acts on the last dimension (5).
        ModuleType *t = p.type(p.root);
        for (Wire &w : t->wires)
            if (w.to.node == 9)
                w.from = {7, 0};
        t->instance(QStringLiteral("fc1"))->options.insert(QStringLiteral("in_features"), OptionValue::constant(400));
    }) << "LeNet" << 9 << "`fc1` expects 400 features, `pool2` gives 5 (shape [16, 5, 5]).";
    QTest::addRow("huge_shape") << "lenet.mcproj" << Edit([](ProjectData &p) {
        // 1e8 channels of 28×28: a shape whose element count overflows the limit.
        p.type(p.root)->instance(QStringLiteral("conv1"))->options.insert(QStringLiteral("out_channels"),
                                                                          OptionValue::constant(1e8));
    }) << "LeNet" << 2 << "`conv1` would make tensors of shape [100000000, 28, 28] per sample: more than 2147483648 elements.";
    QTest::addRow("shared_call_names_the_call") << "shared-block.mcproj" << Edit([](ProjectData &p) {
        // Both calls of shared_module unused: each line names its call.
        ModuleType *t = p.type(QStringLiteral("ExternalInjection"));
        t->wires.removeIf([](const Wire &w) { return w.from.node == 4 || w.from.node == 5; });
        t->wires.append(Wire{{2, 0}, {6, 0}});
        t->wires.append(Wire{{3, 0}, {6, 1}});
    }) << "ExternalInjection" << 5 << "The output of `shared_module` at its call 2 of 2 (node 5) is not used.";
}

void tst_Analysis::diagnostics()
{
    QFETCH(QString, file);
    QFETCH(Edit, edit);
    QFETCH(QString, type);
    QFETCH(int, node);
    QFETCH(QString, message);
    ProjectData p = example(file);
    QVERIFY(Analysis(p).diagnostics().isEmpty());
    edit(p);
    const Analysis a(p); // never throws, whatever the edit did
    QStringList seen;
    bool found = false;
    for (const Diagnostic &d : a.diagnostics()) {
        seen.append(QStringLiteral("%1/%2: %3").arg(d.type).arg(d.node).arg(d.message));
        found = found || (d.type == type && d.node == node && d.message.startsWith(message));
    }
    QVERIFY2(found, qPrintable(seen.join(QLatin1Char('\n'))));
}

void tst_Analysis::summaryRows()
{
    const Analysis a(example(QStringLiteral("shared-block.mcproj")));
    const QList<SummaryRow> rows = a.summary();
    QStringList names;
    for (const SummaryRow &r : rows)
        names.append(r.name);
    // The shared instance appears once; the Add operator is not a module.
    QCOMPARE(names, (QStringList{"shared_module", "shared_module.fc", "shared_module.relu", "fc1", "fc2"}));
    QCOMPARE(rows.at(0).calls, 2);
    QCOMPARE(rows.at(0).params, qint64(110));
    QCOMPARE(rows.at(1).depth, 1);
}

void tst_Analysis::unknownCountsAreNeverNegative()
{
    // An instance whose size is not known (a Linear fed by nothing) makes the
    // totals unknown: "?", never a negative difference.
    ProjectData p = example(QStringLiteral("shared-block.mcproj"));
    ModuleType *t = p.type(QStringLiteral("ExternalInjection"));
    t->wires.removeIf([](const Wire &w) { return w.to.node == 3; });
    t->instance(QStringLiteral("fc2"))->options.remove(QStringLiteral("in_features"));
    const Analysis a(p);
    QCOMPARE(a.totalParams(), qint64(-1));
    const QString totals = a.totalsText();
    QVERIFY2(!totals.contains(QRegularExpression(QStringLiteral("-\\d"))), qPrintable(totals));
    QCOMPARE(totals, QStringLiteral("Trainable params: ? (sizes not known yet)\n"
                                    "Non-trainable params: ? (sizes not known yet)\n"
                                    "Total params: ? (sizes not known yet)\n"
                                    "Estimated size (MB): ? (sizes not known yet)\n"));
    // A known output stays known although the input is wrong (out_features is set).
    const InstanceEval *fc2 = a.root()->instance(QStringLiteral("fc2"));
    QCOMPARE(fc2->out, mc::Shapes{mc::Shape({10})});
}

void tst_Analysis::summaryTableTotals()
{
    const Analysis a(example(QStringLiteral("configurable-blocks.mcproj")));
    const QString table = a.summaryTable();
    QVERIFY(table.contains(QStringLiteral("nested_model.blocks.2.fc")));
    QVERIFY(table.contains(QStringLiteral("Stack[Block]")));
    QVERIFY(table.endsWith(QStringLiteral("Trainable params: 706\nNon-trainable params: 0\nTotal params: 706\n"
                                          "Estimated size (MB): 0.003\n")));
}

void tst_Analysis::frozenCounts()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    p.type(p.root)->instance(QStringLiteral("encoder"))->frozen = true;
    const Analysis a(p);
    QCOMPARE(a.totalParams(), qint64(61));
    QCOMPARE(a.trainableParams(), qint64(6));
    QVERIFY(a.summaryTable().contains(QStringLiteral("Non-trainable params: 55\n")));
    QCOMPARE(a.summary().at(1).trainable, qint64(0)); // encoder.fc, frozen through its parent
}

void tst_Analysis::viewOfUnusedType()
{
    ProjectData p = example(QStringLiteral("encoder-decoder.mcproj"));
    ModuleType spare = *p.type(QStringLiteral("Encoder"));
    spare.name = QStringLiteral("Spare");
    p.types.append(spare);
    const Analysis a(p);
    // Not used by the root, so shown with its default arguments: 10 -> 5.
    QVERIFY(a.view(QStringLiteral("Spare")));
    QCOMPARE(a.view(QStringLiteral("Spare"))->outputs, mc::Shapes{mc::Shape({5})});
    QCOMPARE(a.view(QStringLiteral("Spare"))->params, qint64(55));
    QCOMPARE(a.totalParams(), qint64(61));
}

void tst_Analysis::incrementalMatchesFresh_data()
{
    QTest::addColumn<Edit>("edit");
    auto root = [](ProjectData &p) { return p.type(p.root); };
    QTest::addRow("root_option") << Edit([=](ProjectData &p) {
        root(p)->instance(QStringLiteral("final_fc"))->options.insert(QStringLiteral("out_features"), OptionValue::constant(3));
    });
    QTest::addRow("nested_type_argument") << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Block"))->arguments[1].defaultValue = 7;
    });
    QTest::addRow("nested_type_wire_removed") << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Block"))->wires.removeLast();
    });
    QTest::addRow("stack_row") << Edit([](ProjectData &p) {
        p.type(QStringLiteral("NestedModel"))->instances[0].rows[1].insert(QStringLiteral("out_features"), OptionValue::constant(12));
    });
    QTest::addRow("freeze") << Edit([=](ProjectData &p) { root(p)->instance(QStringLiteral("nested_model"))->frozen = true; });
    QTest::addRow("unused_type_edited") << Edit([](ProjectData &p) {
        p.type(QStringLiteral("Encoder"))->instances[0].options.insert(QStringLiteral("out_features"), OptionValue::constant(6));
    });
    QTest::addRow("shared_call") << Edit([](ProjectData &p) {
        ModuleType *t = p.type(QStringLiteral("ExternalInjection"));
        Node n;
        n.id = t->nextNodeId();
        n.name = QStringLiteral("fc1");
        t->nodes.append(n);
        t->wires.append(Wire{{1, 0}, {n.id, 0}});
    });
    QTest::addRow("type_renamed") << Edit([](ProjectData &p) { p.type(QStringLiteral("Block"))->name = QStringLiteral("Block2"); });
    QTest::addRow("type_removed") << Edit([](ProjectData &p) {
        p.types.removeIf([](const ModuleType &t) { return t.name == QLatin1String("Decoder"); });
    });
    QTest::addRow("recursive_type") << Edit([](ProjectData &p) {
        ModuleType *t = p.type(QStringLiteral("Decoder"));
        t->instances.append(layer(QStringLiteral("self"), QStringLiteral("Decoder")));
        Node n;
        n.id = t->nextNodeId();
        n.name = QStringLiteral("self");
        t->nodes.append(n);
        t->wires.append(Wire{{1, 0}, {n.id, 0}});
    });
    QTest::addRow("root_changed") << Edit([](ProjectData &p) { p.root = QStringLiteral("EncoderDecoderLightning"); });
    QTest::addRow("move") << Edit([=](ProjectData &p) { root(p)->nodes[0].pos += QPointF(5, 5); });
}

void tst_Analysis::incrementalMatchesFresh()
{
    QFETCH(Edit, edit);
    const ProjectData before = allExamples();
    const Analysis previous(before);
    ProjectData after = before;
    edit(after);
    QVERIFY(!(after == before));
    const Analysis fresh(after);
    const Analysis incremental(after, &previous);
    Dump d1, d2;
    QCOMPARE(d2.of(incremental, after), d1.of(fresh, after));
}

void tst_Analysis::incrementalAfterRandomEdits()
{
    // Each analysis builds on the one before, as in the editor, and must say
    // exactly what a fresh analysis of the same document says.
    QRandomGenerator rng(20261128);
    ProjectData p = allExamples();
    auto previous = std::make_unique<Analysis>(p);
    int reused = 0;
    for (int k = 0; k < 400; ++k) {
        const QString what = randomEdit(p, rng);
        auto incremental = std::make_unique<Analysis>(p, previous.get());
        const Analysis fresh(p);
        Dump d1, d2;
        const QString got = d2.of(*incremental, p);
        const QString want = d1.of(fresh, p);
        if (got != want)
            QFAIL(qPrintable(QStringLiteral("edit %1 (%2) differs:\n%3\n---- fresh:\n%4").arg(k).arg(what, got, want)));
        reused += incremental->reusedCount();
        previous = std::move(incremental);
    }
    QVERIFY(reused > 0);
}

void tst_Analysis::unchangedTypesAreReused()
{
    ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    const Analysis first(p);
    QCOMPARE(first.evaluatedCount(), 5); // three Block rows, NestedModel, the root
    QCOMPARE(first.reusedCount(), 0);

    // An edit in the root: Block and NestedModel are taken over as they were.
    p.type(p.root)->instance(QStringLiteral("final_fc"))->options.insert(QStringLiteral("out_features"), OptionValue::constant(2));
    const Analysis second(p, &first);
    QCOMPARE(second.evaluatedCount(), 1);
    QVERIFY(second.view(QStringLiteral("Block")) == first.view(QStringLiteral("Block")));
    QVERIFY(second.view(QStringLiteral("NestedModel")) == first.view(QStringLiteral("NestedModel")));
    QVERIFY(second.root() != first.root());
    QCOMPARE(second.root()->outputs, mc::Shapes{mc::Shape({2})});

    // An edit in Block: it and every type that uses it are evaluated again.
    p.type(QStringLiteral("Block"))->instances[1].frozen = true;
    const Analysis third(p, &second);
    QCOMPARE(third.evaluatedCount(), 5);
    QCOMPARE(third.reusedCount(), 0);
    QVERIFY(third.view(QStringLiteral("Block")) != second.view(QStringLiteral("Block")));

    // Nothing changed: nothing is evaluated.
    const Analysis fourth(p, &third);
    QCOMPARE(fourth.evaluatedCount(), 0);
    QVERIFY(fourth.root() == third.root());
}

void tst_Analysis::manyProblemsAreDeduplicated()
{
    // Block is evaluated once per stack row (three argument sets); a problem
    // inside it is reported by each evaluation and listed once.
    ProjectData p = example(QStringLiteral("configurable-blocks.mcproj"));
    p.type(QStringLiteral("Block"))->wires.removeOne(Wire{{2, 0}, {3, 0}});
    const Analysis a(p);
    int relu = 0;
    for (const Diagnostic &d : a.diagnostics())
        relu += d.message == QLatin1String("Input `x` of `relu` is not connected.") ? 1 : 0;
    QCOMPARE(relu, 1);
    QCOMPARE(a.evaluatedCount(), 5);
}

void tst_Analysis::checkedModel()
{
    // A buildable project passes, with its root evaluated once.
    const ProjectData lenet = example(QStringLiteral("lenet.mcproj"));
    const CheckedModel model = CheckedModel::check(lenet);
    QCOMPARE(model.root().type, lenet.root);
    QCOMPARE(model.analysis().totalParams(), qint64(61706));
    QCOMPARE(model.project().root, lenet.root);
    QVERIFY(!model.trainingRefusal());

    // A project with errors is refused in one sentence that lists them.
    ProjectData broken = lenet;
    for (ModuleType &t : broken.types)
        if (t.name == broken.root)
            t.wires.removeFirst();
    const Analysis brokenAnalysis(broken);
    QVERIFY(brokenAnalysis.hasErrors());
    try {
        CheckedModel::check(broken);
        QFAIL("a project with errors was checked");
    } catch (const BuildError &e) {
        QCOMPARE(QString::fromUtf8(e.what()),
                 QStringLiteral("The model cannot be built:\n") + brokenAnalysis.errorLines().join(QLatin1Char('\n')));
    }
    ProjectData rootless = lenet;
    rootless.root.clear();
    QVERIFY_THROWS_EXCEPTION(BuildError, CheckedModel::check(rootless));

    // A root with two outputs builds, but training says why it will not take it.
    ProjectData twoOutputs = example(QStringLiteral("encoder-decoder.mcproj"));
    for (ModuleType &t : twoOutputs.types) {
        if (t.name != twoOutputs.root)
            continue;
        Node second = *t.ports(NodeKind::Output).first();
        const int first = second.id;
        second.id = 9999;
        second.name = QStringLiteral("again");
        t.nodes.append(second);
        const auto into = std::find_if(t.wires.cbegin(), t.wires.cend(), [&](const Wire &w) { return w.to.node == first; });
        QVERIFY(into != t.wires.cend());
        Wire w = *into;
        w.to.node = second.id;
        t.wires.append(w);
    }
    const CheckedModel two = CheckedModel::check(twoOutputs);
    QCOMPARE(*two.trainingRefusal(),
             QStringLiteral("The root model `%1` has 1 input(s) and 2 output(s); training needs exactly one of each.")
                 .arg(twoOutputs.root));
}

QTEST_GUILESS_MAIN(tst_Analysis)
#include "tst_analysis.moc"
