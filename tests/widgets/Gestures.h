#pragma once

// The user's gestures on the editor, for tests that draw a model as a person
// would: palette drops, port-to-port drags, Properties fields, Alt-drag to
// call an instance again, double-click to open a module. Used by
// tst_articlemodels (the three models, on a bare canvas) and by
// tst_examplethree (Example 3 in the whole window, trained and reopened).

#include "ArgumentsEditor.h"
#include "CanvasWidget.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "NodeItem.h"
#include "OptionField.h"
#include "PaletteWidget.h"
#include "PropertiesPanel.h"
#include "WidgetTestUtil.h"

#include <QApplication>
#include <QLineEdit>
#include <QMimeData>
#include <QTableWidget>
#include <QTreeWidget>
#include <QtTest>

#include <functional>
#include <memory>

namespace wtu {

class Gestures
{
public:
    Gestures(mc::Project *project, mc::DocumentEditor *editor, mc::CanvasWidget *canvas, mc::PropertiesPanel *panel,
             mc::PaletteWidget *palette)
        : m_project(project), m_editor(editor), m_canvas(canvas), m_panel(panel), m_palette(palette)
    {
    }

    /// Make Module from Selection: the editor's command by default; a test
    /// of the whole window sets the window's action here.
    std::function<int(const QList<int> &nodes, const QString &name)> makeModule = [this](const QList<int> &nodes,
                                                                                          const QString &name) {
        return group(nodes, name);
    };

    QString current() const { return m_canvas->currentType(); }
    int node(const QString &name, int nth = 0) const { return nodeId(*m_project, current(), name, nth); }
    QPoint viewPoint(QPointF p) const { return m_canvas->view()->mapFromScene(p); }

    int drop(PaletteEntry::Kind kind, const QString &name, QPointF at)
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

    void connectPorts(int from, int fromPort, int to, int toPort)
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

    void moveWireEnd(int node, int port, int onto, int ontoPort)
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

    void click(int node)
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

    void type(QLineEdit *edit, const QString &text)
    {
        QVERIFY(edit);
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
        QTest::keyClick(edit, Qt::Key_Return);
    }

    void renameNode(int node, const QString &name)
    {
        click(node);
        type(m_panel->nameField(), name);
        QCOMPARE(m_project->type(current())->node(node)->name, name);
    }

    void setOption(int node, const QString &key, const QString &text)
    {
        click(node);
        OptionField *field = m_panel->optionField(key);
        QVERIFY2(field, qPrintable(key));
        type(field->lineEdit(), text);
        QVERIFY2(field->error().isEmpty(), qPrintable(field->error()));
    }

    void renameType(const QString &name)
    {
        m_canvas->scene()->clearSelection();
        QCOMPARE(m_panel->targetNode(), 0);
        type(m_panel->nameField(), name);
        QCOMPARE(current(), name);
    }

    void addArgument(const QString &name, double value)
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

    int group(const QList<int> &nodes, const QString &name)
    {
        m_canvas->scene()->selectNodes(nodes);
        QString why;
        const auto id = m_editor->groupNodes(current(), m_canvas->scene()->selectedNodeIds(), name, &why);
        if (!id)
            qWarning("group: %s", qPrintable(why));
        return id.value_or(0);
    }

    int callAgain(int node, QPointF at)
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

    void open(int node)
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

    void back()
    {
        QVERIFY(m_canvas->canGoBack());
        m_canvas->goBack();
        QCoreApplication::processEvents();
    }

    /// The article's Example 3 from an empty project: x -> fc1 -> relu -> y
    /// grouped into SharedBlock (instance renamed shared_module), called
    /// again; then fc1, fc2 and add around the two calls:
    /// x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
    void drawSharedBlock()
    {
        using namespace mc;

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
        const int shared = makeModule({lin, relu}, QStringLiteral("SharedBlock"));
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
    }

private:
    mc::Project *m_project;
    mc::DocumentEditor *m_editor;
    mc::CanvasWidget *m_canvas;
    mc::PropertiesPanel *m_panel;
    mc::PaletteWidget *m_palette;
};

} // namespace wtu
