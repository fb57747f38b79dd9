#pragma once

#include "training/Checkpoint.h"
#include "analysis/CheckedModel.h"
#include "build/ComposedModule.h"
#include "data/Dataset.h"
#include "document/GraphTypes.h"
#include "training/TrainingProgress.h"
#include "training/TrainingSettings.h"

#include <QMutex>
#include <QObject>
#include <QString>
#include <QWaitCondition>

#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace mc {

/// Lets glibc keep freed memory for the next training step instead of giving
/// the top of the heap back after each backward and faulting it in again (see
/// Trainer.cpp). Trainer::run() calls it; a hand-written loop measured against
/// the trainer (bench/ThroughputLoop.cpp) calls it too. Process-wide, once.
void keepFreedMemory();

class DistributedContext;
class GradientBuckets;

/// Trains the module tree a project builds to, on a data set, with the
/// project's training settings. Lives in the model layer so that the command
/// line and the window's worker thread run the same loop.
///
/// Use: setup() (and restore() to continue from a checkpoint) on any thread,
/// then run() on the thread that trains: call it directly, or move the trainer
/// (which must have no parent) to a QThread and connect QThread::started to
/// run(). pause(), resume() and stop() may be called from any thread while
/// run() works, and take effect before the next optimizer step. Destroy the
/// trainer only when run() has returned (stop(), then wait for finished()).
///
/// Progress is reported by value, batched in time: progress() at most every
/// progressInterval() (about 30 times a second), each carrying every loss point
/// since the previous one (after restore(), the first one also carries the
/// checkpoint's history); never one signal per step. No exception leaves
/// run(): errors end the run with finished() carrying a message, and the model
/// keeps the last good weights.
///
/// The loop does what a hand-written LibTorch loop does and no more: batches
/// are views prepared before the loop (one copy per epoch when shuffling), the
/// loss is read from its tensor without a dispatch, and a step allocates
/// nothing of the trainer's own.
///
/// Data parallel (setDistributed()): every rank runs its own trainer on its
/// own share of each epoch's rows (Dataset::shardIndices), starts from rank
/// 0's weights, and averages the gradients over the ranks with bucketed
/// all-reduces before each step, so that W ranks of batch B train like one
/// process of batch W·B. The loss of a step is the mean over the ranks; a
/// stop() on any rank stops every rank after the same step; pause() is not
/// offered (the others would time out). Rank 0 alone writes checkpoints.
class Trainer : public QObject
{
    Q_OBJECT
public:
    /// What the trainer is doing.
    enum class State {
        Idle,     ///< Not set up, or setup failed.
        Ready,    ///< Set up; run() may start.
        Running,  ///< In run().
        Paused,   ///< In run(), waiting for resume() or stop().
        Finished, ///< run() returned; setup() again for another run.
    };
    Q_ENUM(State)

    explicit Trainer(QObject *parent = nullptr);
    ~Trainer() override;

    /// Prepares a run: builds the root model with settings.seed (so the same
    /// seed gives the same initial weights), splits off the validation rows,
    /// prepares the batches and creates the optimizer over the parameters that
    /// require gradients (frozen ones are left out). Returns false with a
    /// sentence in `error` when the settings, the model or the data do not fit.
    bool setup(const CheckedModel &model, const TrainingSettings &settings, const Dataset &data,
               QString *error = nullptr);
    /// The same, checking the project first.
    bool setup(const ProjectData &project, const TrainingSettings &settings, const Dataset &data,
               QString *error = nullptr);
    /// After setup() with the checkpoint's project: continues from where the
    /// checkpoint stopped (weights, optimizer state, random state, position and
    /// history). Refuses a checkpoint whose weights do not fit the model.
    bool restore(const Checkpoint &checkpoint, QString *error = nullptr);
    /// After setup() with an edited version of the checkpoint's project (an
    /// instance resized, added or removed): continues like restore(), but the
    /// weights are carried over by instance (Checkpoint::carryWeightsInto), so
    /// an instance whose sizes changed, or a new one, keeps the fresh weights
    /// setup() built and every other instance has its trained ones. The
    /// optimizer keeps its state for the carried parameters (same optimizer
    /// kind), else starts afresh. `carried` says what happened.
    bool restoreEdited(const Checkpoint &checkpoint, WeightCarryOver *carried, QString *error = nullptr);
    /// The state of the run now, to save and resume. Call when run() is not
    /// running (before, after, or from a slot connected directly to paused()).
    Checkpoint checkpoint() const;

    /// Trains as one rank of a data-parallel run (nullptr: alone, the
    /// default). Set before setup(); the context must outlive the run, and
    /// every rank must make the same calls with the same settings and data.
    void setDistributed(DistributedContext *context) { m_distributed = context; }
    DistributedContext *distributed() const { return m_distributed; }

    /// Writes a checkpoint to `path` after epochs (at most once a second) and
    /// when the run ends without an error; empty: never. Set before run().
    void setCheckpointPath(const QString &path) { m_checkpointPath = path; }
    /// The rows the run is judged on (RunData::test): evaluated at the end of
    /// a run that did not fail, and after every epoch when the settings ask
    /// (data.test.each_epoch); never trained or validated on. Rank 0 alone
    /// evaluates in a data-parallel run. Set after setup() (which forgets the previous one), before run().
    void setTestSet(const Dataset &test) { m_test = test; }
    /// Stops after this many optimizer steps in total (0: no limit). Set before run().
    void setStepLimit(qint64 steps) { m_stepLimit = steps; }
    /// The least time between two progress() signals (default 33 ms).
    void setProgressInterval(int milliseconds) { m_progressInterval = std::chrono::milliseconds(milliseconds); }
    std::chrono::milliseconds progressInterval() const { return m_progressInterval; }

    /// The model being trained (shares its weights with the trainer).
    ComposedModule module() const { return m_module; }
    const TrainingSettings &settings() const { return m_settings; }
    const ProjectData &project() const { return m_project; }
    /// Number of values the optimizer updates (trainable parameters only).
    qint64 optimizedParameterCount() const;
    /// Training and validation rows after the split, and batches per epoch.
    qint64 trainRows() const { return m_trainRows; }
    qint64 validationRows() const { return m_valRows; }
    qint64 batchesPerEpoch() const { return m_batchesPerEpoch; }
    /// Training rows this process takes per epoch (all of them when alone).
    qint64 shardRows() const { return m_shardRows; }
    /// Every step's loss so far and every finished epoch (read when not running).
    const std::vector<LossPoint> &losses() const { return m_losses; }
    const QVector<EpochPoint> &epochs() const { return m_epochs; }

    /// Safe from any thread.
    State state() const { return State(m_state.load()); }
    /// Steps done so far; safe from any thread.
    qint64 stepsDone() const { return m_stepsDone.load(std::memory_order_relaxed); }

public Q_SLOTS:
    /// Trains until the last epoch, stop(), early stopping or an error; then
    /// emits finished(). Returns at once (with finished() reporting why) when
    /// not set up.
    void run();
    /// Thread-safe. The run waits before its next step and emits paused().
    void pause();
    /// Thread-safe. A paused run continues and emits resumed().
    void resume();
    /// Thread-safe. The run ends before its next step (also when paused).
    void stop();

Q_SIGNALS:
    /// Loss points and finished epochs since the previous report; see TrainingProgress.
    void progress(const TrainingProgress &progress);
    /// The run is waiting; `step` steps are done.
    void paused(qint64 step);
    /// The run goes on from `step`.
    void resumed(qint64 step);
    /// A checkpoint was written.
    void checkpointSaved(const QString &path);
    /// Something went wrong that does not end the run (a checkpoint that could not be written).
    void warning(const QString &message);
    /// The run ended; emitted once per run().
    void finished(const TrainingResult &result);

private:
    using Clock = std::chrono::steady_clock;

    enum Control : int {
        StopBit = 1,
        PauseBit = 2,
    };

    /// setup() with a checked model, or without one and the sentence that says
    /// why the project is not (given in setup's order of refusals).
    bool setup(const CheckedModel *model, const QString &modelError, const TrainingSettings &settings,
               const Dataset &data, QString *error);
    void restorePosition(const Checkpoint &checkpoint);
    void train(TrainingResult &result);
    void clearGradients();
    void prepareEpoch(qint32 epoch);
    /// The output as the loss compares it with the targets (flattened after the batch).
    torch::Tensor comparable(const torch::Tensor &output) const;
    torch::Tensor lossOf(const torch::Tensor &output, const torch::Tensor &target) const;
    void checkShapes(const torch::Tensor &output, const torch::Tensor &target);
    /// Data parallel: averages the gradients and `loss` over the ranks; false
    /// when a rank asked to stop (every rank then stops at this step).
    bool shareGradients(float &loss);
    /// The validation loss, and the accuracy for class targets, into `point`.
    void validate(EpochPoint &point);
    Evaluation evaluateTest();
    double learningRate(qint32 epoch) const;
    /// At a step boundary with a control bit set: false to end the run.
    bool waitIfPaused(Clock::time_point &epochStart);
    void report(Clock::time_point now);
    void snapshotWeights();
    bool weightsFinite() const;
    void restoreSnapshot();
    bool keepsBestWeights() const;
    /// Copies the weights into m_best (or back from it).
    void keepBest();
    void restoreBest();
    /// At the end of an early-stopped or completed run: the best epoch's
    /// weights back into the model, and the sentence that says so.
    void endWithBestWeights(TrainingResult &result);
    /// "Stopped in epoch 3 after 1,200 step(s).": where a stopped run is.
    QString stoppedText() const;
    void failWith(TrainingResult &result, const QString &what);
    void failNonFinite(TrainingResult &result, const char *what, double value);
    void writeCheckpoint();
    Checkpoint makeCheckpoint(const torch::Tensor &rngState) const;

    ProjectData m_project;
    TrainingSettings m_settings;
    ComposedModule m_module{nullptr};
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::vector<torch::Tensor> m_params; ///< Those the optimizer updates.
    std::vector<torch::Tensor> m_snapshot; ///< Last known finite weights (all parameters).
    /// With early stopping and keep_best_weights: the parameters and buffers of
    /// the epoch of lowest validation loss in this run, and that epoch (-1: none yet).
    std::vector<torch::Tensor> m_best;
    qint32 m_bestEpoch = -1;
    std::vector<torch::Tensor> m_allParams;
    DistributedContext *m_distributed = nullptr;
    std::unique_ptr<GradientBuckets> m_buckets; ///< Set in a data-parallel run only.

    torch::Tensor m_trainX, m_trainY, m_valX, m_valY;
    torch::Tensor m_epochX, m_epochY; ///< The epoch's rows in shuffled order.
    Dataset m_test;
    std::vector<int64_t> m_inputView{-1}; ///< A batch of rows viewed as the input's shape: {-1, 1, 28, 28}.
    std::vector<torch::Tensor> m_batchX, m_batchY; ///< Views, one per batch.
    std::vector<qint64> m_batchRows;
    qint64 m_trainRows = 0;
    qint64 m_valRows = 0;
    qint64 m_batchesPerEpoch = 0;
    qint64 m_shardRows = 0;
    bool m_shapesChecked = false;

    qint32 m_epoch = 0;
    qint64 m_batchInEpoch = 0;
    qint64 m_step = 0;
    std::vector<LossPoint> m_losses;
    QVector<EpochPoint> m_epochs;
    double m_bestValLoss = 0;
    qint32 m_epochsWithoutImprovement = 0;
    torch::Tensor m_rngState;

    QString m_checkpointPath;
    qint64 m_stepLimit = 0;
    std::chrono::milliseconds m_progressInterval{33};
    Clock::time_point m_lastReport;
    Clock::time_point m_lastSnapshot;
    Clock::time_point m_lastCheckpoint;
    qint64 m_reportedLosses = 0;
    int m_reportedEpochs = 0;
    qint64 m_samplesSinceReport = 0;

    std::atomic<int> m_control{0};
    std::atomic<int> m_state{int(State::Idle)};
    std::atomic<qint64> m_stepsDone{0};
    QMutex m_mutex;
    QWaitCondition m_wake;
};

} // namespace mc
