// The Parameters plot: its legend never covers a bar and its totals keep a
// margin from the widget's edges, at the sizes the dock gives it.
#include "DocumentEditor.h"
#include "ParameterPlot.h"
#include "QCustomPlotInclude.h"
#include "WidgetTestUtil.h"

#include <QLabel>
#include <QtTest>

using namespace mc;

namespace {

/// encoder-decoder with 40 outputs: the decoder (240 parameters), the last
/// bar, is the tallest, under where a legend at the top right would be.
ProjectData tallLastBar()
{
    ProjectData d = wtu::example(QStringLiteral("encoder-decoder.mcproj"));
    for (ModuleType &t : d.types)
        if (t.name == d.root)
            for (Argument &a : t.arguments)
                if (a.name == QLatin1String("output_dim"))
                    a.defaultValue = 40;
    return d;
}

/// The pixels of the stacked bar at `key` (trainable then frozen from 0).
QRectF barRect(QCustomPlot *cp, const QCPBars *bars, double key, double top)
{
    const double left = cp->xAxis->coordToPixel(key - bars->width() / 2);
    const double right = cp->xAxis->coordToPixel(key + bars->width() / 2);
    const double y0 = cp->yAxis->coordToPixel(0);
    const double y1 = cp->yAxis->coordToPixel(top);
    return QRectF(QPointF(left, y1), QPointF(right, y0)).normalized();
}

} // namespace

class TestParameterPlot : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void legendAndTotalsClear_data();
    void legendAndTotalsClear();
};

void TestParameterPlot::legendAndTotalsClear_data()
{
    QTest::addColumn<QString>("example");
    QTest::addColumn<QSize>("size");
    QTest::newRow("tall last bar, narrow") << QString() << QSize(420, 200);
    QTest::newRow("tall last bar, wide") << QString() << QSize(900, 260);
    QTest::newRow("lenet") << QStringLiteral("lenet.mcproj") << QSize(600, 220);
    QTest::newRow("configurable-blocks") << QStringLiteral("configurable-blocks.mcproj") << QSize(500, 200);
}

void TestParameterPlot::legendAndTotalsClear()
{
    QFETCH(QString, example);
    QFETCH(QSize, size);
    Project project;
    project.setData(example.isEmpty() ? tallLastBar() : wtu::example(example));
    DocumentEditor editor(&project);
    ParameterPlot plot(&editor);
    plot.resize(size);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.refresh();
    QCustomPlot *cp = plot.customPlot();
    cp->replot(QCustomPlot::rpImmediateRefresh); // lays the plot out at its size
    QVERIFY(plot.names().size() >= 2);
    if (example.isEmpty()) {
        QCOMPARE(plot.names(), QStringList({"encoder", "decoder"}));
        QVERIFY(plot.trainable().last() > plot.trainable().first());
    }

    // Every bar, from 0 to its top, is clear of the legend.
    QVERIFY(cp->legend->visible());
    const QRect legend = cp->legend->outerRect();
    QVERIFY2(cp->rect().contains(legend), "the legend is cut");
    const QCPBars *bars = nullptr;
    for (int i = 0; i < cp->plottableCount(); ++i)
        if ((bars = qobject_cast<QCPBars *>(cp->plottable(i))))
            break;
    QVERIFY(bars);
    for (int i = 0; i < plot.names().size(); ++i) {
        const double top = plot.trainable().at(i) + plot.frozen().at(i);
        const QRectF bar = barRect(cp, bars, i + 1, top);
        QVERIFY2(!QRectF(legend).intersects(bar),
                 qPrintable(QStringLiteral("the legend (%1,%2 %3x%4) covers bar %5 (%6,%7 %8x%9)")
                                .arg(legend.x()).arg(legend.y()).arg(legend.width()).arg(legend.height())
                                .arg(plot.names().at(i))
                                .arg(bar.x()).arg(bar.y()).arg(bar.width()).arg(bar.height())));
        // And the bar is drawn inside the plot.
        QVERIFY(bar.top() >= cp->axisRect()->rect().top());
    }

    // The totals' text keeps a margin from every edge of the widget.
    auto *totals = plot.findChild<QLabel *>(QStringLiteral("parameterTotals"));
    QVERIFY(totals);
    const QRect text = totals->fontMetrics().boundingRect(totals->contentsRect(), int(totals->alignment()),
                                                          totals->text());
    const QRect inPlot(totals->mapTo(&plot, text.topLeft()), text.size());
    const int margin = 6;
    QVERIFY2(plot.rect().adjusted(margin, margin, -margin, -margin).contains(inPlot),
             qPrintable(QStringLiteral("the totals' text at %1,%2 %3x%4 in %5x%6")
                            .arg(inPlot.x()).arg(inPlot.y()).arg(inPlot.width()).arg(inPlot.height())
                            .arg(plot.width()).arg(plot.height())));
}

QTEST_MAIN(TestParameterPlot)
#include "tst_parameterplot.moc"
