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

    /// EMA weight in [0, 0.999]: 0 = no smoothing.
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
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
    bool m_logScale = false;
    bool m_dirty = false;
    bool m_rescale = true;
    int m_replots = 0;
    QString m_readout;
};

} // namespace mc
