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
#include "Gestures.h"
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
    void compareWith(const QString &exampleFile);
    QString current() const { return m_canvas->currentType(); }

    std::unique_ptr<Gestures> m_g;

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
    m_g = std::make_unique<Gestures>(m_project, m_editor, m_canvas, m_panel, m_palette);
    QVERIFY(m_canvas->scene()->nodeCount() == 2); // x and y
}

void tst_ArticleModels::cleanup()
{
    m_g.reset();
    delete m_palette;
    delete m_panel;
    delete m_canvas;
    delete m_editor;
    delete m_project;
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
    m_g->renameType(QStringLiteral("EncoderDecoderLightning"));
    m_g->addArgument(QStringLiteral("input_dim"), 10);
    m_g->addArgument(QStringLiteral("hidden_dim"), 5);
    m_g->addArgument(QStringLiteral("output_dim"), 1);
    m_g->setOption(m_g->node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("input_dim"));
    const int fc1 = m_g->drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {300, 0});
    const int relu = m_g->drop(PaletteEntry::Kind::Layer, QStringLiteral("ReLU"), {560, 0});
    const int fc2 = m_g->drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {820, 0});
    const int sigmoid = m_g->drop(PaletteEntry::Kind::Layer, QStringLiteral("Sigmoid"), {1080, 0});
    QVERIFY(fc1 && relu && fc2 && sigmoid);
    QCOMPARE(m_project->type(current())->node(fc2)->name, QStringLiteral("fc2"));
    // y sits at (400, 0) in a new project: move it to the end of the line.
    m_canvas->scene()->nodeItem(m_g->node(QStringLiteral("y")))->setPos(1340, 0);
    QVERIFY(m_editor->moveNodes(current(), {{m_g->node(QStringLiteral("y")), QPointF(1340, 0)}}));
    m_g->setOption(fc1, QStringLiteral("in_features"), QStringLiteral("input_dim"));
    m_g->setOption(fc1, QStringLiteral("out_features"), QStringLiteral("hidden_dim"));
    m_g->setOption(fc2, QStringLiteral("in_features"), QStringLiteral("hidden_dim"));
    m_g->setOption(fc2, QStringLiteral("out_features"), QStringLiteral("output_dim"));
    m_g->connectPorts(m_g->node(QStringLiteral("x")), 0, fc1, 0);
    m_g->connectPorts(fc1, 0, relu, 0);
    m_g->connectPorts(relu, 0, fc2, 0);
    m_g->connectPorts(fc2, 0, sigmoid, 0);
    m_g->connectPorts(sigmoid, 0, m_g->node(QStringLiteral("y")), 0);

    const int encoder = m_g->group({fc1, relu}, QStringLiteral("Encoder"));
    QVERIFY(encoder);
    QCOMPARE(m_project->type(current())->node(encoder)->name, QStringLiteral("encoder"));
    const int decoder = m_g->group({fc2, sigmoid}, QStringLiteral("Decoder"));
    QVERIFY(decoder);
    QCOMPARE(m_project->type(current())->node(decoder)->name, QStringLiteral("decoder"));

    m_g->open(encoder);
    QCOMPARE(current(), QStringLiteral("Encoder"));
    m_g->renameNode(m_g->node(QStringLiteral("fc1")), QStringLiteral("fc"));
    m_g->setOption(m_g->node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("input_dim"));
    m_g->back();
    m_g->open(decoder);
    QCOMPARE(current(), QStringLiteral("Decoder"));
    m_g->renameNode(m_g->node(QStringLiteral("fc2")), QStringLiteral("fc"));
    m_g->setOption(m_g->node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("hidden_dim"));
    m_g->back();
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
    m_g->renameType(QStringLiteral("ConfigurableLightning"));
    m_g->setOption(m_g->node(QStringLiteral("x")), QStringLiteral("shape"), QStringLiteral("10"));
    const int stack = m_g->drop(PaletteEntry::Kind::Stack, QString(), {300, 0});
    QVERIFY(stack);
    QCOMPARE(m_project->type(current())->node(stack)->name, QStringLiteral("blocks"));
    QVERIFY(m_project->type(QStringLiteral("Block"))); // the library's Block came in for it
    m_canvas->scene()->nodeItem(m_g->node(QStringLiteral("y")))->setPos(1340, 0);
    QVERIFY(m_editor->moveNodes(current(), {{m_g->node(QStringLiteral("y")), QPointF(1340, 0)}}));
    m_g->connectPorts(m_g->node(QStringLiteral("x")), 0, stack, 0);
    m_g->connectPorts(stack, 0, m_g->node(QStringLiteral("y")), 0);

    // The stack table: three blocks, 10 -> 20 -> 15 -> 10, with a detour
    // through adding, moving and removing rows.
    m_g->click(stack);
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

    const int nested = m_g->group({stack}, QStringLiteral("NestedModel"));
    QVERIFY(nested);
    QCOMPARE(m_project->type(current())->node(nested)->name, QStringLiteral("nested_model"));
    const int fc = m_g->drop(PaletteEntry::Kind::Layer, QStringLiteral("Linear"), {820, 0});
    const int sigmoid = m_g->drop(PaletteEntry::Kind::Layer, QStringLiteral("Sigmoid"), {1080, 0});
    QVERIFY(fc && sigmoid);
    m_g->renameNode(fc, QStringLiteral("final_fc"));
    m_g->setOption(fc, QStringLiteral("out_features"), QStringLiteral("1"));
    // Move the wire's end from y to final_fc, then go on to y.
    m_g->moveWireEnd(m_g->node(QStringLiteral("y")), 0, fc, 0);
    m_g->connectPorts(fc, 0, sigmoid, 0);
    m_g->connectPorts(sigmoid, 0, m_g->node(QStringLiteral("y")), 0);
    compareWith(QStringLiteral("configurable-blocks.mcproj"));
}

void tst_ArticleModels::sharedBlock()
{
    m_g->drawSharedBlock();
    compareWith(QStringLiteral("shared-block.mcproj"));
    // Parameters of the shared instance count once: 2 × 110 + 110.
    QCOMPARE(m_editor->analysis()->analysis().totalParams(), 330);
}

QTEST_MAIN(tst_ArticleModels)
#include "tst_articlemodels.moc"
