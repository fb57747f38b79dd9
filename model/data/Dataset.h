#pragma once

#include "analysis/CheckedModel.h"
#include "data/CsvReader.h"
#include "document/GraphTypes.h"
#include "training/TrainingSettings.h"

#include <QString>
#include <QStringList>

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace mc {

/// A training data set held in memory: one row per sample. Inputs are float32
/// [rows, input features]; targets are float32 [rows, output features], or
/// int64 class indices [rows] for cross entropy and NLL.
class Dataset
{
public:
    Dataset() = default;
    /// Wraps tensors made elsewhere (tests, the window). Inputs must be 2-D
    /// float32 and targets must have as many rows.
    Dataset(torch::Tensor inputs, torch::Tensor targets, QString description = QString());

    /// Makes the data set the settings ask for, sized for a model with
    /// `inputFeatures` inputs and `outputFeatures` outputs. Generated sets are
    /// drawn from a generator seeded with settings.seed (the same seed gives the
    /// same rows) and never touch LibTorch's global generator. A CSV path is
    /// taken relative to `baseDir`. Throws DataError.
    /// `inputShape` is the root's input shape without the batch; image folders
    /// need it (their images are scaled to it).
    static Dataset create(const TrainingSettings &settings, int inputFeatures, int outputFeatures,
                          const QString &baseDir = QString(), const mc::Shape &inputShape = mc::Shape());
    /// The same, with the sizes of the model's root (one input and one output
    /// with known shapes). Throws DataError.
    static Dataset forModel(const CheckedModel &model, const TrainingSettings &settings,
                            const QString &baseDir = QString());
    /// The same for a project that may not be buildable yet (the window's CSV
    /// import): only its root's input and output shapes are needed.
    static Dataset forProject(const ProjectData &project, const TrainingSettings &settings,
                              const QString &baseDir = QString());

    /// The article's data: randn inputs, randint 0/1 float targets (random class
    /// indices below outputFeatures for class targets).
    static Dataset randomBinary(int64_t samples, int inputFeatures, int outputFeatures, bool classTargets,
                                uint64_t seed);
    /// randn inputs and randn targets (random class indices for class targets).
    static Dataset randomNormal(int64_t samples, int inputFeatures, int outputFeatures, bool classTargets,
                                uint64_t seed);
    /// Gaussian blobs around random centres, one per class: outputFeatures
    /// classes (two when there is one output). Targets are class indices for
    /// class targets, 0/1 for one output, one-hot rows otherwise.
    static Dataset blobs(int64_t samples, int inputFeatures, int outputFeatures, bool classTargets, uint64_t seed);
    /// Targets from a fixed random teacher network (inputs -> 32 tanh units ->
    /// outputs): its outputs for regression losses, 0/1 by their sign for the
    /// BCE losses, their argmax for class targets.
    static Dataset teacher(int64_t samples, int inputFeatures, int outputFeatures, TrainingSettings::Loss loss,
                           uint64_t seed);
    /// Smooth random signals in 0..1 whose target is the input itself (an
    /// autoencoder's task); output and input must hold as many values.
    static Dataset reconstruction(int64_t samples, int inputFeatures, int outputFeatures, uint64_t seed);
    /// Columns of a CSV file chosen by name; empty `inputs` means the first
    /// inputFeatures columns that are not targets, empty `targets` the last
    /// columns (outputFeatures of them, or one for class targets) that are not
    /// inputs. Throws DataError.
    static Dataset csv(const QString &path, const QStringList &inputs, const QStringList &targets,
                       int inputFeatures, int outputFeatures, bool classTargets);

    /// Images and labels in the IDX format (data/IdxFile): images [N, rows,
    /// cols] (or [N, rows, cols, channels]) of bytes become float rows in
    /// 0..1, labels [N] class indices; `classNames` name the classes (empty:
    /// their numbers). The model's input must take rows·cols(·channels)
    /// values, its output give a score per class, and the loss take class
    /// targets. Throws DataError.
    static Dataset idx(const QString &imagesPath, const QString &labelsPath, int inputFeatures, int outputFeatures,
                       bool classTargets, const QStringList &classNames = {});
    /// A folder of one sub-folder of PNG or JPEG images per class
    /// (data/ImageFolder), each image scaled to `inputShape` ([C, H, W] with
    /// C 1 or 3, or [H, W] for grey) as float rows in 0..1, the class names the
    /// folders'. With `classNames` (a test folder) the labels follow them.
    /// The model's output must give a score per class, and the loss take class
    /// targets. Throws DataError.
    static Dataset imageFolder(const QString &folder, const mc::Shape &inputShape, int outputFeatures,
                               bool classTargets, const QStringList &classNames = {});
    /// Fashion-MNIST's 60,000 training images (`t10k` files: its 10,000 test
    /// images) from `folder` (empty: kFashionMnistFolder), with its class names.
    static Dataset fashionMnist(const QString &folder, int inputFeatures, int outputFeatures, bool classTargets,
                                bool testSet = false);
    /// Where Debian's dataset-fashion-mnist puts its files.
    static const QString &fashionMnistFolder();
    /// Fashion-MNIST's ten class names, label 0 first (T-shirt/top … Ankle boot).
    static const QStringList &fashionMnistClasses();

    /// Why these rows cannot feed an input of `shape` (per sample): they hold
    /// another number of values. Nothing when they fit.
    std::optional<QString> inputMismatch(const mc::Shape &shape) const;

    /// The rows at `indices` (int64), in that order, with this set's names.
    Dataset rows(const torch::Tensor &indices, const QString &description) const;

    /// A seed for one stream of random numbers derived from the run's seed
    /// (splitmix64), so that data, splits and epoch orders are independent of
    /// each other and of the weight initialisation.
    static uint64_t streamSeed(uint64_t seed, uint64_t stream);

    /// The rows that rank `rank` of `worldSize` takes from an epoch's `order`
    /// (int64 row indices: a seeded permutation, or 0..n-1 without shuffling),
    /// by the rule of PyTorch's DistributedSampler: with `pad`, the order is
    /// padded to a multiple of worldSize by repeating it from the start, so
    /// that every rank gets the same number of rows; then the rank takes every
    /// worldSize-th index from position `rank` (rank, rank + W, rank + 2W, ...).
    /// Without `pad` (validation) each row goes to exactly one rank.
    static torch::Tensor shardIndices(const torch::Tensor &order, int rank, int worldSize, bool pad = true);

    const torch::Tensor &inputs() const { return m_inputs; }
    const torch::Tensor &targets() const { return m_targets; }
    int64_t size() const { return m_inputs.defined() ? m_inputs.size(0) : 0; }
    bool isEmpty() const { return size() == 0; }
    /// One line for people: `32 random_binary samples`, `data.csv: 150 rows, inputs a, b; targets c`.
    const QString &description() const { return m_description; }
    /// Column names of a CSV data set (empty for generated ones).
    const QStringList &inputNames() const { return m_inputNames; }
    const QStringList &targetNames() const { return m_targetNames; }
    /// Names of the classes of a labelled image set, label 0 first (empty otherwise).
    const QStringList &classNames() const { return m_classNames; }

private:
    torch::Tensor m_inputs;
    torch::Tensor m_targets;
    QString m_description;
    QStringList m_inputNames;
    QStringList m_targetNames;
    QStringList m_classNames;
};

/// The rows of a run: those it trains on (the trainer splits its validation
/// rows off these) and those it is judged on at the end, which it never sees
/// while training (settings.data.test).
struct RunData
{
    Dataset training;
    Dataset test; ///< Empty without a test set.
};

/// The training rows the settings ask for and their test rows: the data
/// kind's own test set, a second file read by the same rules, or a seeded
/// share of the rows held out (the same seed holds out the same rows). Sizes
/// come from the model's root, as for Dataset::forModel. Throws DataError.
RunData runData(const CheckedModel &model, const TrainingSettings &settings, const QString &baseDir = QString());

} // namespace mc
