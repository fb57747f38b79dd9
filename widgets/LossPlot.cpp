#include "LossPlot.h"

#include "QCustomPlotInclude.h"
#include "document/SaveFile.h"

#include <QCheckBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSlider>
#include <QStyleOptionToolButton>
#include <QTextStream>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <limits>
#include <tuple>

namespace mc {

namespace {
const QColor kRaw(31, 119, 180, 70);
const QColor kSmooth(31, 119, 180);
const QColor kVal(214, 39, 40);
const QColor kFaded(150, 150, 150, 90);
/// Above this many points the raw training curve is drawn without antialiasing.
constexpr int kAntialiasedPoints = 20000;
/// Steps of the smoothing window's quantisation: levels per doubling of the steps on screen.
constexpr double kLevelsPerOctave = 4;

/// The EMA weight per step for the slider's weight `s` and a window level
/// (quarter octaves of visible steps above the reference): s^(1/scale), the
/// weight that decays as much over `scale` steps as `s` does over one.
double weightAtLevel(double s, int level)
{
    if (level <= 0 || s <= 0)
        return s;
    return std::pow(s, 1.0 / std::exp2(level / kLevelsPerOctave));
}

/// The bias-corrected EMA (weight `w`) of `raw`'s points into `smooth`;
/// returns the running sums for the points that come next.
std::pair<double, double> smoothCurve(const QCPGraph *raw, QCPGraph *smooth, double w)
{
    const auto data = raw->data();
    QVector<double> keys, values;
    keys.reserve(data->size());
    values.reserve(data->size());
    double ema = 0, weightSum = 0;
    for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
        ema = w * ema + (1 - w) * it->value;
        weightSum = w * weightSum + (1 - w);
        keys.append(it->key);
        values.append(ema / weightSum);
    }
    smooth->setData(keys, values, true);
    return {ema, weightSum};
}

/// A tool button that opens its menu when clicked (InstantPopup), as wide as
/// its label and the menu's arrow need: QToolButton's size hint has room for
/// the arrow only in MenuButtonPopup mode, so the style drew it into the
/// label's padding, against the button's edge.
class MenuToolButton : public QToolButton
{
public:
    using QToolButton::QToolButton;
    QSize sizeHint() const override
    {
        QSize size = QToolButton::sizeHint();
        QStyleOptionToolButton option;
        initStyleOption(&option);
        size.rwidth() += style()->pixelMetric(QStyle::PM_MenuButtonIndicator, &option, this);
        return size;
    }
};
} // namespace

LossPlot::LossPlot(QWidget *parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_smoothSlider(new QSlider(Qt::Horizontal, this))
    , m_logBox(new QCheckBox(tr("Log scale"), this))
    , m_readoutLabel(new QLabel(this))
    , m_timer(new QTimer(this))
{
    m_plot->setObjectName(QStringLiteral("lossCustomPlot"));
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setNoAntialiasingOnDrag(true);
    // Lines drawn segment by segment: QPainter strokes a 2-px polyline of a
    // few thousand zigzagging points (what adaptive sampling leaves of a
    // million noisy ones) as one self-overlapping outline, about 170 ms a
    // redraw; segment by segment it is a few ms.
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(font());
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_current = makeRun(false);

    m_crossV = new QCPItemStraightLine(m_plot);
    m_crossV->setPen(QPen(QColor(0, 0, 0, 90), 1, Qt::DashLine));
    m_crossV->setVisible(false);
    m_crossText = new QCPItemText(m_plot);
    m_crossText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_crossText->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_crossText->position->setCoords(0.01, 0.01);
    m_crossText->setBrush(QColor(255, 255, 255, 220));
    m_crossText->setPadding(QMargins(3, 2, 3, 2));
    m_crossText->setVisible(false);
    // The cross-hair lives on QCustomPlot's buffered overlay layer: moving it
    // redraws that layer alone, not a million points underneath.
    m_crossV->setLayer(QStringLiteral("overlay"));
    m_crossText->setLayer(QStringLiteral("overlay"));
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &LossPlot::onMouseMove);
    // A drag or a zoom by the user keeps their view until the next run.
    connect(m_plot, &QCustomPlot::mousePress, this, [this] {
        m_rescale = false;
        updateSmoothingWindow();
    });
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] {
        m_rescale = false;
        updateSmoothingWindow();
    });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_rescale = true;
        updateSmoothingWindow();
        markDirty();
    });
    // The smoothing's window follows the steps on screen (a drag or a zoom).
    connect(m_plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this,
            [this] { updateSmoothingWindow(); });

    m_smoothSlider->setObjectName(QStringLiteral("smoothingSlider"));
    m_smoothSlider->setRange(0, 99);
    m_smoothSlider->setValue(int(std::lround(m_smoothing * 100)));
    m_smoothSlider->setToolTip(tr("Smoothing of the training loss (exponential moving average): the same "
                                  "setting averages over the same share of the steps on screen, however "
                                  "long the run"));
    connect(m_smoothSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    m_logBox->setObjectName(QStringLiteral("logScaleBox"));
    connect(m_logBox, &QCheckBox::toggled, this, &LossPlot::setLogScale);

    auto *clearButton = new QToolButton(this);
    clearButton->setObjectName(QStringLiteral("clearHistoryButton"));
    clearButton->setText(tr("Clear earlier runs"));
    connect(clearButton, &QToolButton::clicked, this, &LossPlot::clearHistory);
    auto *saveButton = new MenuToolButton(this);
    saveButton->setText(tr("Save…"));
    saveButton->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(saveButton);
    menu->addAction(tr("Save Plot as PNG or PDF…"), this, &LossPlot::saveAsDialog);
    menu->addAction(tr("Export Metrics as CSV…"), this, &LossPlot::exportCsvDialog);
    saveButton->setMenu(menu);

    auto *bar = new QHBoxLayout;
    // The last button keeps clear of the dock's edge.
    bar->setContentsMargins(0, 0, 4, 0);
    bar->addWidget(new QLabel(tr("Smoothing"), this));
    bar->addWidget(m_smoothSlider, 1);
    bar->addWidget(m_logBox);
    bar->addWidget(clearButton);
    bar->addWidget(saveButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);
    m_readoutLabel->setObjectName(QStringLiteral("readoutLabel"));
    layout->addWidget(m_readoutLabel);

    m_plot->setMinimumHeight(220);
    m_timer->setInterval(16);
    connect(m_timer, &QTimer::timeout, this, &LossPlot::onTimer);
    m_timer->start();
}

LossPlot::~LossPlot()
{
    // QCustomPlot goes after the members the range's slot reads.
    disconnect(m_plot->xAxis, nullptr, this, nullptr);
}

LossPlot::Run LossPlot::makeRun(bool faded)
{
    Run run;
    run.raw = m_plot->addGraph();
    run.smooth = m_plot->addGraph();
    run.val = m_plot->addGraph();
    run.raw->setPen(QPen(faded ? kFaded : kRaw, 1));
    run.smooth->setPen(QPen(faded ? kFaded : kSmooth, 2));
    run.val->setPen(QPen(faded ? kFaded : kVal, 2));
    run.val->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    run.raw->setAdaptiveSampling(true);
    run.smooth->setAdaptiveSampling(true);
    run.raw->setName(tr("training loss (raw)"));
    run.smooth->setName(tr("training loss (smoothed)"));
    run.val->setName(tr("validation loss"));
    return run;
}

void LossPlot::startRun()
{
    if (!m_losses.isEmpty() || !m_epochs.isEmpty()) {
        for (QCPGraph *g : {m_current.raw, m_current.smooth, m_current.val}) {
            QPen pen = g->pen();
            pen.setColor(kFaded);
            g->setPen(pen);
            g->removeFromLegend();
        }
        m_current.val->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kFaded), Qt::NoBrush, 4));
        m_history.append(m_current);
        m_current = makeRun(false);
    }
    m_losses.clear();
    m_epochs.clear();
    m_ema = 0;
    m_emaWeightSum = 0;
    m_rescale = true;
    updateSmoothingWindow();
    markDirty();
}

double LossPlot::smoothNext(double x)
{
    // EMA with TensorBoard's bias correction, so the start is not pulled to 0.
    const double w = m_effectiveWeight;
    m_ema = w * m_ema + (1 - w) * x;
    m_emaWeightSum = w * m_emaWeightSum + (1 - w);
    return m_ema / m_emaWeightSum;
}

void LossPlot::appendPoints(const QVector<LossPoint> &losses, const QVector<EpochPoint> &epochs)
{
    if (losses.isEmpty() && epochs.isEmpty())
        return;
    QVector<double> keys, raw;
    keys.reserve(losses.size());
    raw.reserve(losses.size());
    for (const LossPoint &p : losses) {
        m_losses.append(p);
        const double x = double(p.loss);
        if (!std::isfinite(x))
            continue;
        keys.append(double(p.step));
        raw.append(x);
    }
    if (!keys.isEmpty()) {
        m_current.raw->addData(keys, raw, true);
        // More steps on screen may call for a longer window: then every curve
        // is smoothed again; otherwise the EMA goes on over the new points only.
        if (!updateSmoothingWindow()) {
            QVector<double> smooth;
            smooth.reserve(raw.size());
            for (double x : qAsConst(raw))
                smooth.append(smoothNext(x));
            m_current.smooth->addData(keys, smooth, true);
        }
    }
    for (const EpochPoint &e : epochs) {
        m_epochs.append(e);
        if (e.hasValLoss() && std::isfinite(e.valLoss))
            m_current.val->addData(double(e.endStep), e.valLoss);
    }
    markDirty();
}

void LossPlot::clear()
{
    clearHistory();
    m_losses.clear();
    m_epochs.clear();
    m_current.raw->data()->clear();
    m_current.smooth->data()->clear();
    m_current.val->data()->clear();
    m_ema = m_emaWeightSum = 0;
    m_rescale = true;
    updateSmoothingWindow();
    markDirty();
}

void LossPlot::clearHistory()
{
    for (const Run &r : qAsConst(m_history))
        for (QCPGraph *g : {r.raw, r.smooth, r.val})
            m_plot->removeGraph(g);
    m_history.clear();
    updateSmoothingWindow();
    markDirty();
}

void LossPlot::recomputeSmoothed()
{
    ++m_smoothingPasses;
    m_effectiveWeight = weightAtLevel(m_smoothing, m_windowLevel);
    // The raw curves hold the finite losses in step order.
    for (const Run &r : qAsConst(m_history))
        smoothCurve(r.raw, r.smooth, m_effectiveWeight);
    std::tie(m_ema, m_emaWeightSum) = smoothCurve(m_current.raw, m_current.smooth, m_effectiveWeight);
}

double LossPlot::visibleSteps() const
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    auto extend = [&](const QCPGraph *g) {
        const auto data = g->data();
        if (data->isEmpty())
            return;
        lo = std::min(lo, data->constBegin()->key);
        hi = std::max(hi, (data->constEnd() - 1)->key);
    };
    extend(m_current.raw);
    for (const Run &r : m_history)
        extend(r.raw);
    if (!m_rescale) {
        // The user's view: the part of it that holds steps.
        const QCPRange range = m_plot->xAxis->range();
        lo = std::max(lo, range.lower);
        hi = std::min(hi, range.upper);
    }
    return hi >= lo ? hi - lo + 1 : 0;
}

bool LossPlot::updateSmoothingWindow()
{
    const double ratio = visibleSteps() / kSmoothingReferenceSteps;
    const int level = ratio > 1 ? int(std::lround(kLevelsPerOctave * std::log2(ratio))) : 0;
    if (level == m_windowLevel)
        return false;
    m_windowLevel = level;
    recomputeSmoothed();
    markDirty();
    return true;
}

void LossPlot::setSmoothing(double weight)
{
    weight = std::clamp(weight, 0.0, 0.999);
    if (weight == m_smoothing)
        return;
    m_smoothing = weight;
    const QSignalBlocker block(m_smoothSlider);
    m_smoothSlider->setValue(int(std::lround(weight * 100)));
    recomputeSmoothed();
    markDirty();
}

void LossPlot::setLogScale(bool on)
{
    m_logScale = on;
    {
        const QSignalBlocker block(m_logBox);
        m_logBox->setChecked(on);
    }
    if (on) {
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    m_rescale = true;
    markDirty();
}

int LossPlot::trainPointCount() const { return m_current.raw->dataCount(); }
int LossPlot::validationPointCount() const { return m_current.val->dataCount(); }
int LossPlot::smoothedPointCount() const { return m_current.smooth->dataCount(); }
QString LossPlot::readout() const { return m_readout; }

void LossPlot::markDirty() { m_dirty = true; }

void LossPlot::onTimer()
{
    if (m_dirty)
        flush();
}

void LossPlot::rescale()
{
    m_plot->rescaleAxes();
    QCPRange y = m_plot->yAxis->range();
    if (m_logScale) {
        if (y.lower <= 0)
            y.lower = std::max(1e-12, y.upper * 1e-6);
        m_plot->yAxis->setRange(y.lower / 1.2, y.upper * 1.2);
    } else {
        const double pad = std::max(1e-9, y.size() * 0.05);
        m_plot->yAxis->setRange(y.lower - pad, y.upper + pad);
    }
}

void LossPlot::flush()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    // Markers only while they can be told apart.
    const bool markers = m_current.val->dataCount() <= 60;
    if (markers != (m_current.val->scatterStyle().shape() != QCPScatterStyle::ssNone))
        m_current.val->setScatterStyle(markers ? QCPScatterStyle(QCPScatterStyle::ssCircle, 5)
                                               : QCPScatterStyle(QCPScatterStyle::ssNone));
    // A long raw curve is a dense band (adaptive sampling leaves a few points
    // per pixel column); antialiasing it costs more than it shows.
    m_current.raw->setAntialiased(m_current.raw->dataCount() <= kAntialiasedPoints);
    for (const Run &r : qAsConst(m_history))
        r.raw->setAntialiased(r.raw->dataCount() <= kAntialiasedPoints);
    if (m_rescale)
        rescale();
    ++m_replots;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::onMouseMove(QMouseEvent *event)
{
    const double x = m_plot->xAxis->pixelToCoord(event->pos().x());
    const double y = m_plot->yAxis->pixelToCoord(event->pos().y());
    QString text = tr("step %1, loss %2").arg(qRound64(x)).arg(y, 0, 'g', 4);
    // The nearest training point: its raw and smoothed loss.
    const auto data = m_current.raw->data();
    if (!data->isEmpty()) {
        auto it = data->findBegin(x, false);
        if (it != data->constEnd()) {
            const auto sit = m_current.smooth->data()->findBegin(it->key, false);
            text = tr("step %1: loss %2").arg(qRound64(it->key)).arg(it->value, 0, 'g', 4);
            if (sit != m_current.smooth->data()->constEnd())
                text += tr(", smoothed %1").arg(sit->value, 0, 'g', 4);
        }
    }
    m_readout = text;
    m_readoutLabel->setText(text);
    m_crossV->point1->setCoords(x, 0);
    m_crossV->point2->setCoords(x, 1);
    m_crossV->setVisible(true);
    m_crossText->setText(text);
    m_crossText->setVisible(true);
    m_plot->layer(QStringLiteral("overlay"))->replot();
}

bool LossPlot::savePng(const QString &path, int width, int height)
{
    flush();
    return m_plot->savePng(path, width, height);
}

bool LossPlot::savePdf(const QString &path, int width, int height)
{
    flush();
    return m_plot->savePdf(path, width, height);
}

bool LossPlot::exportCsv(const QString &path, QString *error) const
{
    // Made in memory, then written whole or not at all (saveFileAtomically;
    // tst_saving::lossCsvAndMetricsOnAFullDisk).
    QByteArray bytes;
    QTextStream out(&bytes, QIODevice::WriteOnly);
    out << "step,epoch,loss,smoothed\n";
    const auto smooth = m_current.smooth->data();
    for (const LossPoint &p : m_losses) {
        out << p.step << ',' << p.epoch << ',' << QString::number(double(p.loss), 'g', 9) << ',';
        const auto it = smooth->findBegin(double(p.step), false);
        if (it != smooth->constEnd() && it->key == double(p.step))
            out << QString::number(it->value, 'g', 9);
        out << '\n';
    }
    out << "\nepoch,end_step,train_loss,val_loss,samples_per_second,learning_rate\n";
    for (const EpochPoint &e : m_epochs) {
        out << e.epoch << ',' << e.endStep << ',' << QString::number(e.trainLoss, 'g', 9) << ','
            << (e.hasValLoss() ? QString::number(e.valLoss, 'g', 9) : QString()) << ','
            << QString::number(e.samplesPerSecond, 'g', 6) << ',' << QString::number(e.learningRate, 'g', 6)
            << '\n';
    }
    out.flush();
    QString reason;
    if (!saveFileAtomically(path, bytes, &reason)) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, reason);
        return false;
    }
    return true;
}

void LossPlot::saveAsDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Loss Plot"), QString(),
                                                      tr("PNG image (*.png);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        savePdf(path);
    else
        savePng(path);
}

void LossPlot::exportCsvDialog()
{
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Metrics"), QString(), tr("CSV file (*.csv)"));
    if (!path.isEmpty())
        exportCsv(path);
}

} // namespace mc
