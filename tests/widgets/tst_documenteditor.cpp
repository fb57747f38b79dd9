#include "DocumentEditor.h"
#include "GraphScene.h"
#include "layers/LayerRegistry.h"
#include "ModuleLibrary.h"
#include "NodeItem.h"
#include "WidgetTestUtil.h"

#include <QApplication>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QUndoStack>
#include <QtTest>

using namespace mc;

using namespace wtu;

namespace {

const QString kRoot = QStringLiteral("ExternalInjection");

Instance layer(const QString &name, const QString &type, OptionMap options = {})
{
    Instance i;
    i.name = name;
    i.type = type;
    i.options = options;
    return i;
}

/// Brings the editor to where an edit of the data-driven test starts.
void prepare(const QString &edit, DocumentEditor &e)
{
    Project &p = *e.project();
    if (edit == QLatin1String("remove_shared_call") || edit == QLatin1String("reconnect_wire")) {
        QVERIFY(e.addSharedCall(kRoot, nodeId(p, kRoot, QStringLiteral("fc1")), {200, 400}));
    } else if (edit == QLatin1String("set_stack_rows") || edit == QLatin1String("set_stack_block_type")) {
        QVERIFY(e.addStack(kRoot, QStringLiteral("SharedBlock"), {0, 400}));
        ModuleType other = *ModuleLibrary::find(QStringLiteral("Block"));
        QVERIFY(p.addType(other));
    } else if (edit == QLatin1String("paste_into_other_type")) {
        QVERIFY(e.addType(QStringLiteral("Other")));
    } else if (edit == QLatin1String("add_wire")) {
        // Free the add's second input.
        const Wire old{PortRef{nodeId(p, kRoot, QStringLiteral("shared_module"), 1), 0},
                       PortRef{nodeId(p, kRoot, QStringLiteral("add")), 1}};
        QVERIFY(p.removeWire(kRoot, old));
    } else if (edit == QLatin1String("remove_type")) {
        // An unused type in the middle of the list: the path that puts the whole document back.
        ProjectData d = p.data();
        d.types.insert(0, *ModuleLibrary::find(QStringLiteral("Encoder")));
        e.resetDocument(d);
    }
}

/// One edit, as one command. Returns whether it succeeded.
bool apply(const QString &edit, DocumentEditor &e)
{
    Project &p = *e.project();
    const int fc1 = nodeId(p, kRoot, QStringLiteral("fc1"));
    const int fc2 = nodeId(p, kRoot, QStringLiteral("fc2"));
    const int shared0 = nodeId(p, kRoot, QStringLiteral("shared_module"), 0);
    const int shared1 = nodeId(p, kRoot, QStringLiteral("shared_module"), 1);
    const int add = nodeId(p, kRoot, QStringLiteral("add"));
    const int x = nodeId(p, kRoot, QStringLiteral("x"));
    const int y = nodeId(p, kRoot, QStringLiteral("y"));
    if (edit == QLatin1String("add_layer"))
        return bool(e.addLayer(kRoot, QStringLiteral("Linear"), {0, 300}));
    if (edit == QLatin1String("add_module"))
        return bool(e.addModule(kRoot, QStringLiteral("SharedBlock"), {0, 300}));
    if (edit == QLatin1String("add_library_module"))
        return bool(e.addLibraryModule(kRoot, QStringLiteral("MLP"), {0, 300}));
    if (edit == QLatin1String("add_stack"))
        return bool(e.addStack(kRoot, QString(), {0, 300}));
    if (edit == QLatin1String("add_input"))
        return bool(e.addPort(kRoot, NodeKind::Input, {0, 300}));
    if (edit == QLatin1String("add_output"))
        return bool(e.addPort(kRoot, NodeKind::Output, {0, 300}));
    if (edit == QLatin1String("shared_call"))
        return bool(e.addSharedCall(kRoot, fc2, {0, 300}));
    if (edit == QLatin1String("add_wire"))
        return bool(e.addWire(kRoot, Wire{PortRef{x, 0}, PortRef{add, 1}}));
    if (edit == QLatin1String("remove_wire"))
        return bool(e.removeWire(kRoot, Wire{PortRef{fc1, 0}, PortRef{shared0, 0}}));
    if (edit == QLatin1String("reconnect_wire")) {
        const int twin = nodeId(p, kRoot, QStringLiteral("fc1"), 1);
        return bool(e.reconnectWire(kRoot, Wire{PortRef{fc1, 0}, PortRef{shared0, 0}},
                                    Wire{PortRef{twin, 0}, PortRef{shared0, 0}}));
    }
    if (edit == QLatin1String("remove_node"))
        return bool(e.removeItems(kRoot, {fc2}, {}));
    if (edit == QLatin1String("remove_shared_call"))
        return bool(e.removeItems(kRoot, {nodeId(p, kRoot, QStringLiteral("fc1"), 1)}, {}));
    if (edit == QLatin1String("remove_nodes_and_wires"))
        return bool(e.removeItems(kRoot, {shared0, add}, {Wire{PortRef{x, 0}, PortRef{fc1, 0}}}));
    if (edit == QLatin1String("move_nodes"))
        return bool(e.moveNodes(kRoot, {{fc1, QPointF(220, 20)}, {fc2, QPointF(220, 240)}}));
    if (edit == QLatin1String("rename_instance"))
        return bool(e.renameNode(kRoot, shared1, QStringLiteral("block")));
    if (edit == QLatin1String("rename_port"))
        return bool(e.renameNode(kRoot, y, QStringLiteral("out")));
    if (edit == QLatin1String("set_features"))
        return bool(e.setPortShape(kRoot, x, {OptionValue::constant(12)}));
    if (edit == QLatin1String("set_option"))
        return bool(e.setOption(kRoot, QStringLiteral("fc1"), QStringLiteral("bias"), OptionValue::constant(0)));
    if (edit == QLatin1String("remove_option"))
        return bool(e.setOption(kRoot, QStringLiteral("fc1"), QStringLiteral("in_features"), std::nullopt));
    if (edit == QLatin1String("set_frozen"))
        return bool(e.setFrozen(kRoot, QStringLiteral("shared_module"), true));
    if (edit == QLatin1String("set_stack_rows"))
        return bool(e.setStackRows(kRoot, QStringLiteral("blocks"),
                                   {OptionMap{{QStringLiteral("dim"), OptionValue::ref(QStringLiteral("dim"))}},
                                    OptionMap{{QStringLiteral("dim"), OptionValue::constant(10)}}}));
    if (edit == QLatin1String("set_stack_block_type"))
        return bool(e.setStackBlockType(kRoot, QStringLiteral("blocks"), QStringLiteral("Block")));
    if (edit == QLatin1String("add_type"))
        return bool(e.addType(QStringLiteral("Fresh")));
    if (edit == QLatin1String("remove_type"))
        return bool(e.removeType(QStringLiteral("Encoder")));
    if (edit == QLatin1String("rename_type"))
        return bool(e.renameType(QStringLiteral("SharedBlock"), QStringLiteral("Shared")));
    if (edit == QLatin1String("set_arguments"))
        return bool(e.setArguments(kRoot, {Argument{QStringLiteral("dim"), 12}, Argument{QStringLiteral("extra"), 3}}));
    if (edit == QLatin1String("rename_argument"))
        return bool(e.renameArgument(QStringLiteral("SharedBlock"), QStringLiteral("dim"), QStringLiteral("width")));
    if (edit == QLatin1String("set_description"))
        return bool(e.setDescription(kRoot, QStringLiteral("Changed.")));
    if (edit == QLatin1String("set_root"))
        return bool(e.setRootType(QStringLiteral("SharedBlock")));
    if (edit == QLatin1String("group"))
        return bool(e.groupNodes(kRoot, {fc1, fc2}, QStringLiteral("Branch")));
    if (edit == QLatin1String("arrange"))
        return bool(e.arrange(kRoot));
    if (edit == QLatin1String("paste"))
        return bool(e.paste(kRoot, e.copyNodes(kRoot, {fc1, shared0, fc2}), {0, 500}));
    if (edit == QLatin1String("paste_into_other_type"))
        return bool(e.paste(QStringLiteral("Other"), e.copyNodes(kRoot, {fc1, shared0}), {0, 500}));
    if (edit == QLatin1String("cut"))
        return bool(e.removeItems(kRoot, {fc1}, {}, QStringLiteral("Cut")));
    qFatal("unknown edit %s", qPrintable(edit));
    return false;
}

/// Every item on the scene matches the document: the same nodes where the
/// document puts them, the same wires, each wire joining the right items.
void checkSceneMatches(const GraphScene &scene, const Project &p)
{
    const ModuleType *t = p.type(scene.typeName());
    QVERIFY(t);
    QCOMPARE(scene.nodeCount(), int(t->nodes.size()));
    QCOMPARE(scene.wireCount(), int(t->wires.size()));
    for (const Node &n : t->nodes) {
        NodeItem *item = scene.nodeItem(n.id);
        QVERIFY2(item, qPrintable(QStringLiteral("no item for node %1").arg(n.id)));
        QCOMPARE(item->pos(), n.pos);
        QCOMPARE(item->look().title, n.name);
        const auto [ins, outs] = p.portCounts(t->name, n.id);
        QCOMPARE(item->portCount(true), ins);
        QCOMPARE(item->portCount(false), outs);
        if (n.kind == NodeKind::Call)
            QCOMPARE(item->look().calls, int(t->callsOf(n.name).size()));
    }
    for (const Wire &w : t->wires)
        QVERIFY(scene.wireItem(w));
}

} // namespace

class tst_DocumentEditor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void everyCommandUndoesExactly_data();
    void everyCommandUndoesExactly();
    void refusedEditChangesNothing_data();
    void refusedEditChangesNothing();
    void movesMerge();
    void sharedInstance();
    void groupingWiresCrossBothWays();
    void groupingRefusesHalfAShare();
    void pasteRenamesAndTranslatesArguments();
    void libraryTypeIsCopiedOnce();
    void instanceNames_data();
    void instanceNames();
    void analysisCoalescesEdits();
    void thousandRandomEditsUndoAndRedo();

private:
    Project *m_project = nullptr;
    DocumentEditor *m_editor = nullptr;
};

void tst_DocumentEditor::init()
{
    delete m_editor;
    delete m_project;
    m_project = new Project(this);
    m_editor = new DocumentEditor(m_project, this);
    m_editor->resetDocument(example(QStringLiteral("shared-block.mcproj")));
}

void tst_DocumentEditor::everyCommandUndoesExactly_data()
{
    QTest::addColumn<QString>("edit");
    for (const char *edit : {"add_layer", "add_module", "add_library_module", "add_stack", "add_input", "add_output",
                             "shared_call", "add_wire", "remove_wire", "reconnect_wire", "remove_node",
                             "remove_shared_call", "remove_nodes_and_wires", "move_nodes", "rename_instance",
                             "rename_port", "set_features", "set_option", "remove_option", "set_frozen",
                             "set_stack_rows", "set_stack_block_type", "add_type", "remove_type", "rename_type",
                             "set_arguments", "rename_argument", "set_description", "set_root", "group", "arrange",
                             "paste", "paste_into_other_type", "cut"})
        QTest::addRow("%s", edit) << QString::fromLatin1(edit);
}

void tst_DocumentEditor::everyCommandUndoesExactly()
{
    QFETCH(QString, edit);
    prepare(edit, *m_editor);
    GraphScene scene(m_editor);
    scene.setTypeName(kRoot);
    m_editor->undoStack()->clear();
    const QByteArray before = json(*m_project);
    QVERIFY2(apply(edit, *m_editor), qPrintable(edit));
    // One command per edit.
    QCOMPARE(m_editor->undoStack()->count(), 1);
    const QByteArray after = json(*m_project);
    QVERIFY(before != after);
    m_editor->undoStack()->undo();
    QCOMPARE(json(*m_project), before);
    if (m_project->type(kRoot))
        checkSceneMatches(scene, *m_project);
    m_editor->undoStack()->redo();
    QCOMPARE(json(*m_project), after);
    if (m_project->type(scene.typeName()))
        checkSceneMatches(scene, *m_project);
    m_editor->undoStack()->undo();
    QCOMPARE(json(*m_project), before);
}

void tst_DocumentEditor::refusedEditChangesNothing_data()
{
    QTest::addColumn<int>("which");
    QTest::addRow("wire_into_connected_input") << 0;
    QTest::addRow("cycle") << 1;
    QTest::addRow("rename_to_taken_name") << 2;
    QTest::addRow("rename_to_keyword") << 3;
    QTest::addRow("option_out_of_range") << 4;
    QTest::addRow("group_with_a_port") << 5;
    QTest::addRow("module_inside_itself") << 6;
    QTest::addRow("paste_garbage") << 7;
}

void tst_DocumentEditor::refusedEditChangesNothing()
{
    QFETCH(int, which);
    Project &p = *m_project;
    const int fc1 = nodeId(p, kRoot, QStringLiteral("fc1"));
    const int fc2 = nodeId(p, kRoot, QStringLiteral("fc2"));
    const int add = nodeId(p, kRoot, QStringLiteral("add"));
    const int x = nodeId(p, kRoot, QStringLiteral("x"));
    const QByteArray before = json(p);
    EditResult r;
    switch (which) {
    case 0: r = m_editor->addWire(kRoot, Wire{PortRef{fc2, 0}, PortRef{add, 0}}); break;
    case 1: r = m_editor->addWire(kRoot, Wire{PortRef{add, 0}, PortRef{fc1, 0}}); break;
    case 2: r = m_editor->renameNode(kRoot, fc1, QStringLiteral("fc2")); break;
    case 3: r = m_editor->renameNode(kRoot, fc1, QStringLiteral("lambda")); break;
    case 4: r = m_editor->setOption(kRoot, QStringLiteral("fc1"), QStringLiteral("out_features"), OptionValue::constant(0)); break;
    case 5: {
        QString why;
        r = m_editor->groupNodes(kRoot, {x, fc1}, {}, &why) ? EditResult::success() : EditResult::failure(why);
        break;
    }
    case 6: {
        QString why;
        r = m_editor->addModule(QStringLiteral("SharedBlock"), QStringLiteral("SharedBlock"), {}, &why)
                ? EditResult::success() : EditResult::failure(why);
        break;
    }
    case 7: {
        QString why;
        r = m_editor->paste(kRoot, QByteArray("{\"not\": \"nodes\"}"), {}, &why) ? EditResult::success()
                                                                                 : EditResult::failure(why);
        break;
    }
    }
    QVERIFY(!r.ok);
    QVERIFY(!r.reason.isEmpty());
    QCOMPARE(json(p), before);
    QCOMPARE(m_editor->undoStack()->count(), 0);
}

void tst_DocumentEditor::movesMerge()
{
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    const int fc2 = nodeId(*m_project, kRoot, QStringLiteral("fc2"));
    const QByteArray before = json(*m_project);
    QVERIFY(m_editor->moveNodes(kRoot, {{fc1, QPointF(220, 0)}}));
    QVERIFY(m_editor->moveNodes(kRoot, {{fc1, QPointF(240, 0)}}));
    QVERIFY(m_editor->moveNodes(kRoot, {{fc1, QPointF(260, 20)}}));
    QCOMPARE(m_editor->undoStack()->count(), 1); // one selection, one command
    QVERIFY(m_editor->moveNodes(kRoot, {{fc1, QPointF(260, 40)}, {fc2, QPointF(0, 0)}}));
    QCOMPARE(m_editor->undoStack()->count(), 2); // another selection, another command
    m_editor->undoStack()->undo();
    QCOMPARE(m_project->type(kRoot)->node(fc1)->pos, QPointF(260, 20));
    m_editor->undoStack()->undo();
    QCOMPARE(json(*m_project), before);
}

void tst_DocumentEditor::sharedInstance()
{
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x, plus a third call of fc1.
    Project &p = *m_project;
    const qint64 params = m_editor->analysis()->analysis().totalParams();
    const int fc1 = nodeId(p, kRoot, QStringLiteral("fc1"));
    const auto twin = m_editor->addSharedCall(kRoot, fc1, {200, 400});
    QVERIFY(twin);
    const ModuleType *t = p.type(kRoot);
    QCOMPARE(t->callsOf(QStringLiteral("fc1")), (QList<int>{fc1, *twin}));
    QCOMPARE(t->instances.size(), 4); // no new instance
    QCOMPARE(m_editor->analysis()->analysis().totalParams(), params); // counted once
    // Editing one edits all: the option lives on the instance.
    QVERIFY(m_editor->setFrozen(kRoot, QStringLiteral("fc1"), true));
    QVERIFY(p.type(kRoot)->instance(QStringLiteral("fc1"))->frozen);
    // The instance stays while a call remains, and goes with the last one.
    QVERIFY(m_editor->removeItems(kRoot, {fc1}, {}));
    QVERIFY(p.type(kRoot)->instance(QStringLiteral("fc1")));
    QVERIFY(m_editor->removeItems(kRoot, {*twin}, {}));
    QVERIFY(!p.type(kRoot)->instance(QStringLiteral("fc1")));
    QString why;
    QVERIFY(!m_editor->addSharedCall(kRoot, nodeId(p, kRoot, QStringLiteral("x")), {}, &why));
    QVERIFY(!why.isEmpty());
}

void tst_DocumentEditor::groupingWiresCrossBothWays()
{
    // x -> fc1 -> relu -> fc2 -> y
    //  \           \--------------> y2       (relu also feeds the outside)
    //   \--------------------> add.b; fc2 -> add.a -> y3
    // Grouping {relu, fc2}: fc1 crosses in (one input); fc2 and relu cross out (two outputs).
    Project &p = *m_project;
    ModuleType t;
    t.name = QStringLiteral("Net");
    QVERIFY(p.addType(t));
    const QString net = t.name;
    auto inX = p.addPort(net, NodeKind::Input, QStringLiteral("x"), {0, 0}, {OptionValue::constant(4)});
    auto fc1 = p.addCall(net, layer(QStringLiteral("fc1"), QStringLiteral("Linear"),
                                    {{QStringLiteral("out_features"), OptionValue::constant(8)}}), {200, 0});
    auto relu = p.addCall(net, layer(QStringLiteral("relu"), QStringLiteral("ReLU")), {400, 0});
    auto fc2 = p.addCall(net, layer(QStringLiteral("fc2"), QStringLiteral("Linear"),
                                    {{QStringLiteral("out_features"), OptionValue::constant(4)}}), {600, 0});
    auto add = p.addCall(net, layer(QStringLiteral("add"), QStringLiteral("Add")), {800, 0});
    auto y = p.addPort(net, NodeKind::Output, QStringLiteral("y"), {1000, 0});
    auto y2 = p.addPort(net, NodeKind::Output, QStringLiteral("y2"), {1000, 200});
    QVERIFY(inX && fc1 && relu && fc2 && add && y && y2);
    for (const Wire &w : {Wire{{*inX, 0}, {*fc1, 0}}, Wire{{*fc1, 0}, {*relu, 0}}, Wire{{*relu, 0}, {*fc2, 0}},
                          Wire{{*fc2, 0}, {*add, 0}}, Wire{{*inX, 0}, {*add, 1}}, Wire{{*add, 0}, {*y, 0}},
                          Wire{{*relu, 0}, {*y2, 0}}})
        QVERIFY(p.addWire(net, w));
    QVERIFY(p.setRootType(net));
    m_editor->undoStack()->clear();
    const qint64 params = m_editor->analysis()->analysis().totalParams();
    QVERIFY(params > 0);
    const QByteArray before = json(p);

    QString why;
    const auto group = m_editor->groupNodes(net, {*relu, *fc2}, QStringLiteral("Middle"), &why);
    QVERIFY2(group, qPrintable(why));
    const ModuleType *middle = p.type(QStringLiteral("Middle"));
    QVERIFY(middle);
    QCOMPARE(middle->ports(NodeKind::Input).size(), 1);
    QCOMPARE(middle->ports(NodeKind::Output).size(), 2);
    QCOMPARE(middle->instances.size(), 2);
    QVERIFY(hasWire(p, QStringLiteral("Middle"), QStringLiteral("x"), 0, QStringLiteral("relu"), 0));
    QVERIFY(hasWire(p, QStringLiteral("Middle"), QStringLiteral("relu"), 0, QStringLiteral("fc2"), 0));
    // In the parent: one instance in place of the two, wired as before.
    const ModuleType *parent = p.type(net);
    QVERIFY(!parent->instance(QStringLiteral("relu")));
    QVERIFY(!parent->instance(QStringLiteral("fc2")));
    QCOMPARE(parent->instance(QStringLiteral("middle"))->type, QStringLiteral("Middle"));
    QVERIFY(hasWire(p, net, QStringLiteral("fc1"), 0, QStringLiteral("middle"), 0));
    // Which output is which depends on the inside; follow them through.
    const QList<const Node *> outs = middle->ports(NodeKind::Output);
    int fromFc2 = -1, fromRelu = -1;
    for (int k = 0; k < outs.size(); ++k) {
        const std::optional<Wire> w = middle->wireInto({outs.at(k)->id, 0});
        QVERIFY(w);
        const QString src = middle->node(w->from.node)->name;
        (src == QLatin1String("fc2") ? fromFc2 : fromRelu) = k;
    }
    QVERIFY(fromFc2 >= 0 && fromRelu >= 0);
    QVERIFY(hasWire(p, net, QStringLiteral("middle"), fromFc2, QStringLiteral("add"), 0));
    QVERIFY(hasWire(p, net, QStringLiteral("middle"), fromRelu, QStringLiteral("y2"), 0));
    QVERIFY(hasWire(p, net, QStringLiteral("x"), 0, QStringLiteral("add"), 1));
    // The same model: the same parameters, no new problems.
    const auto analysis = m_editor->analysis();
    QCOMPARE(analysis->analysis().totalParams(), params);
    QVERIFY2(!analysis->analysis().hasErrors(), qPrintable(analysis->analysis().errorLines().join('\n')));
    // One command: undo gives the exact document back.
    QCOMPARE(m_editor->undoStack()->count(), 1);
    m_editor->undoStack()->undo();
    QCOMPARE(json(p), before);
}

void tst_DocumentEditor::groupingRefusesHalfAShare()
{
    // shared_module is called twice; grouping one call only would split the instance.
    Project &p = *m_project;
    const QByteArray before = json(p);
    QString why;
    QVERIFY(!m_editor->groupNodes(kRoot, {nodeId(p, kRoot, QStringLiteral("shared_module"))}, {}, &why));
    QVERIFY(why.contains(QStringLiteral("shared_module")));
    QCOMPARE(json(p), before);
    // Both calls together are fine: the new type holds one instance called twice.
    const auto id = m_editor->groupNodes(kRoot, {nodeId(p, kRoot, QStringLiteral("shared_module"), 0),
                                                 nodeId(p, kRoot, QStringLiteral("shared_module"), 1)},
                                         QStringLiteral("Twice"), &why);
    QVERIFY2(id, qPrintable(why));
    const ModuleType *twice = p.type(QStringLiteral("Twice"));
    QCOMPARE(twice->instances.size(), 1);
    QCOMPARE(twice->callsOf(QStringLiteral("shared_module")).size(), 2);
    QCOMPARE(twice->ports(NodeKind::Input).size(), 2);
    QCOMPARE(twice->ports(NodeKind::Output).size(), 2);
    QCOMPARE(twice->arguments, (QList<Argument>{Argument{QStringLiteral("dim"), 10}}));
    QCOMPARE(p.type(kRoot)->instance(QStringLiteral("twice"))->options.value(QStringLiteral("dim")),
             OptionValue::ref(QStringLiteral("dim")));
    QVERIFY(!m_editor->analysis()->analysis().hasErrors());
}

void tst_DocumentEditor::pasteRenamesAndTranslatesArguments()
{
    Project &p = *m_project;
    const int fc1 = nodeId(p, kRoot, QStringLiteral("fc1"));
    const int shared0 = nodeId(p, kRoot, QStringLiteral("shared_module"));
    const QByteArray clip = m_editor->copyNodes(kRoot, {fc1, shared0});
    QVERIFY(!clip.isEmpty());
    // Into the same type: new names, the internal wire copied.
    const auto ids = m_editor->paste(kRoot, clip, {0, 600});
    QVERIFY(ids);
    QCOMPARE(ids->size(), 2);
    const ModuleType *t = p.type(kRoot);
    QVERIFY(t->instance(QStringLiteral("fc3")));
    QVERIFY(t->instance(QStringLiteral("shared_module1")));
    QVERIFY(hasWire(p, kRoot, QStringLiteral("fc3"), 0, QStringLiteral("shared_module1"), 0));
    QCOMPARE(t->node(ids->first())->pos, QPointF(0, 600));
    // Into a type without the argument `dim`: the values become the default, 10.
    QVERIFY(m_editor->addType(QStringLiteral("Other")));
    QVERIFY(m_editor->paste(QStringLiteral("Other"), clip, {0, 0}));
    const ModuleType *other = p.type(QStringLiteral("Other"));
    QCOMPARE(other->instance(QStringLiteral("fc1"))->options.value(QStringLiteral("in_features")),
             OptionValue::constant(10));
    QCOMPARE(other->instance(QStringLiteral("shared_module"))->options.value(QStringLiteral("dim")),
             OptionValue::constant(10));
    // Into another project that lacks SharedBlock: the type comes along.
    Project second;
    DocumentEditor editor2(&second);
    editor2.resetDocument(DocumentEditor::emptyProject());
    QVERIFY(editor2.paste(QStringLiteral("Model"), clip, {0, 0}));
    QVERIFY(second.type(QStringLiteral("SharedBlock")));
    QCOMPARE(*second.type(QStringLiteral("SharedBlock")), *p.type(QStringLiteral("SharedBlock")));
}

void tst_DocumentEditor::libraryTypeIsCopiedOnce()
{
    Project &p = *m_project;
    const int typesBefore = int(p.types().size());
    QVERIFY(m_editor->addLibraryModule(kRoot, QStringLiteral("Encoder"), {0, 400}));
    QVERIFY(m_editor->addLibraryModule(kRoot, QStringLiteral("Encoder"), {0, 600}));
    QCOMPARE(int(p.types().size()), typesBefore + 1);
    QVERIFY(p.type(kRoot)->instance(QStringLiteral("encoder")));
    QVERIFY(p.type(kRoot)->instance(QStringLiteral("encoder1")));
    // Changed in the project, the library type comes in again under a new name.
    QVERIFY(m_editor->setDescription(QStringLiteral("Encoder"), QStringLiteral("mine now")));
    QVERIFY(m_editor->addLibraryModule(kRoot, QStringLiteral("Encoder"), {0, 800}));
    QVERIFY(p.type(QStringLiteral("Encoder1")));
    QCOMPARE(p.type(QStringLiteral("Encoder1"))->instances, ModuleLibrary::find(QStringLiteral("Encoder"))->instances);
}

void tst_DocumentEditor::instanceNames_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::addRow("linear") << "Linear" << "fc1" << "fc2";
    QTest::addRow("relu") << "ReLU" << "relu" << "relu1";
    QTest::addRow("leaky") << "LeakyReLU" << "leaky_relu" << "leaky_relu1";
    QTest::addRow("user_type") << "SharedBlock" << "shared_block" << "shared_block1";
}

void tst_DocumentEditor::instanceNames()
{
    QFETCH(QString, type);
    QFETCH(QString, first);
    QFETCH(QString, second);
    m_editor->resetDocument(example(QStringLiteral("shared-block.mcproj")));
    ModuleType empty;
    empty.name = QStringLiteral("Empty");
    QVERIFY(m_project->addType(empty));
    auto add = [&] {
        return mc::LayerRegistry::isBuiltin(type) ? m_editor->addLayer(QStringLiteral("Empty"), type, {})
                                             : m_editor->addModule(QStringLiteral("Empty"), type, {});
    };
    const auto a = add();
    const auto b = add();
    QVERIFY(a && b);
    QCOMPARE(m_project->type(QStringLiteral("Empty"))->node(*a)->name, first);
    QCOMPARE(m_project->type(QStringLiteral("Empty"))->node(*b)->name, second);
}

void tst_DocumentEditor::analysisCoalescesEdits()
{
    QSignalSpy updated(m_editor, &DocumentEditor::analysisUpdated);
    for (int k = 0; k < 5; ++k)
        QVERIFY(m_editor->addLayer(kRoot, QStringLiteral("ReLU"), {0, 100.0 * k}));
    QCOMPARE(updated.count(), 0);
    QVERIFY(updated.wait(1000));
    QCoreApplication::processEvents();
    QCOMPARE(updated.count(), 1); // five edits, one analysis
    // The analysis reflects the latest document.
    QCOMPARE(m_editor->analysis()->data(), m_project->data());
}

void tst_DocumentEditor::thousandRandomEditsUndoAndRedo()
{
    // A scene watches the root all along: its incremental updates must keep up.
    GraphScene scene(m_editor);
    scene.setTypeName(kRoot);
    QRandomGenerator rng(20241223);
    Project &p = *m_project;
    const QByteArray start = json(p);
    const QStringList layers{QStringLiteral("Linear"), QStringLiteral("ReLU"), QStringLiteral("Add"),
                             QStringLiteral("Concat"), QStringLiteral("Dropout"), QStringLiteral("LayerNorm")};
    auto pickType = [&] {
        const QList<ModuleType> &types = p.types();
        return rng.bounded(3) == 0 ? types.at(rng.bounded(int(types.size()))).name : kRoot;
    };
    auto pickNode = [&](const QString &type) {
        const ModuleType *t = p.type(type);
        return t && !t->nodes.isEmpty() ? t->nodes.at(rng.bounded(int(t->nodes.size()))).id : 0;
    };
    int attempts = 0;
    int kinds[16] = {};
    while (m_editor->undoStack()->index() < 1000 && attempts < 20000) {
        ++attempts;
        const QString type = p.type(kRoot) ? pickType() : p.rootType();
        const int kind = rng.bounded(16);
        const QPointF at(rng.bounded(60) * 20.0, rng.bounded(40) * 20.0);
        const int a = pickNode(type);
        const int b = pickNode(type);
        const ModuleType *t = p.type(type);
        const Node *na = t ? t->node(a) : nullptr;
        bool ok = false;
        switch (kind) {
        case 0: ok = bool(m_editor->addLayer(type, layers.at(rng.bounded(int(layers.size()))), at)); break;
        case 1: ok = bool(m_editor->addModule(type, p.types().at(rng.bounded(int(p.types().size()))).name, at)); break;
        case 2: ok = bool(m_editor->addWire(type, Wire{PortRef{a, 0}, PortRef{b, rng.bounded(2)}})); break;
        case 3:
            if (t && !t->wires.isEmpty())
                ok = bool(m_editor->removeWire(type, t->wires.at(rng.bounded(int(t->wires.size())))));
            break;
        case 4: ok = a && bool(m_editor->removeItems(type, {a}, {})); break;
        case 5: ok = a && bool(m_editor->moveNodes(type, {{a, at}})); break;
        case 6: ok = a && bool(m_editor->renameNode(type, a, QStringLiteral("n%1").arg(rng.bounded(50)))); break;
        case 7:
            if (na && na->kind == NodeKind::Call && t->instance(na->name) && t->instance(na->name)->type == QLatin1String("Linear"))
                ok = bool(m_editor->setOption(type, na->name, QStringLiteral("out_features"),
                                              OptionValue::constant(1 + rng.bounded(20))));
            break;
        case 8:
            if (na && na->kind == NodeKind::Call)
                ok = bool(m_editor->setFrozen(type, na->name, rng.bounded(2) == 1));
            break;
        case 9: ok = a && bool(m_editor->addSharedCall(type, a, at)); break;
        case 10: ok = a && b && bool(m_editor->groupNodes(type, {a, b})); break;
        case 11: ok = a && bool(m_editor->paste(type, m_editor->copyNodes(type, {a, b}), at)); break;
        case 12: ok = rng.bounded(4) == 0 && bool(m_editor->arrange(type)); break;
        case 13: ok = bool(m_editor->addPort(type, rng.bounded(2) ? NodeKind::Input : NodeKind::Output, at)); break;
        case 14: ok = bool(m_editor->addStack(type, QString(), at)); break;
        case 15:
            if (na && na->kind == NodeKind::Call && t->instance(na->name) && t->instance(na->name)->isStack()) {
                QList<OptionMap> rows;
                for (int r = rng.bounded(4); r > 0; --r)
                    rows.append(OptionMap{});
                ok = bool(m_editor->setStackRows(type, na->name, rows));
            } else {
                ok = rng.bounded(8) == 0 && bool(m_editor->setArguments(type, {Argument{QStringLiteral("dim"), double(rng.bounded(9) + 1)}}));
            }
            break;
        }
        kinds[kind] += ok ? 1 : 0;
        if (ok && m_editor->undoStack()->index() % 100 == 0) {
            // Still a document the loader accepts, and the scene still matches it.
            ProjectFile::fromJson(ProjectFile::toJson(p.data()));
            if (scene.typeName().isEmpty() || !p.type(scene.typeName()))
                scene.setTypeName(p.rootType());
            checkSceneMatches(scene, p);
        }
    }
    QVERIFY2(m_editor->undoStack()->index() >= 1000, qPrintable(QStringLiteral("only %1 edits").arg(m_editor->undoStack()->index())));
    for (int k = 0; k < 16; ++k)
        QVERIFY2(kinds[k] > 0, qPrintable(QStringLiteral("edit kind %1 never succeeded").arg(k)));
    const QByteArray end = json(p);
    while (m_editor->undoStack()->canUndo())
        m_editor->undoStack()->undo();
    QCOMPARE(json(p), start);
    scene.setTypeName(kRoot);
    checkSceneMatches(scene, p);
    while (m_editor->undoStack()->canRedo())
        m_editor->undoStack()->redo();
    QCOMPARE(json(p), end);
    if (p.type(scene.typeName()))
        checkSceneMatches(scene, p);
}

QTEST_MAIN(tst_DocumentEditor)
#include "tst_documenteditor.moc"
