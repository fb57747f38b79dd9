#pragma once

#include "training/TrainingProgress.h"
#include "training/TrainingSettings.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <torch/torch.h>

#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mc {

/// A checkpoint that cannot be used, with a sentence saying why.
class CheckpointError : public std::runtime_error
{
public:
    explicit CheckpointError(const QString &message)
        : std::runtime_error(message.toStdString())
    {}
    QString message() const { return QString::fromStdString(what()); }
};

struct ProjectData;

/// What carrying a checkpoint's weights over to the model of an edited project
/// did, by instance: a module path as the summary names it (`encoder.fc`,
/// `nested_model.blocks.0.fc`), the module that holds the parameters.
struct WeightCarryOver
{
    enum class Why {
        SizesChanged, ///< The instance is still there but its weights have other shapes.
        NewInstance,  ///< The checkpoint has no weights for it.
    };
    struct Reset
    {
        QString instance;
        Why why = Why::SizesChanged;
        QString detail; ///< For SizesChanged: `8→16 inputs`, or the shapes that changed.
    };
    QStringList kept;     ///< Instances that have their trained weights (every tensor copied).
    QVector<Reset> reset; ///< Instances that have fresh weights.
    QStringList removed;  ///< Instances of the checkpoint that the edited model no longer has.
    /// Set by Trainer::restoreEdited(): whether the optimizer kept its state
    /// for the carried parameters, and the sentence saying why not.
    bool optimizerKept = true;
    QString optimizerNote;

    /// Nothing was reset or removed.
    bool complete() const { return reset.isEmpty() && removed.isEmpty(); }
    /// One sentence: "Kept trained weights for 4 instances; reset encoder.fc
    /// (its sizes changed: 8→16 inputs)."
    QString message() const;
};

/// Everything needed to continue a training run exactly where it stopped: the
/// project, the settings, the weights (parameters and buffers by name), the
/// optimizer state, the random state, where the run is, and its loss history.
///
/// On disk it is one LibTorch pickle archive (a zip, as torch.save writes)
/// holding a dictionary; see docs/training.md. Trainer::checkpoint() makes one
/// and Trainer::restore() continues from one.
struct Checkpoint
{
    /// The format name stored in the file.
    static constexpr const char *kFormat = "modelcomposer-checkpoint";
    /// The format version this build writes and the newest it reads.
    static constexpr int kVersion = 1;

    QJsonObject project;       ///< The project (ProjectFile::toJson) the run trained.
    TrainingSettings settings; ///< The settings of the run.
    /// Parameters then buffers, by dotted name (`encoder.fc.weight`), each once.
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    QByteArray optimizerState; ///< torch::optim::Optimizer::save, as bytes.
    torch::Tensor rngState;    ///< LibTorch's default CPU generator (dropout draws from it).
    qint32 epoch = 0;          ///< The epoch in progress, or the next one to run (from 0).
    qint64 batchInEpoch = 0;   ///< Batches of `epoch` already done.
    qint64 step = 0;           ///< Optimizer steps done in total.
    std::vector<LossPoint> losses; ///< One per step, in order: losses[k].step == k.
    QVector<EpochPoint> epochs;    ///< One per finished epoch.
    double bestValLoss = std::numeric_limits<double>::infinity(); ///< For early stopping.
    qint32 epochsWithoutImprovement = 0;

    /// Serializes the checkpoint. Throws CheckpointError if LibTorch cannot.
    QByteArray toBytes() const;
    /// Reads a checkpoint; throws CheckpointError with a sentence naming
    /// `source` when the bytes are truncated, damaged or not a checkpoint.
    static Checkpoint fromBytes(const QByteArray &bytes, const QString &source = QStringLiteral("the checkpoint"));

    /// Writes atomically (a temporary file renamed over `path`): on failure the
    /// previous file is intact. Creates the folder if needed.
    bool save(const QString &path, QString *error) const;
    /// Reads a file; throws CheckpointError naming the file.
    static Checkpoint load(const QString &path);

    /// Why the weights do not fit `module` (a name missing on either side or a
    /// different shape), as a sentence; nullopt when every parameter and buffer
    /// has its counterpart with the same shape.
    std::optional<QString> mismatch(const torch::nn::Module &module) const;
    /// Copies the weights into `module`; call mismatch() first. Throws CheckpointError.
    void loadWeights(torch::nn::Module &module) const;
    /// Copies into `module` (freshly built for `edited`, an edited version of
    /// this checkpoint's project) the weights of every instance whose
    /// parameters and buffers all have a counterpart of the same name and
    /// shape; the other instances keep the module's fresh weights. Says which
    /// instances were kept, reset (and why) or removed.
    WeightCarryOver carryWeightsInto(torch::nn::Module &module, const ProjectData &edited) const;
    /// The parameters and buffers of a module by name, each once (copies when `clone`).
    static std::vector<std::pair<std::string, torch::Tensor>> namedTensors(const torch::nn::Module &module,
                                                                           bool clone);
};

} // namespace mc
