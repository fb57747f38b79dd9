#pragma once

// The values a training run reports: small structs, copied into queued
// signals, never pointers into the trainer.

#include "training/Evaluation.h"

#include <QMetaType>
#include <QString>
#include <QVector>

#include <cmath>
#include <limits>

namespace mc {

/// The loss of one optimizer step: the loss of its batch before the step.
struct LossPoint
{
    qint64 step = 0; ///< Global step, from 0.
    qint32 epoch = 0; ///< From 0.
    float loss = 0;

    bool operator==(const LossPoint &o) const { return step == o.step && epoch == o.epoch && loss == o.loss; }
};

/// What one finished epoch measured.
struct EpochPoint
{
    qint32 epoch = 0;        ///< From 0.
    qint64 endStep = 0;      ///< Steps done when the epoch ended (its last step is endStep - 1).
    double trainLoss = 0;    ///< Mean loss of the epoch's batches.
    double valLoss = std::numeric_limits<double>::quiet_NaN(); ///< NaN without a validation split.
    double samplesPerSecond = 0; ///< Training samples over the epoch's training time.
    double seconds = 0;      ///< Wall time of the epoch, validation included.
    double learningRate = 0; ///< The learning rate used in the epoch.
    /// Class targets with a validation split: the share of validation rows
    /// whose highest score is their class; NaN otherwise.
    double valAccuracy = std::numeric_limits<double>::quiet_NaN();
    /// With data.test.each_epoch: the test set's loss and accuracy (NaN
    /// without, and the accuracy NaN for regression).
    double testLoss = std::numeric_limits<double>::quiet_NaN();
    double testAccuracy = std::numeric_limits<double>::quiet_NaN();

    bool hasValLoss() const { return !std::isnan(valLoss); }
};

/// A batch of progress: every loss point and every finished epoch since the
/// previous report, and where the run is now. Sent a few tens of times a
/// second at most, and once more when the run ends.
struct TrainingProgress
{
    QVector<LossPoint> losses;
    QVector<EpochPoint> epochs;
    qint32 epoch = 0;        ///< The epoch running now (from 0).
    qint64 step = 0;         ///< Steps done so far.
    qint64 totalSteps = 0;   ///< Steps the run does if nothing stops it early.
    double samplesPerSecond = 0; ///< Over the interval since the previous report.
};

/// How a run ended.
struct TrainingResult
{
    /// Why the run ended.
    enum class Outcome {
        Completed,     ///< Every epoch ran.
        Stopped,       ///< stop() was called, or the step limit was reached.
        EarlyStopped,  ///< The validation loss stopped improving for `patience` epochs.
        Failed,        ///< An error ended it; `message` says which.
    };
    Outcome outcome = Outcome::Completed;
    QString message;     ///< A sentence for people: why it failed or stopped.
    qint32 epochs = 0;   ///< Epochs finished.
    qint64 steps = 0;    ///< Steps done in total (a resumed run counts the earlier ones).
    double seconds = 0;  ///< Wall time of this run.
    double lastTrainLoss = std::numeric_limits<double>::quiet_NaN(); ///< Mean of the last finished epoch.
    double lastValLoss = std::numeric_limits<double>::quiet_NaN();
    /// With early stopping and keep_best_weights: the epoch (from 0) whose
    /// weights the model holds at the end, its lowest validation loss; -1
    /// when the run kept its last weights.
    qint32 keptEpoch = -1;
    double keptValLoss = std::numeric_limits<double>::quiet_NaN(); ///< That epoch's validation loss.
    /// The test set's verdict at the end of a run that did not fail (empty
    /// without a test set).
    Evaluation evaluation;

    bool ok() const { return outcome != Outcome::Failed; }
    /// "Kept the weights of epoch 4, of lowest validation loss (0.231).";
    /// empty when the run kept its last weights.
    QString keptText() const
    {
        return keptEpoch < 0 ? QString()
                             : QStringLiteral("Kept the weights of epoch %1, of lowest validation loss (%2).")
                                   .arg(keptEpoch + 1)
                                   .arg(keptValLoss);
    }
};

} // namespace mc

Q_DECLARE_METATYPE(mc::LossPoint)
Q_DECLARE_METATYPE(mc::EpochPoint)
Q_DECLARE_METATYPE(mc::TrainingProgress)
Q_DECLARE_METATYPE(mc::TrainingResult)
