#include "training/Trainer.h"

#include "analysis/Analysis.h"
#include "distributed/DistributedContext.h"
#include "distributed/GradientBuckets.h"
#include "build/ModelBuilder.h"
#include "data/RandomStreams.h"
#include "document/ProjectFile.h"
#include "training/Evaluator.h"
#include "training/Loss.h"

#include <QMutexLocker>
#include <QSet>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <map>
#include <mutex>
#include <new>
#include <sstream>

#ifdef __GLIBC__
#include <malloc.h> // mallopt
#endif

namespace mc {

namespace {

constexpr qint64 kValidationChunk = kEvaluationChunk;
constexpr size_t kMaxReservedSteps = size_t(1) << 20;
constexpr std::chrono::seconds kSnapshotInterval{1};
constexpr std::chrono::seconds kCheckpointInterval{1};
constexpr double kPi = 3.14159265358979323846;

double seconds(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

QString shape(const torch::Tensor &t)
{
    QStringList dims;
    for (int64_t d : t.sizes())
        dims.append(QString::number(d));
    return QStringLiteral("[%1]").arg(dims.join(QStringLiteral(", ")));
}

torch::Tensor defaultRngState()
{
    at::Generator g = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(g.mutex());
    return g.get_state();
}

void setDefaultRngState(const torch::Tensor &state)
{
    at::Generator g = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(state);
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainingSettings &s, const std::vector<torch::Tensor> &params)
{
    namespace optim = torch::optim;
    switch (s.optimizer) {
    case TrainingSettings::Optimizer::Adam:
        return std::make_unique<optim::Adam>(params, optim::AdamOptions(s.learningRate).weight_decay(s.weightDecay));
    case TrainingSettings::Optimizer::AdamW:
        return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(s.learningRate).weight_decay(s.weightDecay));
    case TrainingSettings::Optimizer::Sgd:
        return std::make_unique<optim::SGD>(params, optim::SGDOptions(s.learningRate)
                                                        .momentum(s.momentum)
                                                        .nesterov(s.nesterov)
                                                        .weight_decay(s.weightDecay));
    case TrainingSettings::Optimizer::RmsProp:
        return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(s.learningRate)
                                                            .momentum(s.momentum)
                                                            .weight_decay(s.weightDecay));
    }
    return nullptr;
}

} // namespace

// By default glibc gives the top of the heap back when a step's activations
// and gradients are freed, and takes it again in the next step: LeNet at batch 32 made 3,172 brk calls and
// 781 page faults a step in the trainer (docs/benchmarks.md), the kernel's
// page zeroing showing as system time. Tensors up to 64 MiB come from the
// heap, and up to 256 MiB of freed heap stays with the process. Once per
// process; other C libraries are left as they are.
void keepFreedMemory()
{
#ifdef __GLIBC__
    static const bool once = [] {
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        return true;
    }();
    (void)once;
#endif
}

Trainer::Trainer(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<TrainingResult>();
}

Trainer::~Trainer() = default;

bool Trainer::setup(const ProjectData &project, const TrainingSettings &settings, const Dataset &data, QString *error)
{
    try {
        const CheckedModel model = CheckedModel::check(project);
        return setup(&model, QString(), settings, data, error);
    } catch (const BuildError &e) {
        return setup(nullptr, QString::fromStdString(e.what()), settings, data, error);
    }
}

bool Trainer::setup(const CheckedModel &model, const TrainingSettings &settings, const Dataset &data, QString *error)
{
    return setup(&model, QString(), settings, data, error);
}

bool Trainer::setup(const CheckedModel *model, const QString &modelError, const TrainingSettings &settings,
                    const Dataset &data, QString *error)
{
    auto refuse = [&](const QString &message) {
        if (error)
            *error = message;
        if (state() != State::Running && state() != State::Paused)
            m_state.store(int(State::Idle));
        return false;
    };
    if (state() == State::Running || state() == State::Paused)
        return refuse(QStringLiteral("A run is in progress; stop it before setting up another."));
    m_state.store(int(State::Idle));
    m_test = Dataset(); // each run is given its own (setTestSet)
    if (const auto conflict = settings.conflict())
        return refuse(*conflict);

    if (!model)
        return refuse(modelError);
    if (const auto refusal = model->trainingRefusal())
        return refuse(*refusal);
    const TypeEval *root = &model->root();
    // The data holds each sample's values in a row; a batch is viewed as the
    // input's shape ([B, 1, 28, 28] from rows of 784) and the output is
    // compared with the targets flattened the same way.
    const mc::Shape inShape = root->inputs.first();
    const mc::Shape outShape = root->outputs.first();
    const qint64 outFeatures = outShape.elements().value_or(-1);
    if (data.isEmpty())
        return refuse(QStringLiteral("The data set is empty."));
    if (const auto mismatch = data.inputMismatch(inShape))
        return refuse(*mismatch);
    m_inputView = {-1};
    for (qint64 d : inShape.dims())
        m_inputView.push_back(d);
    if (settings.classTargets()) {
        if (data.targets().dim() != 1 || data.targets().scalar_type() != torch::kInt64)
            return refuse(QStringLiteral("%1 needs one class index per row as the target.")
                              .arg(TrainingSettings::lossName(settings.loss)));
    } else if (data.targets().dim() != 2 || data.targets().scalar_type() != torch::kFloat32 ||
               data.targets().size(1) != outFeatures) {
        return refuse(QStringLiteral("The data has %1 target value(s) per row; the model gives %2.")
                          .arg(data.targets().dim() == 2 ? data.targets().size(1) : 1).arg(outFeatures));
    }

    try {
        m_module = ModelBuilder::build(*model, settings.seed);
    } catch (const std::bad_alloc &) {
        return refuse(QStringLiteral("The model's weights do not fit in memory; make its layers smaller."));
    } catch (const c10::Error &e) {
        // LibTorch's allocator reports a failed allocation this way.
        return refuse(QStringLiteral("The model cannot be built: %1")
                          .arg(QString::fromStdString(e.what_without_backtrace())));
    }
    m_rngState = defaultRngState();
    m_project = model->project();
    m_settings = settings;

    m_params.clear();
    m_allParams = m_module->parameters();
    for (const torch::Tensor &p : m_allParams)
        if (p.requires_grad())
            m_params.push_back(p);
    if (m_params.empty())
        return refuse(QStringLiteral("Every parameter of the model is frozen; there is nothing to train."));
    const int world = m_distributed ? m_distributed->worldSize() : 1;
    const int rank = m_distributed ? m_distributed->rank() : 0;
    m_buckets.reset();
    if (m_distributed) {
        // Every rank starts from rank 0's weights; gradients travel in buckets
        // with two more values: the step's loss and a stop request.
        try {
            m_distributed->broadcastParameters(*m_module);
            m_buckets = std::make_unique<GradientBuckets>(m_params, GradientBuckets::kDefaultCapBytes, 2);
        } catch (const std::exception &e) {
            return refuse(QString::fromStdString(e.what()));
        }
    }

    // Validation rows: a seeded random subset when shuffling, the last rows otherwise.
    const qint64 rows = data.size();
    qint64 valRows = 0;
    if (settings.validationSplit > 0)
        valRows = std::max<qint64>(1, qint64(std::floor(double(rows) * settings.validationSplit)));
    if (rows - valRows < 1)
        return refuse(QStringLiteral("%1 row(s) leave nothing to train on after a validation split of %2.")
                          .arg(rows).arg(settings.validationSplit));
    torch::Tensor trainIndex, valIndex;
    if (settings.shuffle && valRows > 0) {
        at::Generator g = at::make_generator<at::CPUGeneratorImpl>(Dataset::streamSeed(settings.seed, streams::Split));
        const torch::Tensor perm = torch::randperm(rows, g, torch::kInt64);
        valIndex = std::get<0>(perm.narrow(0, 0, valRows).sort());
        trainIndex = std::get<0>(perm.narrow(0, valRows, rows - valRows).sort());
    } else {
        trainIndex = torch::arange(int64_t(rows - valRows), torch::kInt64);
        valIndex = torch::arange(int64_t(rows - valRows), int64_t(rows), torch::kInt64);
    }
    m_trainX = data.inputs().index_select(0, trainIndex);
    m_trainY = data.targets().index_select(0, trainIndex);
    m_valX = data.inputs().index_select(0, valIndex);
    m_valY = data.targets().index_select(0, valIndex);
    m_trainRows = rows - valRows;
    m_valRows = valRows;
    m_shardRows = m_trainRows;
    if (world > 1) {
        // Each rank validates its own rows (validate() sums over the ranks) and,
        // without shuffling, trains on the same rows every epoch.
        const torch::Tensor valShard = Dataset::shardIndices(torch::arange(int64_t(valRows), torch::kInt64), rank, world, false);
        m_valX = m_valX.index_select(0, valShard);
        m_valY = m_valY.index_select(0, valShard);
        m_shardRows = (m_trainRows + world - 1) / world;
        if (!settings.shuffle) {
            const torch::Tensor shard = Dataset::shardIndices(torch::arange(int64_t(m_trainRows), torch::kInt64), rank, world);
            m_trainX = m_trainX.index_select(0, shard);
            m_trainY = m_trainY.index_select(0, shard);
        }
    }

    // Batches are views, made once: into the epoch's shuffled copy, or into the rows in order.
    const qint64 batch = settings.batchSize;
    m_batchesPerEpoch = (m_shardRows + batch - 1) / batch;
    if (settings.limitTrainBatches > 0)
        m_batchesPerEpoch = std::min<qint64>(m_batchesPerEpoch, settings.limitTrainBatches);
    const qint64 usedRows = std::min(m_shardRows, m_batchesPerEpoch * batch);
    if (settings.shuffle) {
        m_epochX = torch::empty({usedRows, m_trainX.size(1)}, m_trainX.options());
        std::vector<int64_t> ySize = m_trainY.sizes().vec();
        ySize[0] = usedRows;
        m_epochY = torch::empty(ySize, m_trainY.options());
    } else {
        m_epochX = m_trainX;
        m_epochY = m_trainY;
    }
    m_batchX.clear();
    m_batchY.clear();
    m_batchRows.clear();
    for (qint64 b = 0; b < m_batchesPerEpoch; ++b) {
        const qint64 start = b * batch;
        const qint64 length = std::min(batch, usedRows - start);
        m_batchX.push_back(m_epochX.narrow(0, start, length).view(m_inputView));
        m_batchY.push_back(m_epochY.narrow(0, start, length));
        m_batchRows.push_back(length * world); // samples of the step over all ranks
    }

    try {
        m_optimizer = makeOptimizer(settings, m_params);
    } catch (const c10::Error &e) {
        return refuse(QStringLiteral("The optimizer cannot be created: %1")
                          .arg(QString::fromStdString(e.what_without_backtrace())));
    }

    m_epoch = 0;
    m_batchInEpoch = 0;
    m_step = 0;
    m_losses.clear();
    m_losses.reserve(std::min(kMaxReservedSteps, size_t(settings.epochs) * size_t(m_batchesPerEpoch)));
    m_epochs.clear();
    m_bestValLoss = std::numeric_limits<double>::infinity();
    m_epochsWithoutImprovement = 0;
    m_best.clear();
    m_bestEpoch = -1;
    m_shapesChecked = false;
    m_reportedLosses = 0;
    m_reportedEpochs = 0;
    m_snapshot.clear();
    {
        torch::NoGradGuard noGrad;
        for (const torch::Tensor &p : m_allParams)
            m_snapshot.push_back(p.detach().clone());
    }
    m_control.store(0);
    m_stepsDone.store(0);
    m_state.store(int(State::Ready));
    return true;
}

bool Trainer::restore(const Checkpoint &checkpoint, QString *error)
{
    auto refuse = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (state() != State::Ready)
        return refuse(QStringLiteral("Set the trainer up with the checkpoint's project before restoring it."));
    if (const auto why = checkpoint.mismatch(*m_module))
        return refuse(*why);
    if (checkpoint.losses.size() != size_t(checkpoint.step))
        return refuse(QStringLiteral("The checkpoint is damaged: its loss history does not match its step count."));
    try {
        checkpoint.loadWeights(*m_module);
        torch::serialize::InputArchive archive;
        std::istringstream stream(checkpoint.optimizerState.toStdString());
        archive.load_from(stream);
        m_optimizer->load(archive);
        if (m_distributed)
            m_distributed->broadcastParameters(*m_module);
    } catch (const DistributedError &e) {
        m_state.store(int(State::Idle));
        return refuse(e.message());
    } catch (const CheckpointError &e) {
        m_state.store(int(State::Idle));
        return refuse(e.message());
    } catch (const std::exception &e) {
        m_state.store(int(State::Idle));
        return refuse(QStringLiteral("The checkpoint's optimizer state does not fit the %1 optimizer of these "
                                     "settings (%2).")
                          .arg(TrainingSettings::optimizerName(m_settings.optimizer),
                               QString::fromStdString(e.what()).section(QLatin1Char('\n'), 0, 0)));
    }
    restorePosition(checkpoint);
    return true;
}

void Trainer::restorePosition(const Checkpoint &checkpoint)
{
    m_epoch = checkpoint.epoch;
    m_batchInEpoch = checkpoint.batchInEpoch;
    m_step = checkpoint.step;
    m_losses = checkpoint.losses;
    m_losses.reserve(std::min(kMaxReservedSteps,
                              size_t(m_step) + size_t(m_settings.epochs) * size_t(m_batchesPerEpoch)));
    m_epochs = checkpoint.epochs;
    m_bestValLoss = checkpoint.bestValLoss;
    m_epochsWithoutImprovement = checkpoint.epochsWithoutImprovement;
    // A checkpoint holds the weights of its own step only: the best epoch
    // before it is known by its loss, and a better one after it is kept.
    m_best.clear();
    m_bestEpoch = -1;
    if (checkpoint.rngState.defined() && checkpoint.rngState.numel() > 0)
        m_rngState = checkpoint.rngState.clone();
    snapshotWeights();
    m_stepsDone.store(m_step);
}

bool Trainer::restoreEdited(const Checkpoint &checkpoint, WeightCarryOver *carried, QString *error)
{
    auto refuse = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (state() != State::Ready)
        return refuse(QStringLiteral("Set the trainer up with the edited project before restoring the checkpoint."));
    if (checkpoint.losses.size() != size_t(checkpoint.step))
        return refuse(QStringLiteral("The checkpoint is damaged: its loss history does not match its step count."));
    WeightCarryOver report;
    try {
        report = checkpoint.carryWeightsInto(*m_module, m_project);
    } catch (const std::exception &e) {
        m_state.store(int(State::Idle));
        return refuse(QString::fromStdString(e.what()));
    }

    // The optimizer's state, for the parameters whose weights were carried:
    // load it into an optimizer over the checkpoint's own model (whose
    // parameter order it follows), then move each carried parameter's state
    // across by name.
    const QSet<QString> keptInstances(report.kept.begin(), report.kept.end());
    auto instanceOf = [](const std::string &name) {
        const QString n = QString::fromStdString(name);
        return n.left(std::max<qsizetype>(0, n.lastIndexOf(QLatin1Char('.'))));
    };
    auto key = [](const torch::Tensor &t) { return c10::guts::to_string(t.unsafeGetTensorImpl()); };
    if (checkpoint.settings.optimizer != m_settings.optimizer) {
        report.optimizerKept = false;
        report.optimizerNote = QStringLiteral("The optimizer changed from %1 to %2, so its state starts afresh.")
                                   .arg(TrainingSettings::optimizerName(checkpoint.settings.optimizer),
                                        TrainingSettings::optimizerName(m_settings.optimizer));
    } else {
        try {
            const ProjectData oldProject = ProjectFile::fromJson(checkpoint.project);
            const ComposedModule old = ModelBuilder::build(oldProject, checkpoint.settings.seed);
            std::vector<torch::Tensor> oldParams;
            std::map<std::string, torch::Tensor> oldByName;
            for (const auto &p : old->named_parameters())
                if (p.value().requires_grad()) {
                    oldParams.push_back(p.value());
                    oldByName.emplace(p.key(), p.value());
                }
            const auto oldOptimizer = makeOptimizer(checkpoint.settings, oldParams);
            torch::serialize::InputArchive archive;
            std::istringstream stream(checkpoint.optimizerState.toStdString());
            archive.load_from(stream);
            oldOptimizer->load(archive);
            auto &oldState = oldOptimizer->state();
            auto &newState = m_optimizer->state();
            for (const auto &p : m_module->named_parameters()) {
                if (!p.value().requires_grad() || !keptInstances.contains(instanceOf(p.key())))
                    continue;
                const auto from = oldByName.find(p.key());
                if (from == oldByName.end())
                    continue; // frozen before: no state to keep
                const auto state = oldState.find(key(from->second));
                if (state != oldState.end())
                    newState[key(p.value())] = state->second->clone();
            }
        } catch (const std::exception &e) {
            m_optimizer->state().clear();
            report.optimizerKept = false;
            report.optimizerNote = QStringLiteral("The optimizer's saved state could not be read (%1), so it starts "
                                                  "afresh.")
                                       .arg(QString::fromStdString(e.what()).section(QLatin1Char('\n'), 0, 0));
        }
    }
    if (m_distributed) {
        try {
            m_distributed->broadcastParameters(*m_module);
        } catch (const DistributedError &e) {
            m_state.store(int(State::Idle));
            return refuse(e.message());
        }
    }
    restorePosition(checkpoint);
    if (carried)
        *carried = report;
    return true;
}

qint64 Trainer::optimizedParameterCount() const
{
    qint64 n = 0;
    if (!m_optimizer)
        return 0;
    for (const auto &group : m_optimizer->param_groups())
        for (const auto &p : group.params())
            n += p.numel();
    return n;
}

Checkpoint Trainer::checkpoint() const
{
    return makeCheckpoint(m_rngState);
}

Checkpoint Trainer::makeCheckpoint(const torch::Tensor &rngState) const
{
    Checkpoint c;
    c.project = ProjectFile::toJson(m_project);
    c.settings = m_settings;
    if (m_module)
        c.tensors = Checkpoint::namedTensors(*m_module, true);
    if (m_optimizer) {
        torch::serialize::OutputArchive archive;
        m_optimizer->save(archive);
        std::ostringstream stream;
        archive.save_to(stream);
        c.optimizerState = QByteArray::fromStdString(stream.str());
    }
    c.rngState = rngState.defined() ? rngState.clone() : torch::Tensor();
    c.epoch = m_epoch;
    c.batchInEpoch = m_batchInEpoch;
    c.step = m_step;
    c.losses = m_losses;
    c.epochs = m_epochs;
    c.bestValLoss = m_bestValLoss;
    c.epochsWithoutImprovement = m_epochsWithoutImprovement;
    return c;
}

void Trainer::pause()
{
    QMutexLocker lock(&m_mutex);
    m_control.fetch_or(PauseBit);
}

void Trainer::resume()
{
    QMutexLocker lock(&m_mutex);
    m_control.fetch_and(~int(PauseBit));
    m_wake.wakeAll();
}

void Trainer::stop()
{
    QMutexLocker lock(&m_mutex);
    m_control.fetch_or(StopBit);
    m_wake.wakeAll();
}

void Trainer::run()
{
    TrainingResult result;
    if (state() != State::Ready) {
        result.outcome = TrainingResult::Outcome::Failed;
        result.message = QStringLiteral("The trainer is not set up for a run.");
        Q_EMIT finished(result);
        return;
    }
    m_state.store(int(State::Running));
    const Clock::time_point start = Clock::now();
    m_lastReport = start;
    m_lastSnapshot = start;
    m_lastCheckpoint = start;
    m_samplesSinceReport = 0;

    keepFreedMemory();
    try {
        torch::AutoGradMode gradients(true); // whatever the calling thread set
        setDefaultRngState(m_rngState);
        if (m_settings.threads > 0)
            torch::set_num_threads(m_settings.threads);
        m_module->train();
        train(result);
        endWithBestWeights(result);
    } catch (const c10::Error &e) {
        failWith(result, QString::fromStdString(e.what_without_backtrace()));
    } catch (const std::bad_alloc &) {
        failWith(result, QStringLiteral("out of memory; try a smaller batch size or a smaller model."));
    } catch (const std::exception &e) {
        failWith(result, QString::fromStdString(e.what()));
    } catch (...) {
        failWith(result, QStringLiteral("an unknown error."));
    }

    try {
        m_rngState = defaultRngState();
        result.epochs = m_epoch;
        result.steps = m_step;
        result.seconds = seconds(Clock::now() - start);
        if (!m_epochs.isEmpty()) {
            result.lastTrainLoss = m_epochs.last().trainLoss;
            result.lastValLoss = m_epochs.last().valLoss;
        }
        if (result.ok())
            result.evaluation = evaluateTest();
        report(Clock::now());
        if (result.ok() && !m_checkpointPath.isEmpty())
            writeCheckpoint();
    } catch (const std::exception &e) {
        Q_EMIT warning(QString::fromStdString(e.what()));
    } catch (...) {
        Q_EMIT warning(QStringLiteral("An unknown error while ending the run."));
    }
    m_state.store(int(State::Finished));
    Q_EMIT finished(result);
}

void Trainer::train(TrainingResult &result)
{
    const TrainingSettings &s = m_settings;
    const double clip = s.gradientClipNorm;
    bool snapshotDue = false;
    while (m_epoch < s.epochs) {
        Clock::time_point epochStart = Clock::now();
        const double lr = learningRate(m_epoch);
        for (auto &group : m_optimizer->param_groups())
            group.options().set_lr(lr);
        if (s.shuffle)
            prepareEpoch(m_epoch);
        const qint64 firstStep = m_step - m_batchInEpoch;
        qint64 samples = 0;

        // The hot loop: a hand-written LibTorch loop plus a few loads and compares.
        for (; m_batchInEpoch < m_batchesPerEpoch; ++m_batchInEpoch) {
            if (m_control.load(std::memory_order_relaxed) != 0 || (m_stepLimit > 0 && m_step >= m_stepLimit)) {
                if (!waitIfPaused(epochStart)) {
                    result.outcome = TrainingResult::Outcome::Stopped;
                    result.message = stoppedText();
                    return;
                }
            }
            const size_t b = size_t(m_batchInEpoch);
            const torch::Tensor &x = m_batchX[b];
            const torch::Tensor &y = m_batchY[b];
            clearGradients();
            const torch::Tensor output = comparable(m_module->forward(x));
            if (!m_shapesChecked)
                checkShapes(output, y);
            const torch::Tensor loss = lossOf(output, y);
            loss.backward();
            float value = *loss.data_ptr<float>();
            if (m_buckets && !shareGradients(value)) {
                result.outcome = TrainingResult::Outcome::Stopped;
                result.message = stoppedText();
                return;
            }
            if (!std::isfinite(value))
                return failNonFinite(result, "loss", value);
            if (snapshotDue) {
                snapshotWeights(); // these weights gave a finite loss
                snapshotDue = false;
            }
            if (clip > 0) {
                const double norm = torch::nn::utils::clip_grad_norm_(m_params, clip);
                if (!std::isfinite(norm))
                    return failNonFinite(result, "gradient norm", norm);
            }
            m_optimizer->step();
            m_losses.push_back(LossPoint{m_step, m_epoch, value});
            ++m_step;
            m_stepsDone.store(m_step, std::memory_order_relaxed);
            samples += m_batchRows[b];
            m_samplesSinceReport += m_batchRows[b];
            const Clock::time_point now = Clock::now();
            if (now - m_lastReport >= m_progressInterval)
                report(now);
            if (now - m_lastSnapshot >= kSnapshotInterval) {
                snapshotDue = true;
                m_lastSnapshot = now;
            }
        }

        const Clock::time_point trainEnd = Clock::now();
        EpochPoint point;
        point.epoch = m_epoch;
        point.endStep = m_step;
        double sum = 0;
        for (qint64 k = firstStep; k < m_step; ++k)
            sum += m_losses[size_t(k)].loss;
        point.trainLoss = m_step > firstStep ? sum / double(m_step - firstStep) : 0.0;
        const double trainSeconds = seconds(trainEnd - epochStart);
        point.samplesPerSecond = trainSeconds > 0 ? double(samples) / trainSeconds : 0.0;
        point.learningRate = lr;
        if (m_valRows > 0)
            validate(point);
        if (s.data.test.eachEpoch) {
            const Evaluation test = evaluateTest();
            point.testLoss = test.loss;
            point.testAccuracy = test.accuracy;
        }
        const Clock::time_point end = Clock::now();
        point.seconds = seconds(end - epochStart);
        m_epochs.append(point);
        ++m_epoch;
        m_batchInEpoch = 0;

        if (m_valRows > 0) {
            if (point.valLoss < m_bestValLoss) {
                m_bestValLoss = point.valLoss;
                m_epochsWithoutImprovement = 0;
                if (keepsBestWeights()) {
                    keepBest();
                    m_bestEpoch = point.epoch;
                }
            } else if (++m_epochsWithoutImprovement >= s.earlyStoppingPatience && s.earlyStoppingPatience > 0) {
                result.outcome = TrainingResult::Outcome::EarlyStopped;
                result.message = QStringLiteral("Stopped early after epoch %1: the validation loss has not improved "
                                                "for %2 epoch(s) (best %3).")
                                     .arg(point.epoch + 1).arg(m_epochsWithoutImprovement).arg(m_bestValLoss);
                return;
            }
        }
        if (!m_checkpointPath.isEmpty() && m_epoch < s.epochs && end - m_lastCheckpoint >= kCheckpointInterval) {
            writeCheckpoint();
            m_lastCheckpoint = Clock::now();
        }
    }
    result.outcome = TrainingResult::Outcome::Completed;
}

void Trainer::clearGradients()
{
    if (m_buckets) {
        // Distributed: the gradients are views into the buckets; zero them in place.
        m_optimizer->zero_grad();
        return;
    }
    // Drop the gradients rather than zero them (PyTorch 2's zero_grad(set_to_none=True)):
    // backward then hands each parameter its fresh gradient instead of adding it to
    // zeros, which saves a memset and an add over every weight per step. Adam and
    // clipping skip a parameter without a gradient, as they skip one that no path reaches.
    for (torch::Tensor &p : m_params)
        p.mutable_grad().reset();
}

void Trainer::prepareEpoch(qint32 epoch)
{
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(
        Dataset::streamSeed(m_settings.seed, streams::EpochBase + uint64_t(epoch)));
    torch::Tensor perm = torch::randperm(m_trainRows, g, torch::kInt64);
    if (m_distributed)
        perm = Dataset::shardIndices(perm, m_distributed->rank(), m_distributed->worldSize());
    if (perm.size(0) > m_epochX.size(0))
        perm = perm.narrow(0, 0, m_epochX.size(0));
    torch::index_select_out(m_epochX, m_trainX, 0, perm);
    torch::index_select_out(m_epochY, m_trainY, 0, perm);
}

torch::Tensor Trainer::comparable(const torch::Tensor &output) const
{
    return comparableOutput(output, m_settings.loss);
}

torch::Tensor Trainer::lossOf(const torch::Tensor &output, const torch::Tensor &target) const
{
    return lossValue(m_settings.loss, output, target);
}

void Trainer::checkShapes(const torch::Tensor &output, const torch::Tensor &target)
{
    if (output.scalar_type() != torch::kFloat32)
        throw std::runtime_error("The model's output is not a float32 tensor.");
    if (m_settings.classTargets()) {
        if (output.dim() != 2)
            throw std::runtime_error(QStringLiteral("%1 needs the model to give one score per class, a [batch, classes] "
                                                    "tensor; it gives %2.")
                                         .arg(TrainingSettings::lossName(m_settings.loss), shape(output))
                                         .toStdString());
    } else if (output.sizes() != target.sizes()) {
        throw std::runtime_error(QStringLiteral("The model gives %1 for a batch but the targets are %2.")
                                     .arg(shape(output), shape(target))
                                     .toStdString());
    }
    m_shapesChecked = true;
}

bool Trainer::shareGradients(float &loss)
{
    float *extras = m_buckets->extras();
    extras[0] = loss;
    extras[1] = (m_control.load(std::memory_order_relaxed) & StopBit) ? 1.0f : 0.0f;
    m_buckets->gather();
    m_distributed->allReduceGradients(*m_buckets); // the mean over the ranks
    loss = extras[0];
    return extras[1] == 0.0f;
}

void Trainer::validate(EpochPoint &point)
{
    torch::NoGradGuard noGrad;
    if (m_distributed)
        m_distributed->broadcastBuffers(*m_module); // evaluate rank 0's running statistics
    m_module->eval();
    double sum = 0;
    double right = 0; // rows whose highest score is their class
    const bool classes = m_settings.classTargets();
    const qint64 rows = m_valX.size(0); // this rank's share in a data-parallel run
    for (qint64 start = 0; start < rows; start += kValidationChunk) {
        const qint64 length = std::min(kValidationChunk, rows - start);
        const torch::Tensor output = comparable(m_module->forward(m_valX.narrow(0, start, length).view(m_inputView)));
        const torch::Tensor target = m_valY.narrow(0, start, length);
        sum += lossOf(output, target).item<double>() * double(length);
        if (classes)
            right += double(output.argmax(1).eq(target).sum().item<int64_t>());
    }
    m_module->train();
    if (m_distributed) {
        torch::Tensor total = torch::tensor({sum, right}, torch::kFloat64);
        m_distributed->allReduceSum(total);
        sum = total[0].item<double>();
        right = total[1].item<double>();
    }
    point.valLoss = sum / double(m_valRows);
    if (classes)
        point.valAccuracy = right / double(m_valRows);
}

Evaluation Trainer::evaluateTest()
{
    if (m_test.isEmpty() || (m_distributed && m_distributed->rank() != 0))
        return Evaluation();
    return evaluate(m_module, m_test, m_settings,
                    std::vector<int64_t>(m_inputView.begin() + 1, m_inputView.end()));
}

double Trainer::learningRate(qint32 epoch) const
{
    const ScheduleSettings &s = m_settings.schedule;
    switch (s.kind) {
    case ScheduleSettings::Kind::None:
        break;
    case ScheduleSettings::Kind::Step:
        return m_settings.learningRate * std::pow(s.gamma, double(epoch / s.stepSize));
    case ScheduleSettings::Kind::Cosine:
        return m_settings.learningRate * 0.5 * (1.0 + std::cos(kPi * double(epoch) / double(m_settings.epochs)));
    }
    return m_settings.learningRate;
}

bool Trainer::waitIfPaused(Clock::time_point &epochStart)
{
    if (m_stepLimit > 0 && m_step >= m_stepLimit)
        return false;
    if (m_buckets)
        return true; // a stop travels with the gradients, so that every rank stops after the same step
    if (m_control.load() & StopBit)
        return false;
    if (!(m_control.load() & PauseBit))
        return true;
    const Clock::time_point pauseStart = Clock::now();
    report(pauseStart);
    m_state.store(int(State::Paused));
    Q_EMIT paused(m_step);
    {
        QMutexLocker lock(&m_mutex);
        while ((m_control.load() & (PauseBit | StopBit)) == PauseBit)
            m_wake.wait(&m_mutex);
    }
    m_state.store(int(State::Running));
    if (m_control.load() & StopBit)
        return false;
    const Clock::time_point now = Clock::now();
    epochStart += now - pauseStart; // samples per second count working time only
    m_lastReport = now;
    m_samplesSinceReport = 0;
    Q_EMIT resumed(m_step);
    return true;
}

void Trainer::report(Clock::time_point now)
{
    TrainingProgress p;
    p.losses = QVector<LossPoint>(m_losses.begin() + m_reportedLosses, m_losses.end());
    p.epochs = m_epochs.mid(m_reportedEpochs);
    p.epoch = m_epoch;
    p.step = m_step;
    p.totalSteps = qint64(m_settings.epochs) * m_batchesPerEpoch;
    if (m_stepLimit > 0)
        p.totalSteps = std::min(p.totalSteps, m_stepLimit);
    const double elapsed = seconds(now - m_lastReport);
    p.samplesPerSecond = elapsed > 0 ? double(m_samplesSinceReport) / elapsed : 0.0;
    m_reportedLosses = qint64(m_losses.size());
    m_reportedEpochs = int(m_epochs.size());
    m_samplesSinceReport = 0;
    m_lastReport = now;
    Q_EMIT progress(p);
}

void Trainer::snapshotWeights()
{
    torch::NoGradGuard noGrad;
    for (size_t k = 0; k < m_allParams.size(); ++k)
        m_snapshot[k].copy_(m_allParams[k]);
}

bool Trainer::weightsFinite() const
{
    torch::NoGradGuard noGrad;
    for (const torch::Tensor &p : m_allParams)
        if (!torch::isfinite(p).all().item<bool>())
            return false;
    return true;
}

void Trainer::restoreSnapshot()
{
    torch::NoGradGuard noGrad;
    for (size_t k = 0; k < m_allParams.size(); ++k)
        m_allParams[k].copy_(m_snapshot[k]);
}

bool Trainer::keepsBestWeights() const
{
    return m_settings.keepBestWeights && m_settings.earlyStoppingPatience > 0 && m_valRows > 0;
}

void Trainer::keepBest()
{
    torch::NoGradGuard noGrad;
    size_t k = 0;
    auto keep = [&](const torch::Tensor &t) {
        if (k == m_best.size())
            m_best.push_back(t.detach().clone());
        else
            m_best[k].copy_(t);
        ++k;
    };
    for (const torch::Tensor &p : m_allParams)
        keep(p);
    for (const torch::Tensor &b : m_module->buffers())
        keep(b);
}

void Trainer::restoreBest()
{
    torch::NoGradGuard noGrad;
    size_t k = 0;
    for (torch::Tensor &p : m_allParams)
        p.copy_(m_best[k++]);
    for (torch::Tensor b : m_module->buffers())
        b.copy_(m_best[k++]);
}

void Trainer::endWithBestWeights(TrainingResult &result)
{
    if (!keepsBestWeights() || m_epochs.isEmpty() ||
        (result.outcome != TrainingResult::Outcome::Completed && result.outcome != TrainingResult::Outcome::EarlyStopped))
        return;
    QString kept;
    if (m_bestEpoch < 0) {
        kept = QStringLiteral("Kept the last epoch's weights: the lowest validation loss (%1) came before the run "
                              "resumed, and its weights are not in the checkpoint.")
                   .arg(m_bestValLoss);
    } else {
        if (m_bestEpoch != m_epochs.last().epoch)
            restoreBest();
        result.keptEpoch = m_bestEpoch;
        result.keptValLoss = m_bestValLoss;
        kept = result.keptText();
    }
    result.message = result.message.isEmpty() ? kept : result.message + QLatin1Char(' ') + kept;
}

QString Trainer::stoppedText() const
{
    // Epochs and steps as people count them: the first epoch is 1, and the
    // steps are those taken.
    return QStringLiteral("Stopped in epoch %1 after %2 step(s).").arg(m_epoch + 1).arg(m_step);
}

void Trainer::failWith(TrainingResult &result, const QString &what)
{
    result.outcome = TrainingResult::Outcome::Failed;
    result.message = QStringLiteral("Training failed in epoch %1 at step %2: %3").arg(m_epoch + 1).arg(m_step + 1).arg(what);
    // An error inside an optimizer step may leave some weights updated and
    // others not; non-finite ones go back to the last snapshot.
    try {
        if (!weightsFinite())
            restoreSnapshot();
    } catch (const std::exception &) {
    }
}

void Trainer::failNonFinite(TrainingResult &result, const char *what, double value)
{
    const bool restored = !weightsFinite();
    if (restored)
        restoreSnapshot();
    result.outcome = TrainingResult::Outcome::Failed;
    result.message = QStringLiteral("The %1 became %2 at epoch %3, step %4; training stopped and %5. "
                                    "Try a lower learning rate or gradient clipping, or check the data.")
                         .arg(QLatin1String(what), std::isnan(value) ? QStringLiteral("NaN") : QStringLiteral("infinite"))
                         .arg(m_epoch)
                         .arg(m_step)
                         .arg(restored ? QStringLiteral("restored the last weights that gave a finite loss")
                                       : QStringLiteral("kept the weights from before that step"));
}

void Trainer::writeCheckpoint()
{
    if (m_distributed && !m_distributed->isMain())
        return; // rank 0 alone writes
    QString error;
    if (makeCheckpoint(defaultRngState()).save(m_checkpointPath, &error))
        Q_EMIT checkpointSaved(m_checkpointPath);
    else
        Q_EMIT warning(error);
}

} // namespace mc
