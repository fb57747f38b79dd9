#include "Analysis.h"
#include "ProjectFile.h"

#include <QtTest>

#include <functional>

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
    n.features = OptionValue::constant(features);
    return n;
}

/// The article's Example 3 graph, written out so each row can break one thing:
/// x -> fc1 -> shared -> add <- shared <- fc2 <- x ; add -> y
ProjectData sharedGraph()
{
    return example(QStringLiteral("shared-block.mcproj"));
}

using Edit = std::function<void(ProjectData &)>;

} // namespace

Q_DECLARE_METATYPE(Edit)

class tst_Analysis : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void examplesAreClean_data();
    void examplesAreClean();
    void sizesFlow();
    void linearInfersInFeatures();
    void diagnostics_data();
    void diagnostics();
    void summaryRows();
    void summaryTableTotals();
    void frozenCounts();
    void viewOfUnusedType();
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
    QCOMPARE(root->inputs, QList<int>{10});
    QCOMPARE(root->outputs, QList<int>{1});
    const InstanceEval *nested = root->instance(QStringLiteral("nested_model"));
    QVERIFY(nested && nested->body);
    const InstanceEval *blocks = nested->body->instance(QStringLiteral("blocks"));
    QCOMPARE(blocks->blocks.size(), 3);
    QCOMPARE(blocks->blocks.at(1)->inputs, QList<int>{20});
    QCOMPARE(blocks->blocks.at(1)->outputs, QList<int>{15});
    QCOMPARE(blocks->out, QList<int>{10});
    // The node that calls final_fc sees 10 in and 1 out.
    QCOMPARE(root->nodes.value(3).in, QList<int>{10});
    QCOMPARE(root->nodes.value(3).out, QList<int>{1});
}

void tst_Analysis::linearInfersInFeatures()
{
    // final_fc has no in_features: it takes 10 from nested_model's output.
    const Analysis a(example(QStringLiteral("configurable-blocks.mcproj")));
    const InstanceEval *fc = a.root()->instance(QStringLiteral("final_fc"));
    QCOMPARE(fc->options.value(QStringLiteral("in_features")), 10.0);
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
    }) << "Encoder" << 2 << "`out_features` of `fc` is -5 (argument `hidden_dim`); it must be a whole number from 1 to 1e+08.";

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
        p.type(QStringLiteral("SharedBlock"))->nodes[0].features = OptionValue::constant(0);
        p.type(QStringLiteral("SharedBlock"))->instance(QStringLiteral("fc"))->options.remove(QStringLiteral("in_features"));
    }) << "ExternalInjection" << 5 << "Shared `shared_module` takes 10 features where it is first called, `fc2` gives 6 here.";

    QTest::addRow("root_input_size") << "encoder-decoder.mcproj" << Edit([](ProjectData &p) {
        p.type(p.root)->nodes[0].features = OptionValue::constant(0);
    }) << "EncoderDecoderLightning" << 1 << "Input `x` of the root model needs a number of features.";

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
    QCOMPARE(a.view(QStringLiteral("Spare"))->outputs, QList<int>{5});
    QCOMPARE(a.view(QStringLiteral("Spare"))->params, qint64(55));
    QCOMPARE(a.totalParams(), qint64(61));
}

QTEST_GUILESS_MAIN(tst_Analysis)
#include "tst_analysis.moc"
