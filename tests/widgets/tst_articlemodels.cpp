#include "ArgumentsEditor.h"
#include "CanvasWidget.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "NodeItem.h"
#include "OptionField.h"
#include "PaletteWidget.h"
#include "PropertiesPanel.h"
#include "StackTableEditor.h"
#include "WidgetTestUtil.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QMimeData>
#include <QTableWidget>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

using namespace mc;

using namespace wtu;

/// The article's three models, drawn from an empty project with the editor's
/// own actions — palette drops, port drags, the Properties dock, grouping,
/// calling an instance again, the stack table — give the example files' models:
/// the same module tree, names, types, options and wires (positions and node
/// ids aside; see wtu::canonical).
class tst_ArticleModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void encoderDecoder();
    void configurableBlocks();
    void sharedBlock();

private:
    // The user's gestures.
    int drop(PaletteEntry::Kind kind, const QString &name, QPointF at);
    void connectPorts(int from, int fromPort, int to, int toPort);
    void moveWireEnd(int node, int port, int onto, int ontoPort);
    void click(int node);
    void renameNode(int node, const QString &name);
    void setOption(int node, const QString &key, const QString &text);
    void renameType(const QString &name);
    void addArgument(const QString &name, double value);
    int group(const QList<int> &nodes, const QString &name);
    int callAgain(int node, QPointF at);
    void open(int node);
    void back();
    void type(QLineEdit *edit, const QString &text);

    QString current() const { return m_canvas->currentType(); }
    int node(const QString &name, int nth = 0) const { return nodeId(*m_project, current(), name, nth); }
    QPoint viewPoint(QPointF p) const { return m_canvas->view()->mapFromScene(p); }
    void compareWith(const QString &exampleFile);

    Project *m_project = nullptr;
    DocumentEditor *m_editor = nullptr;
    CanvasWidget *m_canvas = nullptr;
    PropertiesPanel *m_panel = nullptr;
    PaletteWidget *m_palette = nullptr;
};

void tst_ArticleModels::init()
{
    m_project = new Project;
    m_editor = new DocumentEditor(m_project);
    m_editor->resetDocument(DocumentEditor::emptyProject());
    m_canvas = new CanvasWidget(m_editor);
    m_canvas->resize(1600, 1000);
    m_canvas->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_canvas));
    m_canvas->showRoot();
    QCoreApplication::processEvents();
    m_panel = new PropertiesPanel(m_editor, m_canvas->scene());
    m_panel->resize(400, 900);
    m_panel->show();
    m_palette = new PaletteWidget(m_project);
    QVERIFY(m_canvas->scene()->nodeCount() == 2); // x and y
}

void tst_ArticleModels::cleanup()
{
    delete m_palette;
    delete m_panel;
    delete m_canvas;
    delete m_editor;
    delete m_project;
}

int tst_ArticleModels::drop(PaletteEntry::Kind kind, const QString &name, QPointF at)
{
    GraphView *view = m_canvas->view();
    view->resetZoom();
    view->centerOn(at);
    QTreeWidgetItem *item = m_palette->itemFor(PaletteEntry{kind, name});
    if (!item)
        return 0;
    std::unique_ptr<QMimeData> mime(m_palette->tree()->model()->mimeData({m_palette->tree()->indexFromItem(item)}));
    const QPoint p = viewPoint(at);
    QDragEnterEvent enter(p, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &enter);
    QDropEvent dropEvent(p, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &dropEvent);
    const QList<int> selected = m_canvas->scene()->selectedNodeIds();
    return dropEvent.isAccepted() && selected.size() == 1 ? selected.first() : 0;
}

void tst_ArticleModels::connectPorts(int from, int fromPort, int to, int toPort)
{
    GraphScene *scene = m_canvas->scene();
    const QPointF a = scene->nodeItem(from)->portPos(false, fromPort);
    const QPointF b = scene->nodeItem(to)->portPos(true, toPort);
    GraphView *view = m_canvas->view();
    view->setZoom(0.7);
    view->centerOn((a + b) / 2);
    QWidget *vp = view->viewport();
    QTest::mousePress(vp, Qt::LeftButton, Qt::NoModifier, viewPoint(a));
    QTest::mouseMove(vp, viewPoint((a + b) / 2));
    QTest::mouseMove(vp, viewPoint(b));
    QTest::mouseRelease(vp, Qt::LeftButton, Qt::NoModifier, viewPoint(b));
    QVERIFY2(m_project->type(current())->wires.contains(Wire{PortRef{from, fromPort}, PortRef{to, toPort}}),
             qPrintable(QStringLiteral("no wire %1.%2 -> %3.%4").arg(from).arg(fromPort).arg(to).arg(toPort)));
}

void tst_ArticleModels::moveWireEnd(int node, int port, int onto, int ontoPort)
{
    // Picks up the wire into `node`'s input by its end and drops it on another input.
    GraphScene *scene = m_canvas->scene();
    const QPointF a = scene->nodeItem(node)->portPos(true, port);
    const QPointF b = scene->nodeItem(onto)->portPos(true, ontoPort);
    const std::optional<Wire> before = m_project->type(current())->wireInto({node, port});
    QVERIFY(before);
    GraphView *view = m_canvas->view();
    view->setZoom(0.7);
    view->centerOn((a + b) / 2);
    QWidget *vp = view->viewport();
    QTest::mousePress(vp, Qt::LeftButton, Qt::NoModifier, viewPoint(a));
    QTest::mouseMove(vp, viewPoint((a + b) / 2));
    QTest::mouseMove(vp, viewPoint(b));
    QTest::mouseRelease(vp, Qt::LeftButton, Qt::NoModifier, viewPoint(b));
    QVERIFY(!m_project->type(current())->wireInto({node, port}));
    QCOMPARE(m_project->type(current())->wireInto({onto, ontoPort})->from, before->from);
}

void tst_ArticleModels::click(int node)
{
    NodeItem *item = m_canvas->scene()->nodeItem(node);
    QVERIFY(item);
    GraphView *view = m_canvas->view();
    view->resetZoom();
    view->centerOn(item);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, viewPoint(item->pos() + QPointF(40, 10)));
    QCOMPARE(m_canvas->scene()->selectedNodeIds(), QList<int>{node});
    QCOMPARE(m_panel->targetNode(), node);
}

void tst_ArticleModels::type(QLineEdit *edit, const QString &text)
{
    QVERIFY(edit);
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QTest::keyClicks(edit, text);
    QTest::keyClick(edit, Qt::Key_Return);
}

void tst_ArticleModels::renameNode(int node, const QString &name)
{
    click(node);
    type(m_panel->nameField(), name);
    QCOMPARE(m_project->type(current())->node(node)->name, name);
}

void tst_ArticleModels::setOption(int node, const QString &key, const QString &text)
{
    click(node);
    OptionField *field = m_panel->optionField(key);
    QVERIFY2(field, qPrintable(key));
    type(field->lineEdit(), text);
    QVERIFY2(field->error().isEmpty(), qPrintable(field->error()));
}

void tst_ArticleModels::renameType(const QString &name)
{
    m_canvas->scene()->clearSelection();
    QCOMPARE(m_panel->targetNode(), 0);
    type(m_panel->nameField(), name);
    QCOMPARE(current(), name);
}

void tst_ArticleModels::addArgument(const QString &name, double value)
{
    m_canvas->scene()->clearSelection();
    ArgumentsEditor *args = m_panel->argumentsEditor();
    QVERIFY(args);
    const int row = args->table()->rowCount();
    args->addArgument();
    QCoreApplication::processEvents();
    args = m_panel->argumentsEditor(); // the form may have been rebuilt
    QCOMPARE(args->table()->rowCount(), row + 1);
    args->table()->item(row, 0)->setText(name);
    QCoreApplication::processEvents();
    args = m_panel->argumentsEditor();
    args->table()->item(row, 1)->setText(QString::number(value));
    QCoreApplication::processEvents();
    const Argument *a = m_project->type(current())->argument(name);
    QVERIFY2(a, qPrintable(name));
    QCOMPARE(a->defaultValue, value);
}

int tst_ArticleModels::group(const QList<int> &nodes, const QString &name)
{
    m_canvas->scene()->selectNodes(nodes);
    QString why;
    const auto id = m_editor->groupNodes(current(), m_canvas->scene()->selectedNodeIds(), name, &why);
    if (!id)
        qWarning("group: %s", qPrintable(why));
    return id.value_or(0);
}

int tst_ArticleModels::callAgain(int node, QPointF at)
{
    // Alt-drag a node: a second call of the same instance where it is dropped.
    NodeItem *item = m_canvas->scene()->nodeItem(node);
    GraphView *view = m_canvas->view();
    view->setZoom(0.7);
    view->centerOn((item->pos() + at) / 2);
    const QPointF grab = item->pos() + QPointF(40, 10);
    QWidget *vp = view->viewport();
    QTest::mousePress(vp, Qt::LeftButton, Qt::AltModifier, viewPoint(grab));
    QTest::mouseMove(vp, viewPoint((grab + at) / 2));
    QTest::mouseMove(vp, viewPoint(at + QPointF(40, 10)));
    QTest::mouseRelease(vp, Qt::LeftButton, Qt::AltModifier, viewPoint(at + QPointF(40, 10)));
    const QList<int> selected = m_canvas->scene()->selectedNodeIds();
    return selected.size() == 1 && selected.first() != node ? selected.first() : 0;
}

void tst_ArticleModels::open(int node)
{
    NodeItem *item = m_canvas->scene()->nodeItem(node);
    GraphView *view = m_canvas->view();
    view->resetZoom();
    view->centerOn(item);
    const QString outer = current();
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, viewPoint(item->pos() + QPointF(40, 10)));
    QVERIFY(current() != outer);
    QCoreApplication::processEvents();
}

void tst_ArticleModels::back()
{
    QVERIFY(m_canvas->canGoBack());
    m_canvas->goBack();
    QCoreApplication::processEvents();
}

void tst_ArticleModels::compareWith(const QString &exampleFile)
{
    const QStringList built = canonical(m_project->data());
    const QStringList expected = canonical(example(exampleFile));
    if (built != expected)
        qWarning("built:\n%s\nexpected:\n%s", qPrintable(built.join('\n')), qPrintable(expected.join('\n')));
    QCOMPARE(built, expected);
    // And so the same numbers.
    QCOMPARE(m_editor->analysis()->analysis().totalParams(),
             AnalysisSnapshot(example(exampleFile)).analysis().totalParams());
    QVERIFY(!m_editor->analysis()->analysis().hasErrors());
}

void tst_ArticleModels::encoderDecoder()
{
    // x -> fc1 -> relu -> fc2 -> sigmoid -> y, then fc1+relu become Encoder and
    // fc2+sigmoid become Decoder.
    renameType(QStringLiteral("EncoderDecoderLightning"));
    addArgument(QStringLiteral("input_dim"), 10);
    addArgument(QStringLiteral("hidden_dim"), 5);
    addArgument(QStringLiteral("output_dim"), 1);
    setOption(node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("input_dim"));
    const int fc1 = drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {300, 0});
    const int relu = drop(PaletteEntry::Kind::Layer, QStringLiteral("ReLU"), {560, 0});
    const int fc2 = drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {820, 0});
    const int sigmoid = drop(PaletteEntry::Kind::Layer, QStringLiteral("Sigmoid"), {1080, 0});
    QVERIFY(fc1 && relu && fc2 && sigmoid);
    QCOMPARE(m_project->type(current())->node(fc2)->name, QStringLiteral("fc2"));
    // y sits at (400, 0) in a new project: move it to the end of the line.
    m_canvas->scene()->nodeItem(node(QStringLiteral("y")))->setPos(1340, 0);
    QVERIFY(m_editor->moveNodes(current(), {{node(QStringLiteral("y")), QPointF(1340, 0)}}));
    setOption(fc1, QStringLiteral("in_features"), QStringLiteral("input_dim"));
    setOption(fc1, QStringLiteral("out_features"), QStringLiteral("hidden_dim"));
    setOption(fc2, QStringLiteral("in_features"), QStringLiteral("hidden_dim"));
    setOption(fc2, QStringLiteral("out_features"), QStringLiteral("output_dim"));
    connectPorts(node(QStringLiteral("x")), 0, fc1, 0);
    connectPorts(fc1, 0, relu, 0);
    connectPorts(relu, 0, fc2, 0);
    connectPorts(fc2, 0, sigmoid, 0);
    connectPorts(sigmoid, 0, node(QStringLiteral("y")), 0);

    const int encoder = group({fc1, relu}, QStringLiteral("Encoder"));
    QVERIFY(encoder);
    QCOMPARE(m_project->type(current())->node(encoder)->name, QStringLiteral("encoder"));
    const int decoder = group({fc2, sigmoid}, QStringLiteral("Decoder"));
    QVERIFY(decoder);
    QCOMPARE(m_project->type(current())->node(decoder)->name, QStringLiteral("decoder"));

    open(encoder);
    QCOMPARE(current(), QStringLiteral("Encoder"));
    renameNode(node(QStringLiteral("fc1")), QStringLiteral("fc"));
    setOption(node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("input_dim"));
    back();
    open(decoder);
    QCOMPARE(current(), QStringLiteral("Decoder"));
    renameNode(node(QStringLiteral("fc2")), QStringLiteral("fc"));
    setOption(node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("hidden_dim"));
    back();
    QCOMPARE(current(), QStringLiteral("EncoderDecoderLightning"));
    compareWith(QStringLiteral("encoder-decoder.mcproj"));
    // Every step was an edit that undoes: back to the empty project.
    while (m_editor->undoStack()->canUndo())
        m_editor->undoStack()->undo();
    QCOMPARE(m_project->data(), DocumentEditor::emptyProject());
}

void tst_ArticleModels::configurableBlocks()
{
    // x -> blocks (a stack of Block, from the palette) -> y, grouped into
    // NestedModel; then final_fc and sigmoid go between it and y.
    renameType(QStringLiteral("ConfigurableLightning"));
    setOption(node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("10"));
    const int stack = drop(PaletteEntry::Kind::Stack, QString(), {300, 0});
    QVERIFY(stack);
    QCOMPARE(m_project->type(current())->node(stack)->name, QStringLiteral("blocks"));
    QVERIFY(m_project->type(QStringLiteral("Block"))); // the library's Block came in for it
    m_canvas->scene()->nodeItem(node(QStringLiteral("y")))->setPos(1340, 0);
    QVERIFY(m_editor->moveNodes(current(), {{node(QStringLiteral("y")), QPointF(1340, 0)}}));
    connectPorts(node(QStringLiteral("x")), 0, stack, 0);
    connectPorts(stack, 0, node(QStringLiteral("y")), 0);

    // The stack table: three blocks, 10 -> 20 -> 15 -> 10, with a detour
    // through adding, moving and removing rows.
    click(stack);
    StackTableEditor *table = m_panel->stackEditor();
    QVERIFY(table);
    auto cell = [&](int row, int column, const QString &text) {
        table = m_panel->stackEditor();
        table->table()->item(row, column)->setText(text);
        QCoreApplication::processEvents();
    };
    cell(0, 0, QStringLiteral("10"));
    cell(0, 1, QStringLiteral("20"));
    table->addRow(); // copies the last row
    QCoreApplication::processEvents();
    cell(1, 0, QStringLiteral("15"));
    cell(1, 1, QStringLiteral("10"));
    m_panel->stackEditor()->addRow();
    QCoreApplication::processEvents();
    cell(2, 0, QStringLiteral("20"));
    cell(2, 1, QStringLiteral("15"));
    // Row 2 belongs in the middle.
    m_panel->stackEditor()->table()->selectRow(2);
    m_panel->stackEditor()->moveUp();
    QCoreApplication::processEvents();
    m_panel->stackEditor()->addRow();
    QCoreApplication::processEvents();
    QCOMPARE(m_project->type(current())->instance(QStringLiteral("blocks"))->rows.size(), 4);
    m_panel->stackEditor()->table()->selectRow(3);
    m_panel->stackEditor()->removeSelectedRows();
    QCoreApplication::processEvents();
    // A cell that is neither a number nor an argument is refused with a sentence.
    cell(0, 0, QStringLiteral("wide"));
    QVERIFY(m_panel->stackEditor()->problem().contains(QStringLiteral("wide")));
    QCOMPARE(m_project->type(current())->instance(QStringLiteral("blocks"))->rows.size(), 3);

    const int nested = group({stack}, QStringLiteral("NestedModel"));
    QVERIFY(nested);
    QCOMPARE(m_project->type(current())->node(nested)->name, QStringLiteral("nested_model"));
    const int fc = drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {820, 0});
    const int sigmoid = drop(PaletteEntry::Kind::Layer, QStringLiteral("Sigmoid"), {1080, 0});
    QVERIFY(fc && sigmoid);
    renameNode(fc, QStringLiteral("final_fc"));
    setOption(fc, QStringLiteral("out_features"), QStringLiteral("1"));
    // Move the wire's end from y to final_fc, then go on to y.
    moveWireEnd(node(QStringLiteral("y")), 0, fc, 0);
    connectPorts(fc, 0, sigmoid, 0);
    connectPorts(sigmoid, 0, node(QStringLiteral("y")), 0);
    compareWith(QStringLiteral("configurable-blocks.mcproj"));
}

void tst_ArticleModels::sharedBlock()
{
    // x -> fc1 -> relu -> y grouped into SharedBlock (instance renamed
    // shared_module), called again; then fc1, fc2 and add around the two calls:
    // x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    renameType(QStringLiteral("ExternalInjection"));
    addArgument(QStringLiteral("dim"), 10);
    setOption(node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("dim"));
    const int lin = drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {300, 0});
    const int relu = drop(PaletteEntry::Kind::Layer, QStringLiteral("ReLU"), {560, 0});
    QVERIFY(lin && relu);
    setOption(lin, QStringLiteral("in_features"), QStringLiteral("dim"));
    setOption(lin, QStringLiteral("out_features"), QStringLiteral("dim"));
    m_canvas->scene()->nodeItem(node(QStringLiteral("y")))->setPos(1600, 200);
    QVERIFY(m_editor->moveNodes(current(), {{node(QStringLiteral("y")), QPointF(1600, 200)}}));
    connectPorts(node(QStringLiteral("x")), 0, lin, 0);
    connectPorts(lin, 0, relu, 0);
    connectPorts(relu, 0, node(QStringLiteral("y")), 0);
    const int shared = group({lin, relu}, QStringLiteral("SharedBlock"));
    QVERIFY(shared);
    QVERIFY(m_editor->moveNodes(current(), {{shared, QPointF(600, 0)}}));
    renameNode(shared, QStringLiteral("shared_module"));
    open(shared);
    renameNode(node(QStringLiteral("fc1")), QStringLiteral("fc"));
    setOption(node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("dim"));
    back();

    const int twin = callAgain(shared, {600, 400});
    QVERIFY(twin);
    QCOMPARE(m_project->type(current())->callsOf(QStringLiteral("shared_module")), (QList<int>{shared, twin}));
    const int fc1 = drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {300, 0});
    const int fc2 = drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {300, 400});
    const int add = drop(PaletteEntry::Kind::Layer, QStringLiteral("Add"), {1000, 200});
    QVERIFY(fc1 && fc2 && add);
    QCOMPARE(m_project->type(current())->node(fc1)->name, QStringLiteral("fc1"));
    QCOMPARE(m_project->type(current())->node(fc2)->name, QStringLiteral("fc2"));
    for (int fc : {fc1, fc2}) {
        setOption(fc, QStringLiteral("in_features"), QStringLiteral("dim"));
        setOption(fc, QStringLiteral("out_features"), QStringLiteral("dim"));
    }
    QVERIFY(m_editor->moveNodes(current(), {{node(QStringLiteral("x")), QPointF(0, 200)}}));
    moveWireEnd(shared, 0, fc1, 0);          // x now feeds fc1
    connectPorts(fc1, 0, shared, 0);
    connectPorts(node(QStringLiteral("x")), 0, fc2, 0);
    connectPorts(fc2, 0, twin, 0);
    moveWireEnd(node(QStringLiteral("y")), 0, add, 0); // shared_module now feeds add.a
    connectPorts(twin, 0, add, 1);
    connectPorts(add, 0, node(QStringLiteral("y")), 0);
    compareWith(QStringLiteral("shared-block.mcproj"));
    // Parameters of the shared instance count once: 2 × 110 + 110.
    QCOMPARE(m_editor->analysis()->analysis().totalParams(), 330);
}

QTEST_MAIN(tst_ArticleModels)
#include "tst_articlemodels.moc"
