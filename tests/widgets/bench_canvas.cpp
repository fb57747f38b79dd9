#include "AnalysisSnapshot.h"
#include "CanvasWidget.h"
#include "DocumentEditor.h"
#include "GraphScene.h"
#include "GraphView.h"
#include "NodeItem.h"
#include "document/ProjectFile.h"
#include "WidgetTestUtil.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QUndoStack>
#include <QtTest>

using namespace mc;

namespace {

/// A graph of `chains` parallel chains of Linear/ReLU layers between one input
/// and an Add tree, `length` layers each: chains × length + a few nodes.
ProjectData bigGraph(int chains, int length)
{
    ModuleType t;
    t.name = QStringLiteral("Big");
    int id = 1;
    Node x;
    x.id = id++;
    x.kind = NodeKind::Input;
    x.name = QStringLiteral("x");
    x.shape = {OptionValue::constant(16)};
    x.pos = QPointF(0, chains * 60);
    t.nodes.append(x);
    QList<int> tails;
    for (int c = 0; c < chains; ++c) {
        int prev = x.id;
        for (int k = 0; k < length; ++k) {
            Instance inst;
            const bool linear = k % 2 == 0;
            inst.name = QStringLiteral("%1_%2_%3").arg(linear ? QStringLiteral("fc") : QStringLiteral("act")).arg(c).arg(k);
            inst.type = linear ? QStringLiteral("Linear") : QStringLiteral("ReLU");
            if (linear)
                inst.options.insert(QStringLiteral("out_features"), OptionValue::constant(16));
            t.instances.append(inst);
            Node n;
            n.id = id++;
            n.name = inst.name;
            n.pos = QPointF(200 + k * 200, c * 120);
            t.nodes.append(n);
            t.wires.append(Wire{PortRef{prev, 0}, PortRef{n.id, 0}});
            prev = n.id;
        }
        tails.append(prev);
    }
    int level = 0;
    while (tails.size() > 1) {
        QList<int> next;
        for (int k = 0; k + 1 < tails.size(); k += 2) {
            Instance add;
            add.name = QStringLiteral("add_%1_%2").arg(level).arg(k);
            add.type = QStringLiteral("Add");
            t.instances.append(add);
            Node n;
            n.id = id++;
            n.name = add.name;
            n.pos = QPointF(200 + (length + level) * 200, k * 120);
            t.nodes.append(n);
            t.wires.append(Wire{PortRef{tails.at(k), 0}, PortRef{n.id, 0}});
            t.wires.append(Wire{PortRef{tails.at(k + 1), 0}, PortRef{n.id, 1}});
            next.append(n.id);
        }
        if (tails.size() % 2)
            next.append(tails.last());
        tails = next;
        ++level;
    }
    Node y;
    y.id = id++;
    y.kind = NodeKind::Output;
    y.name = QStringLiteral("y");
    y.pos = QPointF(200 + (length + level) * 200, chains * 60);
    t.nodes.append(y);
    t.wires.append(Wire{PortRef{tails.first(), 0}, PortRef{y.id, 0}});
    ProjectData d;
    d.root = t.name;
    d.types = {t};
    return d;
}

} // namespace

/// How fast the canvas is on a graph of a thousand nodes: opening it, the
/// analysis after an edit, painting while panning and zooming, dragging a
/// hundred nodes. The figures go to docs/benchmarks.md.
class bench_Canvas : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void graphHasAThousandNodes();
    void parseFile();
    void openGraph();
    void analysis();
    void editThenAnalysis();
    void undoRedoMove();
    void paintWholeGraph();
    void paintAtFullSize();
    void panStep();
    void zoomStep();
    void dragHundredNodes();

private:
    QByteArray m_file;
    Project *m_project = nullptr;
    DocumentEditor *m_editor = nullptr;
    CanvasWidget *m_canvas = nullptr;
};

void bench_Canvas::initTestCase()
{
    m_file = ProjectFile::toBytes(bigGraph(10, 99));
    m_project = new Project;
    m_editor = new DocumentEditor(m_project);
    m_canvas = new CanvasWidget(m_editor);
    m_canvas->resize(1400, 900);
    m_canvas->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_canvas));
    m_editor->resetDocument(ProjectFile::fromBytes(m_file));
    m_canvas->showRoot();
}

void bench_Canvas::cleanupTestCase()
{
    delete m_canvas;
    delete m_editor;
    delete m_project;
}

void bench_Canvas::graphHasAThousandNodes()
{
    QVERIFY(m_canvas->scene()->nodeCount() >= 1000);
    QVERIFY(!m_editor->analysis()->analysis().hasErrors());
    qInfo("nodes: %d, wires: %d, file: %lld bytes", m_canvas->scene()->nodeCount(), m_canvas->scene()->wireCount(),
          qint64(m_file.size()));
}

void bench_Canvas::parseFile()
{
    QBENCHMARK {
        const ProjectData d = ProjectFile::fromBytes(m_file);
        QCOMPARE(d.types.first().nodes.size(), qsizetype(m_canvas->scene()->nodeCount()));
    }
}

void bench_Canvas::openGraph()
{
    // What File ▸ Open does after reading, up to the first paint: the old
    // document's items go, the new document's are built, the analysis runs,
    // the view is fitted and painted.
    const ProjectData d = ProjectFile::fromBytes(m_file);
    QBENCHMARK {
        m_editor->resetDocument(d);
        m_canvas->showRoot();
        m_canvas->view()->viewport()->repaint();
        QCoreApplication::processEvents();
        QCOMPARE(m_canvas->scene()->nodeCount(), int(d.types.first().nodes.size()));
    }
}

void bench_Canvas::analysis()
{
    QBENCHMARK {
        AnalysisSnapshot snapshot(m_project->data());
        QVERIFY(snapshot.analysis().totalParams() > 0);
    }
}

void bench_Canvas::editThenAnalysis()
{
    // One option change, then what the zero-timer does: the analysis and the
    // scene taking the new sizes and counts.
    int value = 8;
    QBENCHMARK {
        value = value == 8 ? 12 : 8;
        QVERIFY(m_editor->setOption(QStringLiteral("Big"), QStringLiteral("fc_0_0"), QStringLiteral("out_features"),
                                    OptionValue::constant(value)));
        m_editor->analysis();
        m_canvas->scene()->applyAnalysis();
    }
}

void bench_Canvas::undoRedoMove()
{
    const int id = wtu::nodeId(*m_project, QStringLiteral("Big"), QStringLiteral("fc_5_50"));
    QVERIFY(m_editor->moveNodes(QStringLiteral("Big"), {{id, QPointF(10220, 660)}}));
    QBENCHMARK {
        m_editor->undoStack()->undo();
        m_editor->undoStack()->redo();
    }
    QCOMPARE(m_canvas->scene()->nodeItem(id)->pos(), QPointF(10220, 660));
}

void bench_Canvas::paintWholeGraph()
{
    m_canvas->view()->fitAll();
    QWidget *vp = m_canvas->view()->viewport();
    QBENCHMARK {
        vp->repaint();
    }
}

void bench_Canvas::paintAtFullSize()
{
    GraphView *view = m_canvas->view();
    view->resetZoom();
    view->centerOn(m_canvas->scene()->nodeItem(wtu::nodeId(*m_project, QStringLiteral("Big"), QStringLiteral("fc_5_50"))));
    QBENCHMARK {
        view->viewport()->repaint();
    }
}

void bench_Canvas::panStep()
{
    GraphView *view = m_canvas->view();
    view->setZoom(0.5);
    int step = 30;
    QBENCHMARK {
        view->centerOn(view->centerScenePos() + QPointF(step, 0));
        step = -step;
        view->viewport()->repaint();
    }
}

void bench_Canvas::zoomStep()
{
    GraphView *view = m_canvas->view();
    view->setZoom(0.5);
    bool in = true;
    QBENCHMARK {
        view->zoomBy(in ? 1.2 : 1 / 1.2, QPointF(700, 450));
        in = !in;
        view->viewport()->repaint();
    }
}

void bench_Canvas::dragHundredNodes()
{
    // One mouse-move step of a drag of a hundred selected nodes: the items
    // move, their wires follow, the view repaints.
    GraphView *view = m_canvas->view();
    view->setZoom(0.5);
    QList<NodeItem *> items;
    for (int k = 0; k < 100; ++k) {
        const int chain = k < 99 ? 5 : 6;
        const int index = k < 99 ? k : 0;
        const QString name = QStringLiteral("%1_%2_%3").arg(index % 2 == 0 ? QStringLiteral("fc") : QStringLiteral("act"))
                                 .arg(chain).arg(index);
        items.append(m_canvas->scene()->nodeItem(wtu::nodeId(*m_project, QStringLiteral("Big"), name)));
    }
    QVERIFY(!items.contains(nullptr));
    view->centerOn(items.at(50));
    double dx = 20;
    QBENCHMARK {
        for (NodeItem *item : std::as_const(items))
            item->setPos(item->pos() + QPointF(dx, 0));
        dx = -dx;
        view->viewport()->repaint();
    }
}

QTEST_MAIN(bench_Canvas)
#include "bench_canvas.moc"
