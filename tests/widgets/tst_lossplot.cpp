#include "LossPlot.h"
#include "QCustomPlotInclude.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <cmath>
#include <random>

using namespace mc;

namespace {
QVector<LossPoint> points(qint64 from, qint64 count, qint32 epoch, float loss = 1.0f)
{
    QVector<LossPoint> out;
    for (qint64 i = 0; i < count; ++i)
        out.append(LossPoint{from + i, epoch, loss / float(1 + from + i)});
    return out;
}
/// The trend of a long run's loss, and the run: the trend plus noise of a
/// fixed amplitude (uniform in ±0.5, seeded: the same every time).
double trend(qint64 step)
{
    return 0.4 + 2.0 * std::exp(-double(step) / 12000.0);
}
QVector<LossPoint> noisyRun(int steps)
{
    std::mt19937 rng(20240601);
    std::uniform_real_distribution<double> noise(-0.5, 0.5);
    QVector<LossPoint> out;
    out.reserve(steps);
    for (int i = 0; i < steps; ++i)
        out.append(LossPoint{i, i / 1000, float(trend(i) + noise(rng))});
    return out;
}
/// Feeds `pts` in batches of 100 steps, as the trainer sends them, drawing now and then.
void feed(LossPlot &plot, const QVector<LossPoint> &pts)
{
    for (int i = 0; i < pts.size(); i += 100) {
        plot.appendPoints(pts.mid(i, 100), {});
        if (i % 5000 == 0)
            plot.flush();
    }
    plot.flush();
}
/// Root mean square of a curve's distance from the trend, over its points from step `from`.
double rmsFromTrend(const QCPGraph *g, double from)
{
    double sum = 0;
    int count = 0;
    for (auto it = g->data()->findBegin(from, false); it != g->data()->constEnd(); ++it) {
        const double d = it->value - trend(qint64(it->key));
        sum += d * d;
        ++count;
    }
    return count ? std::sqrt(sum / count) : 0;
}
/// Mean absolute change from one point to the next, from step `from`.
double meanStep(const QCPGraph *g, double from)
{
    double sum = 0;
    int count = 0;
    auto it = g->data()->findBegin(from, false);
    for (auto prev = it++; it != g->data()->constEnd(); prev = it++) {
        sum += std::abs(it->value - prev->value);
        ++count;
    }
    return count ? sum / count : 0;
}
EpochPoint epoch(qint32 e, qint64 endStep, double val)
{
    EpochPoint p;
    p.epoch = e;
    p.endStep = endStep;
    p.trainLoss = 0.5;
    p.valLoss = val;
    return p;
}
} // namespace

class TestLossPlot : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appendsBatches();
    void skipsNonFiniteAndMissingValidation();
    void smoothingFollowsSlider();
    void fadedRunsKeptAndCleared();
    void redrawsOnlyWhenDirty();
    void logScale();
    void savesAndExports();
    void longRunKeepsEveryPointAndRange();
    void crossHairRedrawsOnlyItsLayer();
    void longRunSmoothedCurveIsSmooth();
    void longRunSmoothsAgainOnlyWhenTheWindowGrows();
    void zoomedInSmoothingIsPerStepAgain();
    void saveButtonWholeAtNarrowestWidth();
};

void TestLossPlot::appendsBatches()
{
    LossPlot plot;
    plot.appendPoints(points(0, 10, 0), {});
    plot.appendPoints(points(10, 5, 0), {epoch(0, 15, 0.25)});
    QCOMPARE(plot.trainPointCount(), 15);
    QCOMPARE(plot.smoothedPointCount(), 15);
    QCOMPARE(plot.validationPointCount(), 1);
}

void TestLossPlot::skipsNonFiniteAndMissingValidation()
{
    LossPlot plot;
    QVector<LossPoint> pts = points(0, 4, 0);
    pts[2].loss = std::numeric_limits<float>::quiet_NaN();
    plot.appendPoints(pts, {epoch(0, 4, std::numeric_limits<double>::quiet_NaN())});
    QCOMPARE(plot.trainPointCount(), 3);
    QCOMPARE(plot.validationPointCount(), 0);
}

void TestLossPlot::smoothingFollowsSlider()
{
    LossPlot plot;
    QVector<LossPoint> pts;
    for (int i = 0; i < 20; ++i)
        pts.append(LossPoint{i, 0, i % 2 ? 1.0f : 0.0f});
    plot.appendPoints(pts, {});
    auto *slider = plot.findChild<QSlider *>(QStringLiteral("smoothingSlider"));
    QVERIFY(slider);
    slider->setValue(0);
    QCOMPARE(plot.smoothing(), 0.0);
    auto *graphs = plot.customPlot();
    // Without smoothing the smoothed curve is the raw one.
    QCOMPARE(graphs->graph(1)->data()->at(19)->value, 1.0);
    slider->setValue(90);
    QCOMPARE(plot.smoothing(), 0.9);
    const double v = graphs->graph(1)->data()->at(19)->value;
    QVERIFY2(v > 0.3 && v < 0.7, qPrintable(QString::number(v)));
}

void TestLossPlot::fadedRunsKeptAndCleared()
{
    LossPlot plot;
    plot.appendPoints(points(0, 10, 0), {});
    plot.startRun();
    QCOMPARE(plot.historyRunCount(), 1);
    QCOMPARE(plot.trainPointCount(), 0);
    QCOMPARE(plot.customPlot()->graphCount(), 6);
    plot.startRun(); // an empty run is not kept
    QCOMPARE(plot.historyRunCount(), 1);
    plot.appendPoints(points(0, 3, 0), {});
    plot.startRun();
    QCOMPARE(plot.historyRunCount(), 2);
    plot.clearHistory();
    QCOMPARE(plot.historyRunCount(), 0);
    QCOMPARE(plot.customPlot()->graphCount(), 3);
}

void TestLossPlot::redrawsOnlyWhenDirty()
{
    LossPlot plot;
    plot.flush();
    const int before = plot.replotCount();
    plot.flush();
    QCOMPARE(plot.replotCount(), before);
    for (int i = 0; i < 50; ++i)
        plot.appendPoints(points(i * 10, 10, 0), {});
    QTRY_VERIFY_WITH_TIMEOUT(plot.replotCount() > before, 5000);
    // Fifty batches drawn in far fewer redraws than batches.
    QVERIFY(plot.replotCount() - before < 50);
}

void TestLossPlot::logScale()
{
    LossPlot plot;
    plot.appendPoints(points(0, 100, 0), {});
    auto *box = plot.findChild<QCheckBox *>(QStringLiteral("logScaleBox"));
    QVERIFY(box);
    box->setChecked(true);
    QVERIFY(plot.logScale());
    plot.flush();
    QCOMPARE(plot.customPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(plot.customPlot()->yAxis->range().lower > 0);
    box->setChecked(false);
    QCOMPARE(plot.customPlot()->yAxis->scaleType(), QCPAxis::stLinear);
}

void TestLossPlot::savesAndExports()
{
    QTemporaryDir dir;
    LossPlot plot;
    plot.resize(400, 300);
    plot.appendPoints(points(0, 4, 0), {epoch(0, 4, 0.125)});
    QVERIFY(plot.savePng(dir.filePath("p.png"), 400, 300));
    QVERIFY(QFile(dir.filePath("p.png")).size() > 0);
    QVERIFY(plot.savePdf(dir.filePath("p.pdf"), 400, 300));
    QVERIFY(QFile(dir.filePath("p.pdf")).size() > 0);
    QString error;
    QVERIFY(plot.exportCsv(dir.filePath("m.csv"), &error));
    QFile f(dir.filePath("m.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
    QCOMPARE(lines.first(), QStringLiteral("step,epoch,loss,smoothed"));
    QVERIFY(lines.at(1).startsWith(QStringLiteral("0,0,1,")));
    QVERIFY(lines.contains(QStringLiteral("epoch,end_step,train_loss,val_loss,samples_per_second,learning_rate")));
    QVERIFY(lines.at(7).startsWith(QStringLiteral("0,4,0.5,0.125")));
    QVERIFY(!plot.exportCsv(dir.filePath("no/such/dir/m.csv"), &error));
    QVERIFY(!error.isEmpty());
}

void TestLossPlot::longRunKeepsEveryPointAndRange()
{
    // 200,000 noisy steps: drawn fast (segment by segment, the raw band
    // without antialiasing) but every point is kept and the view covers them.
    LossPlot plot;
    plot.resize(800, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QVector<LossPoint> pts;
    const int n = 200000;
    for (int i = 0; i < n; ++i)
        pts.append(LossPoint{i, i / 1000, float(2.0 + ((qint64(i) * 7919) % 100) / 100.0)});
    pts[123456].loss = 9.0f; // one spike: the y range must reach it
    plot.appendPoints(pts, {});
    plot.flush();
    QCOMPARE(plot.trainPointCount(), n);
    QCOMPARE(plot.smoothedPointCount(), n);
    QCustomPlot *cp = plot.customPlot();
    QVERIFY(cp->plottingHints().testFlag(QCP::phFastPolylines));
    QVERIFY(cp->graph(0)->adaptiveSampling());
    QVERIFY(cp->graph(1)->adaptiveSampling());
    QVERIFY(!cp->graph(0)->antialiased());
    QVERIFY(cp->graph(1)->antialiased()); // the smoothed line stays smooth
    QVERIFY(cp->xAxis->range().lower <= 0);
    QVERIFY(cp->xAxis->range().upper >= n - 1);
    QVERIFY(cp->yAxis->range().lower <= 2.0);
    QVERIFY(cp->yAxis->range().upper >= 9.0);
    // The spike is drawn: a redraw into an image has curve pixels near the top.
    const QImage image = cp->toPixmap(800, 400).toImage();
    const int spikeX = int(cp->xAxis->coordToPixel(123456));
    const int spikeY = int(cp->yAxis->coordToPixel(9.0));
    bool drawn = false;
    for (int x = spikeX - 2; x <= spikeX + 2 && !drawn; ++x)
        for (int y = spikeY - 2; y <= spikeY + 3 && !drawn; ++y)
            drawn = image.pixelColor(x, y).blue() > image.pixelColor(x, y).red() + 20;
    QVERIFY2(drawn, "the spike at step 123456 is not drawn");

    // A short run keeps its antialiased raw line.
    plot.startRun();
    plot.appendPoints(points(0, 100, 0), {});
    plot.flush();
    QVERIFY(cp->graph(cp->graphCount() - 3)->antialiased());
}

void TestLossPlot::crossHairRedrawsOnlyItsLayer()
{
    LossPlot plot;
    plot.resize(600, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.appendPoints(points(0, 50, 0), {});
    plot.flush();
    const int before = plot.replotCount();
    QCustomPlot *cp = plot.customPlot();
    const QPoint at(int(cp->xAxis->coordToPixel(20)), cp->height() / 2);
    QTest::mouseMove(cp, at);
    QTRY_VERIFY(plot.readout().startsWith(QStringLiteral("step 20:")));
    // The cross-hair is shown on the overlay layer; the curves are not redrawn.
    QCPAbstractItem *line = nullptr;
    for (int i = 0; i < cp->itemCount(); ++i)
        if (qobject_cast<QCPItemStraightLine *>(cp->item(i)))
            line = cp->item(i);
    QVERIFY(line && line->visible());
    QCOMPARE(line->layer()->name(), QStringLiteral("overlay"));
    plot.flush();
    QCOMPARE(plot.replotCount(), before);
}

void TestLossPlot::longRunSmoothedCurveIsSmooth()
{
    // 60,000 steps of a decaying loss with noise of a fixed amplitude: with
    // the default setting the smoothed curve is a thin line along the trend,
    // not a band almost as wide as the raw one.
    LossPlot plot;
    plot.resize(800, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const int n = 60000;
    feed(plot, noisyRun(n));
    QCustomPlot *cp = plot.customPlot();
    QCPGraph *raw = cp->graph(0);
    QCPGraph *smooth = cp->graph(1);
    QCOMPARE(smooth->dataCount(), n);
    auto *slider = plot.findChild<QSlider *>(QStringLiteral("smoothingSlider"));
    QVERIFY(slider);
    QCOMPARE(slider->value(), 60);
    // Over the last third of the run.
    const double from = n - 20000;
    const double rawRms = rmsFromTrend(raw, from);
    const double rawStep = meanStep(raw, from);
    auto ratios = [&] {
        return std::pair{rmsFromTrend(smooth, from) / rawRms, meanStep(smooth, from) / rawStep};
    };
    const auto [rms60, step60] = ratios();
    qInfo("60,000 steps, slider 60: smoothed/raw distance from the trend %.4f, step-to-step change %.5f", rms60,
          step60);
    QVERIFY2(rms60 < 0.1, qPrintable(QString::number(rms60)));
    QVERIFY2(step60 < 0.01, qPrintable(QString::number(step60)));

    // The slider still sets how much: at 0 the raw curve, more to the right smoother.
    slider->setValue(0);
    QCOMPARE(smooth->dataCount(), n);
    for (int i = 0; i < n; ++i)
        QCOMPARE(smooth->data()->at(i)->value, raw->data()->at(i)->value);
    slider->setValue(30);
    const auto [rms30, step30] = ratios();
    slider->setValue(90);
    const auto [rms90, step90] = ratios();
    qInfo("slider 30: %.4f, %.5f; slider 90: %.4f, %.5f", rms30, step30, rms90, step90);
    QVERIFY(rms30 < 1 && step30 < 1);
    QVERIFY(rms90 < rms60 && rms60 < rms30);
    QVERIFY(step90 < step60 && step60 < step30);
}

void TestLossPlot::longRunSmoothsAgainOnlyWhenTheWindowGrows()
{
    // Each batch smooths its own points; the whole curve only when the steps
    // on screen crossed a quarter octave: a few dozen times, not once a batch.
    LossPlot plot;
    plot.resize(800, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const int n = 60000;
    const QVector<LossPoint> pts = noisyRun(n + 10000);
    feed(plot, pts.mid(0, n));
    const int passes = plot.smoothingPasses();
    qInfo("600 batches of 100 steps: %d passes over the whole curve", passes);
    QVERIFY2(passes <= 4 * std::log2(n / LossPlot::kSmoothingReferenceSteps) + 4,
             qPrintable(QString::number(passes)));
    // The weight per step: the slider's, over 500/60,000 of a step (within the quarter octave).
    const double exponent = std::log(plot.effectiveSmoothing()) / std::log(plot.smoothing());
    QVERIFY2(exponent > LossPlot::kSmoothingReferenceSteps / n / std::exp2(0.125) &&
                 exponent < LossPlot::kSmoothingReferenceSteps / n * std::exp2(0.125),
             qPrintable(QString::number(exponent)));

    // Once the user holds the view (a click on the plot), the steps arriving
    // off screen change nothing but their own points.
    QCustomPlot *cp = plot.customPlot();
    const QPoint centre = cp->axisRect()->rect().center();
    QTest::mouseClick(cp, Qt::LeftButton, Qt::NoModifier, centre);
    const QCPRange view = cp->xAxis->range();
    feed(plot, pts.mid(n));
    QCOMPARE(plot.smoothingPasses(), passes);
    QVERIFY(cp->xAxis->range() == view);
    QCOMPARE(plot.smoothedPointCount(), n + 10000);
}

void TestLossPlot::zoomedInSmoothingIsPerStepAgain()
{
    // Zoomed in to a few hundred steps, the slider's weight is the weight per
    // step again: the curve is the plain EMA of every step from the first.
    LossPlot plot;
    plot.resize(800, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const int n = 60000;
    const QVector<LossPoint> pts = noisyRun(n);
    feed(plot, pts);
    const double longWeight = plot.effectiveSmoothing();
    QVERIFY(longWeight > plot.smoothing());
    QCustomPlot *cp = plot.customPlot();
    const QPointF at(cp->xAxis->coordToPixel(n - 300), cp->axisRect()->rect().center().y());
    QWheelEvent wheel(at, cp->mapToGlobal(at), QPoint(), QPoint(0, 120 * 40), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(cp, &wheel);
    QVERIFY2(cp->xAxis->range().size() < LossPlot::kSmoothingReferenceSteps,
             qPrintable(QString::number(cp->xAxis->range().size())));
    QCOMPARE(plot.effectiveSmoothing(), plot.smoothing());
    double ema = 0, weights = 0;
    const double w = plot.smoothing();
    for (const LossPoint &p : pts) {
        ema = w * ema + (1 - w) * double(p.loss);
        weights = w * weights + (1 - w);
    }
    QVERIFY(qFuzzyCompare(cp->graph(1)->data()->at(n - 1)->value, ema / weights));
    // A double click follows the data again, with the long view's weight.
    QTest::mouseDClick(cp, Qt::LeftButton, Qt::NoModifier, at.toPoint());
    QCOMPARE(plot.effectiveSmoothing(), longWeight);
    plot.flush();
    QVERIFY(cp->xAxis->range().size() >= n - 1);
}

void TestLossPlot::saveButtonWholeAtNarrowestWidth()
{
    // From the narrowest the plot can be to a wide dock, the Save… button is
    // whole, clear of the edge, with room for its label and its menu arrow.
    LossPlot plot;
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QToolButton *save = nullptr;
    for (QToolButton *b : plot.findChildren<QToolButton *>())
        if (b->text() == QStringLiteral("Save…"))
            save = b;
    QVERIFY(save && save->menu());
    // What the style gives a button with this label and no menu; the arrow
    // of a menu needs PM_MenuButtonIndicator more.
    QToolButton plain;
    plain.setText(save->text());
    const int arrow = save->style()->pixelMetric(QStyle::PM_MenuButtonIndicator, nullptr, save);
    const QSize least = plot.minimumSizeHint();
    for (int width : {least.width(), least.width() + 30, 800}) {
        plot.resize(width, least.height());
        QApplication::processEvents();
        QCOMPARE(plot.width(), width);
        const QRect button(save->mapTo(&plot, QPoint(0, 0)), save->size());
        QVERIFY2(plot.rect().adjusted(0, 0, -4, 0).contains(button),
                 qPrintable(QStringLiteral("at width %1 the Save… button spans x %2..%3")
                                .arg(width).arg(button.left()).arg(button.right())));
        QVERIFY2(save->width() >= plain.sizeHint().width() + arrow,
                 qPrintable(QStringLiteral("%1 px wide; the label needs %2, the arrow %3")
                                .arg(save->width()).arg(plain.sizeHint().width()).arg(arrow)));
        // Nothing else of the bar runs into it.
        for (QWidget *w : plot.findChildren<QWidget *>(QString(), Qt::FindDirectChildrenOnly))
            if (w != save && w->isVisible() && w->y() < button.bottom())
                QVERIFY2(!w->geometry().intersects(button), qPrintable(w->metaObject()->className()));
    }
}

QTEST_MAIN(TestLossPlot)
#include "tst_lossplot.moc"
