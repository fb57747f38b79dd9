#include "CanvasMetrics.h"
#include "CanvasWidget.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "NodeItem.h"
#include "PaletteWidget.h"
#include "PortItem.h"
#include "WidgetTestUtil.h"
#include "WireItem.h"

#include <QApplication>
#include <QMimeData>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

using namespace mc;

using namespace wtu;

namespace {

const QString kRoot = QStringLiteral("ExternalInjection");


} // namespace

/// The canvas driven as a user drives it: mouse presses, moves and releases on
/// the view's viewport, drops from the palette, wheel turns.
class tst_GraphScene : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void paletteDropAddsNode_data();
    void paletteDropAddsNode();
    void portDragAddsWire_data();
    void portDragAddsWire();
    void wrongTargetRefusedWhileDragging_data();
    void wrongTargetRefusedWhileDragging();
    void sizeMismatchShownWhileDragging();
    void inputEndPicksUpWire();
    void altDragCallsInstanceAgain();
    void twinsHighlightTogether();
    void dragMovesSnapsAndMerges();
    void rubberBandSelects();
    void itemsUpdateIncrementally();
    void problemsMarkNodesAndWires();
    void openModuleTypeAndComeBack();
    void breadcrumbFollowsRenames();
    void wheelZoomsAroundCursor();
    void fitShowsEverything();
    void keyboardNudgeMerges();
    void portsShowTheirShapeWhole();
    void followsTheSystemPalette();

private:
    QPoint viewPoint(QPointF scenePos) const { return m_canvas->view()->mapFromScene(scenePos); }
    QPoint portPoint(int node, bool input, int index) const
    {
        return viewPoint(m_canvas->scene()->nodeItem(node)->portPos(input, index));
    }
    void dragOnViewport(QPoint from, QPoint to, Qt::KeyboardModifiers modifiers = Qt::NoModifier);
    QUndoStack *undo() const { return m_editor->undoStack(); }

    Project *m_project = nullptr;
    DocumentEditor *m_editor = nullptr;
    CanvasWidget *m_canvas = nullptr;
};

void tst_GraphScene::init()
{
    m_project = new Project;
    m_editor = new DocumentEditor(m_project);
    m_editor->resetDocument(example(QStringLiteral("shared-block.mcproj")));
    m_canvas = new CanvasWidget(m_editor);
    m_canvas->resize(1400, 900);
    m_canvas->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_canvas));
    m_canvas->showRoot();
    m_canvas->view()->resetZoom();
    m_canvas->view()->centerOn(400, 150);
    QCoreApplication::processEvents();
    m_canvas->view()->resetZoom();
    m_canvas->view()->centerOn(400, 150);
}

void tst_GraphScene::cleanup()
{
    delete m_canvas;
    delete m_editor;
    delete m_project;
}

void tst_GraphScene::dragOnViewport(QPoint from, QPoint to, Qt::KeyboardModifiers modifiers)
{
    QWidget *vp = m_canvas->view()->viewport();
    QTest::mousePress(vp, Qt::LeftButton, modifiers, from);
    // Several steps, as a hand moves.
    for (int k = 1; k <= 4; ++k)
        QTest::mouseMove(vp, from + (to - from) * k / 4);
    QTest::mouseRelease(vp, Qt::LeftButton, modifiers, to);
}

void tst_GraphScene::paletteDropAddsNode_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("instance");
    QTest::addColumn<QString>("type");
    QTest::addRow("linear") << int(PaletteEntry::Kind::Layer) << "Linear" << "fc3" << "Linear";
    QTest::addRow("project_type") << int(PaletteEntry::Kind::Type) << "SharedBlock" << "shared_block" << "SharedBlock";
    QTest::addRow("library_type") << int(PaletteEntry::Kind::Library) << "ResidualBlock" << "residual_block" << "ResidualBlock";
    QTest::addRow("stack") << int(PaletteEntry::Kind::Stack) << "" << "blocks" << "Stack";
}

void tst_GraphScene::paletteDropAddsNode()
{
    QFETCH(int, kind);
    QFETCH(QString, name);
    QFETCH(QString, instance);
    QFETCH(QString, type);
    // The MIME data the palette's own drag would carry.
    PaletteWidget palette(m_project);
    QTreeWidgetItem *item = palette.itemFor(PaletteEntry{PaletteEntry::Kind(kind), name});
    QVERIFY(item);
    QTreeWidget *tree = palette.tree();
    std::unique_ptr<QMimeData> mime(tree->model()->mimeData({tree->indexFromItem(item)}));
    QVERIFY(mime && mime->hasFormat(PaletteEntry::mimeType()));

    const int nodesBefore = m_canvas->scene()->nodeCount();
    QWidget *vp = m_canvas->view()->viewport();
    const QPoint at = viewPoint(QPointF(400, 500));
    QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(vp, &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(vp, &move);
    QVERIFY(move.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(vp, &drop);
    QVERIFY(drop.isAccepted());

    QCOMPARE(m_canvas->scene()->nodeCount(), nodesBefore + 1);
    const Instance *added = m_project->type(kRoot)->instance(instance);
    QVERIFY(added);
    QCOMPARE(added->type, type);
    const int id = nodeId(*m_project, kRoot, instance);
    QCOMPARE(m_canvas->scene()->selectedNodeIds(), QList<int>{id});
    // Dropped where the mouse was: its header under the pointer.
    QVERIFY(m_canvas->scene()->nodeItem(id)->sceneBoundingRect().contains(QPointF(400, 500)));
    QCOMPARE(undo()->count(), 1);
    if (kind == int(PaletteEntry::Kind::Library))
        QVERIFY(m_project->type(name));
}

void tst_GraphScene::portDragAddsWire_data()
{
    QTest::addColumn<bool>("startAtInput");
    QTest::addRow("output_to_input") << false;
    QTest::addRow("input_to_output") << true;
}

void tst_GraphScene::portDragAddsWire()
{
    QFETCH(bool, startAtInput);
    // A new Linear below the graph; wire x -> fc3 by dragging between the ports.
    const auto fc3 = m_editor->addLayer(kRoot, QStringLiteral("Linear"), {400, 400});
    QVERIFY(fc3);
    const int x = nodeId(*m_project, kRoot, QStringLiteral("x"));
    const int commands = undo()->count();
    const QPoint out = portPoint(x, false, 0);
    const QPoint in = portPoint(*fc3, true, 0);
    if (startAtInput)
        dragOnViewport(in, out);
    else
        dragOnViewport(out, in);
    const Wire expected{PortRef{x, 0}, PortRef{*fc3, 0}};
    QVERIFY(m_project->type(kRoot)->wires.contains(expected));
    QVERIFY(m_canvas->scene()->wireItem(expected));
    QCOMPARE(undo()->count(), commands + 1);
}

void tst_GraphScene::wrongTargetRefusedWhileDragging_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<int>("toPort");
    QTest::addColumn<QString>("reason");
    // add's input a is taken by shared_module.
    QTest::addRow("input_taken") << "fc1" << "add" << 0 << "already connected";
    // add feeds y; a wire y... add -> fc1 would close a loop through shared_module.
    QTest::addRow("cycle") << "add" << "fc1" << 0 << "cycle";
}

void tst_GraphScene::wrongTargetRefusedWhileDragging()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(int, toPort);
    QFETCH(QString, reason);
    GraphScene *scene = m_canvas->scene();
    const int a = nodeId(*m_project, kRoot, from);
    const int b = nodeId(*m_project, kRoot, to);
    if (to == QLatin1String("fc1")) // Free fc1's input so that only the cycle is wrong.
        QVERIFY(m_editor->removeWire(kRoot, *m_project->type(kRoot)->wireInto({b, 0})));
    const QByteArray before = json(*m_project);
    const int commands = undo()->count();
    QSignalSpy status(scene, &GraphScene::statusMessage);
    QWidget *vp = m_canvas->view()->viewport();
    const QPoint start = portPoint(a, false, 0);
    const QPoint target = portPoint(b, true, toPort);
    QTest::mousePress(vp, Qt::LeftButton, Qt::NoModifier, start);
    QTest::mouseMove(vp, (start + target) / 2);
    QTest::mouseMove(vp, target);
    // While the mouse is over it, the port says no, and the status bar says why.
    PortItem *port = scene->nodeItem(b)->port(true, toPort);
    QCOMPARE(port->mark(), PortItem::Mark::Refused);
    QVERIFY(!status.isEmpty());
    QVERIFY2(status.last().at(0).toString().contains(reason), qPrintable(status.last().at(0).toString()));
    QTest::mouseRelease(vp, Qt::LeftButton, Qt::NoModifier, target);
    QCOMPARE(port->mark(), PortItem::Mark::None);
    QCOMPARE(json(*m_project), before);
    QCOMPARE(undo()->count(), commands);
}

// A wire that may be made but whose size does not fit: the port shows it
// (not the green of a fitting port) and the status bar says the sentence the
// wire will cause.
void tst_GraphScene::sizeMismatchShownWhileDragging()
{
    GraphScene *scene = m_canvas->scene();
    const std::optional<int> narrow = m_editor->addLayer(kRoot, QStringLiteral("Linear"), QPointF(300, 420));
    QVERIFY(narrow);
    const QString name = m_project->type(kRoot)->node(*narrow)->name;
    QVERIFY(m_editor->setOption(kRoot, name, QStringLiteral("in_features"), OptionValue::constant(7)));
    const std::optional<int> fitting = m_editor->addLayer(kRoot, QStringLiteral("Linear"), QPointF(300, 600));
    QVERIFY(fitting);
    QCoreApplication::processEvents();
    const int x = nodeId(*m_project, kRoot, QStringLiteral("x"));
    QSignalSpy status(scene, &GraphScene::statusMessage);
    QWidget *vp = m_canvas->view()->viewport();
    const QPoint start = portPoint(x, false, 0);
    QTest::mousePress(vp, Qt::LeftButton, Qt::NoModifier, start);
    QTest::mouseMove(vp, (start + portPoint(*fitting, true, 0)) / 2);
    QTest::mouseMove(vp, portPoint(*fitting, true, 0));
    QCOMPARE(scene->nodeItem(*fitting)->port(true, 0)->mark(), PortItem::Mark::Accepted);
    QVERIFY(status.last().at(0).toString().isEmpty());
    QTest::mouseMove(vp, portPoint(*narrow, true, 0));
    PortItem *port = scene->nodeItem(*narrow)->port(true, 0);
    QCOMPARE(port->mark(), PortItem::Mark::Mismatch);
    const QString shown = status.last().at(0).toString();
    QVERIFY2(shown.contains(QStringLiteral("7")) && shown.contains(QStringLiteral("10")), qPrintable(shown));
    // Dropped there, the wire is made, and the problem is the one announced.
    QTest::mouseRelease(vp, Qt::LeftButton, Qt::NoModifier, portPoint(*narrow, true, 0));
    QCOMPARE(port->mark(), PortItem::Mark::None);
    QVERIFY(m_project->type(kRoot)->wireInto({*narrow, 0}));
    QStringList messages;
    for (const Diagnostic &d : m_editor->analysis()->analysis().diagnostics())
        messages.append(d.message);
    QVERIFY2(messages.contains(shown), qPrintable(messages.join('\n')));
}

void tst_GraphScene::inputEndPicksUpWire()
{
    // Picking fc2's incoming wire (from x) by its input end and dropping it on a
    // new Linear's input moves it; dropping it on empty canvas removes it.
    const int x = nodeId(*m_project, kRoot, QStringLiteral("x"));
    const int fc2 = nodeId(*m_project, kRoot, QStringLiteral("fc2"));
    const auto fc3 = m_editor->addLayer(kRoot, QStringLiteral("Linear"), {400, 400});
    QVERIFY(fc3);
    dragOnViewport(portPoint(fc2, true, 0), portPoint(*fc3, true, 0));
    const ModuleType *t = m_project->type(kRoot);
    QVERIFY(!t->wireInto({fc2, 0}));
    QCOMPARE(t->wireInto({*fc3, 0})->from, (PortRef{x, 0}));
    dragOnViewport(portPoint(*fc3, true, 0), viewPoint(QPointF(900, 600)));
    QVERIFY(!m_project->type(kRoot)->wireInto({*fc3, 0}));
    QCOMPARE(m_canvas->scene()->wireCount(), int(m_project->type(kRoot)->wires.size()));
}

void tst_GraphScene::altDragCallsInstanceAgain()
{
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    NodeItem *item = m_canvas->scene()->nodeItem(fc1);
    const QPoint grab = viewPoint(item->pos() + QPointF(40, 10));
    const QPoint drop = viewPoint(item->pos() + QPointF(40, 410));
    dragOnViewport(grab, drop, Qt::AltModifier);
    const QList<int> calls = m_project->type(kRoot)->callsOf(QStringLiteral("fc1"));
    QCOMPARE(calls.size(), 2);
    QCOMPARE(m_project->type(kRoot)->node(fc1)->pos, QPointF(200, 0)); // the original stays
    const int twin = calls.at(1);
    QCOMPARE(m_project->type(kRoot)->node(twin)->pos, QPointF(200, 400));
    QCOMPARE(m_canvas->scene()->nodeItem(twin)->look().calls, 2);
    QCOMPARE(m_canvas->scene()->nodeItem(fc1)->look().calls, 2);
    QCOMPARE(m_canvas->scene()->selectedNodeIds(), QList<int>{twin});
    QCOMPARE(undo()->count(), 1);
}

void tst_GraphScene::twinsHighlightTogether()
{
    GraphScene *scene = m_canvas->scene();
    const int s0 = nodeId(*m_project, kRoot, QStringLiteral("shared_module"), 0);
    const int s1 = nodeId(*m_project, kRoot, QStringLiteral("shared_module"), 1);
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    QCOMPARE(scene->nodeItem(s0)->look().calls, 2);
    QTest::mouseClick(m_canvas->view()->viewport(), Qt::LeftButton, Qt::NoModifier,
                      viewPoint(scene->nodeItem(s0)->pos() + QPointF(50, 12)));
    QCOMPARE(scene->selectedNodeIds(), QList<int>{s0});
    QVERIFY(scene->nodeItem(s1)->twinHighlight());
    QVERIFY(!scene->nodeItem(s0)->twinHighlight());
    QVERIFY(!scene->nodeItem(fc1)->twinHighlight());
    QTest::mouseClick(m_canvas->view()->viewport(), Qt::LeftButton, Qt::NoModifier,
                      viewPoint(scene->nodeItem(fc1)->pos() + QPointF(50, 12)));
    QVERIFY(!scene->nodeItem(s1)->twinHighlight());
}

void tst_GraphScene::dragMovesSnapsAndMerges()
{
    GraphScene *scene = m_canvas->scene();
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    const QPointF start = scene->nodeItem(fc1)->pos();
    const QPoint grab = viewPoint(start + QPointF(60, 10));
    dragOnViewport(grab, grab + QPoint(47, 33));
    // Snapped to the 20-unit grid, in the document.
    QCOMPARE(m_project->type(kRoot)->node(fc1)->pos, start + QPointF(40, 40));
    QCOMPARE(undo()->count(), 1);
    const QPoint again = viewPoint(start + QPointF(40, 40) + QPointF(60, 10));
    dragOnViewport(again, again + QPoint(100, 0));
    QCOMPARE(m_project->type(kRoot)->node(fc1)->pos, start + QPointF(140, 40));
    QCOMPARE(undo()->count(), 1); // the same selection moved twice: one command
    // The wires followed.
    const WireItem *wire = scene->wireItem(*m_project->type(kRoot)->wireInto({fc1, 0}));
    QVERIFY(wire->shape().boundingRect().right() >= start.x() + 140 - 12);
    undo()->undo();
    QCOMPARE(scene->nodeItem(fc1)->pos(), start);
}

void tst_GraphScene::rubberBandSelects()
{
    GraphScene *scene = m_canvas->scene();
    // Around fc1, fc2 and the two shared_module calls, from empty canvas.
    dragOnViewport(viewPoint(QPointF(170, -60)), viewPoint(QPointF(590, 330)));
    const QList<int> expected{nodeId(*m_project, kRoot, QStringLiteral("fc1")),
                              nodeId(*m_project, kRoot, QStringLiteral("fc2")),
                              nodeId(*m_project, kRoot, QStringLiteral("shared_module"), 0),
                              nodeId(*m_project, kRoot, QStringLiteral("shared_module"), 1)};
    QList<int> sorted = expected;
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(scene->selectedNodeIds(), sorted);
    QCOMPARE(undo()->count(), 0); // selecting is not an edit
}

void tst_GraphScene::itemsUpdateIncrementally()
{
    GraphScene *scene = m_canvas->scene();
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    const int fc2 = nodeId(*m_project, kRoot, QStringLiteral("fc2"));
    NodeItem *fc1Item = scene->nodeItem(fc1);
    NodeItem *fc2Item = scene->nodeItem(fc2);
    QSignalSpy rebuilt(scene, &GraphScene::rebuilt);
    // Edits through the API, and their undo through whole-type snapshots:
    // untouched nodes keep their items, changed ones are updated in place.
    QVERIFY(m_editor->renameNode(kRoot, fc1, QStringLiteral("first")));
    QCOMPARE(scene->nodeItem(fc1), fc1Item);
    QCOMPARE(fc1Item->look().title, QStringLiteral("first"));
    QVERIFY(m_editor->groupNodes(kRoot, {fc2}, QStringLiteral("Solo")));
    QVERIFY(!scene->nodeItem(fc2));
    undo()->undo();
    QVERIFY(scene->nodeItem(fc2));
    QCOMPARE(scene->nodeItem(fc1), fc1Item);
    undo()->undo();
    QCOMPARE(scene->nodeItem(fc1), fc1Item);
    QCOMPARE(fc1Item->look().title, QStringLiteral("fc1"));
    QCOMPARE(rebuilt.count(), 0);
    Q_UNUSED(fc2Item);
}

void tst_GraphScene::problemsMarkNodesAndWires()
{
    // x gives 10 features; fc2 is told to take 7.
    GraphScene *scene = m_canvas->scene();
    const int fc2 = nodeId(*m_project, kRoot, QStringLiteral("fc2"));
    QSignalSpy analysed(m_editor, &DocumentEditor::analysisUpdated);
    QVERIFY(m_editor->setOption(kRoot, QStringLiteral("fc2"), QStringLiteral("in_features"), OptionValue::constant(7)));
    QVERIFY(analysed.wait(1000));
    NodeItem *item = scene->nodeItem(fc2);
    QVERIFY(!item->status().errors.isEmpty());
    const QString sentence = item->status().errors.first();
    QVERIFY2(sentence.contains(QStringLiteral("fc2")) && sentence.contains(QStringLiteral("10")), qPrintable(sentence));
    QVERIFY(item->toolTip().contains(sentence));
    const WireItem *wire = scene->wireItem(*m_project->type(kRoot)->wireInto({fc2, 0}));
    QVERIFY(wire);
    QCOMPARE(wire->problem(), sentence);
    QCOMPARE(wire->toolTip(), sentence);
    // Fixed, the marks go.
    undo()->undo();
    QVERIFY(analysed.wait(1000));
    QVERIFY(item->status().errors.isEmpty());
    QVERIFY(wire->problem().isEmpty());
    // Sizes and counts on the node.
    QCOMPARE(item->status().in, mc::Shapes{mc::Shape({10})});
    QCOMPARE(item->status().out, mc::Shapes{mc::Shape({10})});
    QCOMPARE(item->status().params, 110);
}

void tst_GraphScene::openModuleTypeAndComeBack()
{
    const int shared = nodeId(*m_project, kRoot, QStringLiteral("shared_module"));
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    GraphView *view = m_canvas->view();
    view->setZoom(0.8);
    view->centerOn(300, 100);
    const QPointF centre = view->centerScenePos();
    QSignalSpy changed(m_canvas, &CanvasWidget::currentTypeChanged);
    // Double-clicking a built-in layer opens nothing.
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, Qt::NoModifier,
                       viewPoint(m_canvas->scene()->nodeItem(fc1)->pos() + QPointF(50, 12)));
    QCOMPARE(m_canvas->currentType(), kRoot);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, Qt::NoModifier,
                       viewPoint(m_canvas->scene()->nodeItem(shared)->pos() + QPointF(50, 12)));
    QCOMPARE(m_canvas->currentType(), QStringLiteral("SharedBlock"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_canvas->path().size(), 2);
    QCOMPARE(m_canvas->path().at(1).instance, QStringLiteral("shared_module"));
    QCOMPARE(m_canvas->scene()->typeName(), QStringLiteral("SharedBlock"));
    QCOMPARE(m_canvas->scene()->nodeCount(), 4);
    // Editing inside changes the type, which the outside sees.
    QVERIFY(m_editor->addPort(QStringLiteral("SharedBlock"), NodeKind::Input, {0, 200}));
    QVERIFY(m_canvas->canGoBack());
    m_canvas->goBack();
    QCOMPARE(m_canvas->currentType(), kRoot);
    QCOMPARE(m_canvas->path().size(), 1);
    QCOMPARE(m_canvas->scene()->nodeItem(shared)->portCount(true), 2);
    // The view is where the user left it.
    QVERIFY(qAbs(view->zoom() - 0.8) < 1e-6);
    QVERIFY(QLineF(view->centerScenePos(), centre).length() < 2);
    // Removing an open type goes back to the model.
    m_canvas->showType(QStringLiteral("SharedBlock"));
    QCOMPARE(m_canvas->path().size(), 2); // found under the root
    QVERIFY(m_editor->removeItems(kRoot, {shared, nodeId(*m_project, kRoot, QStringLiteral("shared_module"), 1)}, {}));
    QVERIFY(m_editor->removeType(QStringLiteral("SharedBlock")));
    QCOMPARE(m_canvas->currentType(), kRoot);
}

void tst_GraphScene::breadcrumbFollowsRenames()
{
    m_canvas->showType(QStringLiteral("SharedBlock"));
    QVERIFY(m_editor->renameType(QStringLiteral("SharedBlock"), QStringLiteral("Block2")));
    QCOMPARE(m_canvas->currentType(), QStringLiteral("Block2"));
    QCOMPARE(m_canvas->scene()->typeName(), QStringLiteral("Block2"));
    QVERIFY(m_editor->renameNode(kRoot, nodeId(*m_project, kRoot, QStringLiteral("shared_module")), QStringLiteral("shared")));
    QCOMPARE(m_canvas->path().at(1).instance, QStringLiteral("shared"));
    // Undo of a rename puts the whole document back; the canvas stays on the type.
    undo()->undo();
    undo()->undo();
    QCOMPARE(m_canvas->currentType(), QStringLiteral("SharedBlock"));
    QCOMPARE(m_canvas->scene()->nodeCount(), 4);
}

void tst_GraphScene::wheelZoomsAroundCursor()
{
    GraphView *view = m_canvas->view();
    const QPoint cursor(300, 200);
    const QPointF under = view->mapToScene(cursor);
    const double before = view->zoom();
    QWheelEvent wheel(QPointF(cursor), view->viewport()->mapToGlobal(QPointF(cursor)), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view->viewport(), &wheel);
    QVERIFY(view->zoom() > before * 1.1);
    QVERIFY(QLineF(view->mapToScene(cursor), under).length() < 2.0 / view->zoom());
    view->zoomOut();
    view->zoomBy(1e-6, QPointF(cursor));
    QCOMPARE(view->zoom(), GraphView::kMinZoom);
}

void tst_GraphScene::fitShowsEverything()
{
    GraphView *view = m_canvas->view();
    view->setZoom(3);
    view->centerOn(5000, 5000);
    view->fitAll();
    const QRectF visible = view->mapToScene(view->viewport()->rect()).boundingRect();
    QVERIFY(visible.contains(m_canvas->scene()->nodesBoundingRect()));
    QVERIFY(view->zoom() <= 1.0);
}

void tst_GraphScene::keyboardNudgeMerges()
{
    GraphScene *scene = m_canvas->scene();
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    scene->selectNodes({fc1});
    m_canvas->view()->setFocus();
    QTest::keyClick(m_canvas->view(), Qt::Key_Right);
    QTest::keyClick(m_canvas->view(), Qt::Key_Right);
    QTest::keyClick(m_canvas->view(), Qt::Key_Down);
    QCOMPARE(m_project->type(kRoot)->node(fc1)->pos, QPointF(240, 20));
    QCOMPARE(undo()->count(), 1);
}

void tst_GraphScene::portsShowTheirShapeWhole()
{
    // A port node shows `input · 10` where that fits, and the shape alone
    // (not `input · 1×2…`) where it does not.
    const int x = nodeId(*m_project, kRoot, QStringLiteral("x"));
    QTRY_COMPARE(m_canvas->scene()->nodeItem(x)->subtitleShown(), QStringLiteral("input · 10"));
    QVERIFY(m_editor->setPortShape(kRoot, x, {OptionValue::constant(1), OptionValue::constant(28), OptionValue::constant(28)}));
    QTRY_COMPARE(m_canvas->scene()->nodeItem(x)->subtitleShown(), QStringLiteral("1×28×28"));
}

void tst_GraphScene::followsTheSystemPalette()
{
    // A dark palette (as a dark desktop theme gives) makes a dark canvas with
    // dark nodes; the light one a light canvas.
    GraphView *view = m_canvas->view();
    const int fc1 = nodeId(*m_project, kRoot, QStringLiteral("fc1"));
    view->resetZoom();
    view->centerOn(m_canvas->scene()->nodeItem(fc1));
    auto lightness = [&](QPointF scenePos) {
        const QImage image = view->viewport()->grab().toImage();
        const QPoint p = view->mapFromScene(scenePos) * image.devicePixelRatio();
        return image.pixelColor(p).lightness();
    };
    const QPointF body = m_canvas->scene()->nodeItem(fc1)->pos() + QPointF(100, CanvasMetrics::kHeader + 30);
    const QPointF empty = m_canvas->scene()->nodeItem(fc1)->pos() + QPointF(7, -37);
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    QPalette light;
    light.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    light.setColor(QPalette::WindowText, Qt::black);
    m_canvas->setPalette(dark);
    QCoreApplication::processEvents();
    QVERIFY(lightness(body) < 80);
    QVERIFY(lightness(empty) < 80);
    m_canvas->setPalette(light);
    QCoreApplication::processEvents();
    QVERIFY(lightness(body) > 200);
    QVERIFY(lightness(empty) > 200);
}

QTEST_MAIN(tst_GraphScene)
#include "tst_graphscene.moc"
