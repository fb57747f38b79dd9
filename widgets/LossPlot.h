#pragma once

#include "training/TrainingProgress.h"

#include <QVector>
#include <QWidget>

class QCheckBox;
class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QLabel;
class QMouseEvent;
class QSlider;
class QTimer;

namespace mc {

/// The loss curves of training runs: the training loss of every step (raw and
/// smoothed with an exponential moving average), the validation loss of every
/// epoch, and earlier runs as faded curves. Points arrive in batches
/// (appendProgress()); the plot redraws at most once per screen frame, only
/// when something changed.
///
/// Smoothing: the slider sets a weight s in [0, 0.99] (0: the raw curve). It
/// is the EMA weight per step while at most kSmoothingReferenceSteps steps are
/// on screen. With more steps on screen (V of them) the weight per step is
/// s^(kSmoothingReferenceSteps / V): the curve is smoothed as a run of
/// kSmoothingReferenceSteps steps would be with weight s, so a setting averages
/// over the same share of the x axis whatever the run's length (a fixed weight
/// per step averages over fewer and fewer pixels as a run grows, and a long run's
/// smoothed curve is nearly as noisy as the raw one). V is the steps of the
/// visible x range that hold points, of every run shown; all runs' smoothed
/// curves use the same weight. V is taken in quarter octaves: the curves are
/// smoothed again whole when V crosses one (a drag or zoom, or a growing run,
/// a few dozen times over a long run), and otherwise each batch smooths only
/// its new points. The EMA is bias-corrected (as TensorBoard's), so the curve
/// does not start at zero.
class LossPlot : public QWidget
{
    Q_OBJECT
public:
    explicit LossPlot(QWidget *parent = nullptr);
    ~LossPlot() override;

    /// Keeps the current run as a faded curve and starts an empty one.
    void startRun();
    /// Adds a batch of points (as TrainingProgress carries them).
    void appendPoints(const QVector<LossPoint> &losses, const QVector<EpochPoint> &epochs);
    /// Removes every curve, the earlier runs included.
    void clear();
    /// Removes the faded curves of earlier runs.
    void clearHistory();

    /// Up to this many steps on screen, the slider's weight is the EMA weight per step.
    static constexpr double kSmoothingReferenceSteps = 500;

    /// The slider's weight in [0, 0.999]: 0 = no smoothing (see the class comment).
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    /// The EMA weight per step in use for the steps now on screen.
    double effectiveSmoothing() const { return m_effectiveWeight; }
    /// How many times the smoothed curves were computed again whole (for tests).
    int smoothingPasses() const { return m_smoothingPasses; }
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }

    /// Points of the current run: training steps and validation epochs.
    int trainPointCount() const;
    int validationPointCount() const;
    int smoothedPointCount() const;
    /// Faded curves kept from earlier runs.
    int historyRunCount() const { return m_history.size(); }
    /// The cross-hair readout's text (empty when the mouse is not over the plot).
    QString readout() const;

    /// Saves the plot as an image; false when the file cannot be written.
    bool savePng(const QString &path, int width = 0, int height = 0);
    bool savePdf(const QString &path, int width = 0, int height = 0);
    /// Writes the current run's metrics as CSV (`step,epoch,loss,smoothed`
    /// rows then `epoch,end_step,train_loss,val_loss` rows in a second table);
    /// false with a sentence in *error when the file cannot be written.
    bool exportCsv(const QString &path, QString *error = nullptr) const;

    /// Redraws now if anything changed (the timer does this otherwise).
    void flush();
    /// How many redraws have been asked of QCustomPlot (for tests).
    int replotCount() const { return m_replots; }
    QCustomPlot *customPlot() const { return m_plot; }

private:
    void markDirty();
    void onTimer();
    void recomputeSmoothed();
    /// Steps of the x range shown that hold points (the whole extent while following the data).
    double visibleSteps() const;
    /// Computes the curves again when the steps on screen crossed a quarter
    /// octave since the last time; whether it did.
    bool updateSmoothingWindow();
    void rescale();
    void onMouseMove(QMouseEvent *event);
    void saveAsDialog();
    void exportCsvDialog();

    struct Run
    {
        QCPGraph *raw = nullptr;
        QCPGraph *smooth = nullptr;
        QCPGraph *val = nullptr;
    };
    Run makeRun(bool faded);

    QCustomPlot *m_plot;
    QSlider *m_smoothSlider;
    QCheckBox *m_logBox;
    QLabel *m_readoutLabel;
    QTimer *m_timer;
    QCPItemStraightLine *m_crossV = nullptr;
    QCPItemText *m_crossText = nullptr;
    Run m_current;
    QVector<Run> m_history;
    QVector<LossPoint> m_losses;
    QVector<EpochPoint> m_epochs;
    /// The next smoothed value after the finite loss `x` (advances the EMA).
    double smoothNext(double x);
    double m_ema = 0;
    double m_emaWeightSum = 0;
    double m_smoothing = 0.6;
    double m_effectiveWeight = 0.6;
    /// Quarter octaves of visible steps above kSmoothingReferenceSteps (0 up to it).
    int m_windowLevel = 0;
    int m_smoothingPasses = 0;
    bool m_logScale = false;
    bool m_dirty = false;
    bool m_rescale = true;
    int m_replots = 0;
    QString m_readout;
};

} // namespace mc
