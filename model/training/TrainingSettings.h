#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace mc {

/// The rows a run is judged on at its end: never trained on, never used for
/// validation or early stopping (the `test` object of `data`).
struct TestSettings
{
    /// Where the test rows come from.
    enum class Source {
        None,  ///< `none`: no test set.
        Own,   ///< `own`: the data set's own test set (Fashion-MNIST's 10,000 images).
        Share, ///< `share`: a share of the data set's rows, held out before the validation split.
        File,  ///< `file`: a second file like the first: a CSV with the same columns, or IDX images and labels.
    };

    Source source = Source::None;
    double share = 0.1;  ///< Share: the fraction of the rows held out.
    QString path;        ///< File: the CSV or IDX images file, relative to the project file's folder.
    QString labels;      ///< File: the IDX labels file.
    bool eachEpoch = false; ///< Also evaluate after every epoch (the accuracy curve), not only at the end.

    bool operator==(const TestSettings &o) const
    {
        return source == o.source && share == o.share && path == o.path && labels == o.labels &&
               eachEpoch == o.eachEpoch;
    }
};

/// Where the training data comes from (the `data` object of the project's
/// `training` settings). Sizes are not stored: they follow the root model's
/// input and output features.
struct DataSettings
{
    /// The kind of data set.
    enum class Kind {
        RandomBinary, ///< `random_binary`: randn inputs, 0/1 targets (the article's Examples 1 and 2).
        RandomNormal, ///< `random_normal`: randn inputs and targets (the article's Example 3).
        Blobs,        ///< `blobs`: Gaussian blobs, one per class; class targets.
        Teacher,      ///< `teacher`: targets from a fixed random teacher network.
        Reconstruction, ///< `reconstruction`: smooth random signals in 0..1; the target is the input (an autoencoder's task).
        Csv,          ///< `csv`: a CSV file with a header row.
        FashionMnist, ///< `fashion_mnist`: the 60,000 training images of Fashion-MNIST (Debian's dataset-fashion-mnist).
        Idx,          ///< `idx`: an images file and a labels file in the IDX format of MNIST (gzipped or not).
        ImageFolder,  ///< `image_folder`: one sub-folder of PNG or JPEG images per class (data/ImageFolder).
    };

    Kind kind = Kind::RandomBinary;
    int samples = 32;    ///< Rows of a generated data set (ignored for CSV).
    QString path;        ///< CSV or IDX images file, the image folder, or Fashion-MNIST's folder (empty: Debian's), relative to the project file's folder.
    QString labels;      ///< IDX labels file, relative to the project file's folder.
    QStringList inputs;  ///< CSV input columns by name; empty: the first columns.
    QStringList targets; ///< CSV target columns by name; empty: the last columns.
    TestSettings test;   ///< The test set.

    /// Whether the kind has a test set of its own (TestSettings::Source::Own).
    static bool hasOwnTestSet(Kind kind) { return kind == Kind::FashionMnist; }
    /// Whether the kind reads files, so that a second one can be the test set.
    static bool readsFiles(Kind kind)
    {
        return kind == Kind::Csv || kind == Kind::Idx || kind == Kind::FashionMnist || kind == Kind::ImageFolder;
    }
    /// Whether the kind gives labelled images (class targets, class names).
    static bool labelledImages(Kind kind)
    {
        return kind == Kind::Idx || kind == Kind::FashionMnist || kind == Kind::ImageFolder;
    }

    bool operator==(const DataSettings &o) const
    {
        return kind == o.kind && samples == o.samples && path == o.path && labels == o.labels &&
               inputs == o.inputs && targets == o.targets && test == o.test;
    }
};

/// The learning-rate schedule, applied at the start of every epoch.
struct ScheduleSettings
{
    /// How the learning rate changes from epoch to epoch.
    enum class Kind {
        None,   ///< `none`: constant.
        Step,   ///< `step`: multiplied by gamma every step_size epochs.
        Cosine, ///< `cosine`: cosine annealing from the learning rate to 0 over all epochs.
    };

    Kind kind = Kind::None;
    int stepSize = 10;
    double gamma = 0.1;

    bool operator==(const ScheduleSettings &o) const
    {
        return kind == o.kind && stepSize == o.stepSize && gamma == o.gamma;
    }
};

/// The training settings of a project (its `training` JSON object, described in
/// docs/training.md): a plain struct that round-trips to JSON. Missing fields
/// take the defaults below.
struct TrainingSettings
{
    /// The loss function.
    enum class Loss {
        Mse,           ///< `mse`: mean squared error.
        L1,            ///< `l1`: mean absolute error.
        SmoothL1,      ///< `smooth_l1`: Huber-like smooth L1 (beta 1).
        Bce,           ///< `bce`: binary cross entropy on probabilities (after a Sigmoid).
        BceWithLogits, ///< `bce_with_logits`: binary cross entropy on logits.
        CrossEntropy,  ///< `cross_entropy`: softmax cross entropy on logits; class index targets.
        Nll,           ///< `nll`: negative log likelihood on log-probabilities; class index targets.
    };
    /// The optimizer.
    enum class Optimizer {
        Adam,    ///< `adam`.
        AdamW,   ///< `adamw`: Adam with decoupled weight decay.
        Sgd,     ///< `sgd`: with momentum and optional Nesterov momentum.
        RmsProp, ///< `rmsprop`: with momentum.
    };

    Loss loss = Loss::Mse;
    Optimizer optimizer = Optimizer::Adam;
    double learningRate = 0.001;
    double weightDecay = 0.0;
    double momentum = 0.9; ///< SGD and RMSprop.
    bool nesterov = false; ///< SGD.
    int batchSize = 16;
    int epochs = 2;
    int limitTrainBatches = 0;   ///< Batches per epoch at most; 0: all.
    double validationSplit = 0.0; ///< Fraction of the rows held out for validation, in [0, 1).
    uint64_t seed = 0;
    bool shuffle = true;
    double gradientClipNorm = 0.0;   ///< 0: off.
    int earlyStoppingPatience = 0;   ///< Epochs without a better validation loss; 0: off.
    /// With early stopping: the run ends with the weights of its epoch of
    /// lowest validation loss rather than its last (Keras's
    /// restore_best_weights, Lightning's ModelCheckpoint on val_loss).
    bool keepBestWeights = true;
    ScheduleSettings schedule;
    int threads = 0; ///< 0: LibTorch's default.
    /// Local processes the window trains with (data parallel; 1: in its own
    /// thread). The command line takes --nproc-per-node instead.
    int processes = 1;
    DataSettings data;

    /// The bounds of one number field of `training`, and the one sentence
    /// that states them: the project file's reader, the command line (through
    /// the reader) and the Training panel (its fields' ranges and tooltips)
    /// all take both from range().
    struct Range
    {
        double min = 0;
        double max = 0;
        bool minOpen = false; ///< `min` itself is refused (a learning rate is above 0).
        bool whole = false;   ///< Only whole numbers.
        QString noun;         ///< Empty: "a number" (or "a whole number").
        QString maxText;      ///< How `max` is written when not as digits ("2^53").
        QString note;         ///< What a special value means: "(0: off)".
        /// "a number above 0 and at most 1000", "a whole number from 0 to 1024 (0: default)".
        QString text() const;
        bool contains(double value) const;
    };
    /// The range of the number field `key` of `training` (`learning_rate`,
    /// `schedule.gamma`, `data.samples`); nullopt for a field that is no number.
    static std::optional<Range> range(const QString &key);

    /// Reads the `training` object; `path` prefixes error messages. Throws
    /// ProjectFormatError naming the field and its whole range
    /// (`training.learning_rate: expected a number above 0 and at most 1000`).
    static TrainingSettings fromJson(const QJsonObject &json, const QString &path = QStringLiteral("training"));
    /// Every field, defaults included.
    QJsonObject toJson() const;

    /// The same settings with every file path of `data` (its file, labels,
    /// folder and test files) made absolute from `baseDir`, the project
    /// file's folder: for a copy of the project saved elsewhere (the
    /// window's worker processes). Empty paths stay empty.
    TrainingSettings withAbsolutePaths(const QString &baseDir) const;

    /// True when targets are class indices (cross entropy and NLL).
    bool classTargets() const { return loss == Loss::CrossEntropy || loss == Loss::Nll; }
    /// A sentence when the settings cannot train together (Nesterov without
    /// momentum, early stopping without a validation split); nullopt if fine.
    std::optional<QString> conflict() const;

    static QString lossName(Loss loss);
    static QString optimizerName(Optimizer optimizer);
    static QString dataKindName(DataSettings::Kind kind);
    static QString scheduleName(ScheduleSettings::Kind kind);
    static QString testSourceName(TestSettings::Source source);
    static std::optional<Loss> lossFromName(const QString &name);
    static std::optional<Optimizer> optimizerFromName(const QString &name);
    static std::optional<DataSettings::Kind> dataKindFromName(const QString &name);
    static std::optional<ScheduleSettings::Kind> scheduleFromName(const QString &name);
    static std::optional<TestSettings::Source> testSourceFromName(const QString &name);

    bool operator==(const TrainingSettings &o) const;
    bool operator!=(const TrainingSettings &o) const { return !(*this == o); }
};

} // namespace mc
