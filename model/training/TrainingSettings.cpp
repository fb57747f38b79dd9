#include "training/TrainingSettings.h"

#include "document/ProjectFile.h"

#include <QDir>
#include <QHash>
#include <QJsonArray>

#include <cmath>
#include <utility>

namespace mc {

namespace {

template <typename E>
using NameTable = std::initializer_list<std::pair<E, const char *>>;

const NameTable<TrainingSettings::Loss> kLosses = {
    {TrainingSettings::Loss::Mse, "mse"},
    {TrainingSettings::Loss::L1, "l1"},
    {TrainingSettings::Loss::SmoothL1, "smooth_l1"},
    {TrainingSettings::Loss::Bce, "bce"},
    {TrainingSettings::Loss::BceWithLogits, "bce_with_logits"},
    {TrainingSettings::Loss::CrossEntropy, "cross_entropy"},
    {TrainingSettings::Loss::Nll, "nll"},
};
const NameTable<TrainingSettings::Optimizer> kOptimizers = {
    {TrainingSettings::Optimizer::Adam, "adam"},
    {TrainingSettings::Optimizer::AdamW, "adamw"},
    {TrainingSettings::Optimizer::Sgd, "sgd"},
    {TrainingSettings::Optimizer::RmsProp, "rmsprop"},
};
const NameTable<DataSettings::Kind> kDataKinds = {
    {DataSettings::Kind::RandomBinary, "random_binary"},
    {DataSettings::Kind::RandomNormal, "random_normal"},
    {DataSettings::Kind::Blobs, "blobs"},
    {DataSettings::Kind::Teacher, "teacher"},
    {DataSettings::Kind::Reconstruction, "reconstruction"},
    {DataSettings::Kind::Csv, "csv"},
    {DataSettings::Kind::FashionMnist, "fashion_mnist"},
    {DataSettings::Kind::Idx, "idx"},
    {DataSettings::Kind::ImageFolder, "image_folder"},
};
const NameTable<TestSettings::Source> kTestSources = {
    {TestSettings::Source::None, "none"},
    {TestSettings::Source::Own, "own"},
    {TestSettings::Source::Share, "share"},
    {TestSettings::Source::File, "file"},
};
const NameTable<ScheduleSettings::Kind> kSchedules = {
    {ScheduleSettings::Kind::None, "none"},
    {ScheduleSettings::Kind::Step, "step"},
    {ScheduleSettings::Kind::Cosine, "cosine"},
};

template <typename E>
QString nameOf(const NameTable<E> &table, E value)
{
    for (const auto &entry : table)
        if (entry.first == value)
            return QLatin1String(entry.second);
    return QString();
}

template <typename E>
std::optional<E> valueOf(const NameTable<E> &table, const QString &name)
{
    for (const auto &entry : table)
        if (name == QLatin1String(entry.second))
            return entry.first;
    return std::nullopt;
}

template <typename E>
QString choices(const NameTable<E> &table)
{
    QStringList names;
    for (const auto &entry : table)
        names.append(QLatin1String(entry.second));
    return names.join(QStringLiteral(", "));
}

[[noreturn]] void fail(const QString &path, const QString &what)
{
    throw ProjectFormatError(QStringLiteral("%1: %2").arg(path, what));
}

QString field(const QString &path, const char *key)
{
    return path.isEmpty() ? QLatin1String(key) : path + QLatin1Char('.') + QLatin1String(key);
}

/// Reads the fields of one JSON object, refusing any it does not know.
class Reader
{
public:
    Reader(const QJsonObject &o, QString path, std::initializer_list<const char *> known)
        : m_o(o), m_path(std::move(path))
    {
        for (auto it = o.begin(); it != o.end(); ++it) {
            bool ok = false;
            for (const char *k : known)
                ok = ok || it.key() == QLatin1String(k);
            if (!ok)
                fail(m_path.isEmpty() ? it.key() : m_path + QLatin1Char('.') + it.key(),
                     QStringLiteral("unknown field"));
        }
    }

    bool has(const char *key) const { return m_o.contains(QLatin1String(key)); }
    QJsonValue value(const char *key) const { return m_o.value(QLatin1String(key)); }
    QString path(const char *key) const { return field(m_path, key); }

    /// The number field `key`, whose range is TrainingSettings::range(`rangeKey`).
    double number(const char *key, double fallback, const char *rangeKey) const
    {
        if (!has(key))
            return fallback;
        const TrainingSettings::Range range = *TrainingSettings::range(QLatin1String(rangeKey));
        const QJsonValue v = value(key);
        const double d = v.toDouble();
        if (!v.isDouble() || !range.contains(d))
            fail(path(key), QStringLiteral("expected %1").arg(range.text()));
        return d;
    }

    bool boolean(const char *key, bool fallback) const
    {
        if (!has(key))
            return fallback;
        if (!value(key).isBool())
            fail(path(key), QStringLiteral("expected true or false"));
        return value(key).toBool();
    }

    QString string(const char *key, const QString &fallback) const
    {
        if (!has(key))
            return fallback;
        if (!value(key).isString())
            fail(path(key), QStringLiteral("expected a string"));
        return value(key).toString();
    }

    template <typename E>
    E choice(const char *key, E fallback, const NameTable<E> &table) const
    {
        if (!has(key))
            return fallback;
        const std::optional<E> e = value(key).isString() ? valueOf(table, value(key).toString()) : std::nullopt;
        if (!e)
            fail(path(key), QStringLiteral("expected one of %1").arg(choices(table)));
        return *e;
    }

    QStringList names(const char *key) const
    {
        if (!has(key))
            return {};
        if (!value(key).isArray())
            fail(path(key), QStringLiteral("expected an array of column names"));
        const QJsonArray a = value(key).toArray();
        QStringList names;
        for (int k = 0; k < a.size(); ++k) {
            const QString p = QStringLiteral("%1[%2]").arg(path(key)).arg(k);
            if (!a.at(k).isString() || a.at(k).toString().trimmed().isEmpty())
                fail(p, QStringLiteral("expected a column name"));
            const QString name = a.at(k).toString().trimmed();
            if (names.contains(name))
                fail(p, QStringLiteral("`%1` is named twice").arg(name));
            names.append(name);
        }
        return names;
    }

    QJsonObject object(const char *key) const
    {
        if (!has(key))
            return {};
        if (!value(key).isObject())
            fail(path(key), QStringLiteral("expected an object"));
        return value(key).toObject();
    }

private:
    const QJsonObject &m_o;
    QString m_path;
};

constexpr double kMaxCount = 1e9;
constexpr double kMaxSeed = 9007199254740992.0; // 2^53: every whole number up to it is exact in JSON.

QJsonArray toArray(const QStringList &names)
{
    QJsonArray a;
    for (const QString &n : names)
        a.append(n);
    return a;
}

} // namespace

namespace {

/// Digits for a bound (1000000000, not 1e+09).
QString boundText(double v)
{
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        return QString::number(qint64(v));
    return QString::number(v, 'g', 15);
}

} // namespace

QString TrainingSettings::Range::text() const
{
    const QString what = !noun.isEmpty() ? noun : whole ? QStringLiteral("a whole number") : QStringLiteral("a number");
    const QString top = maxText.isEmpty() ? boundText(max) : maxText;
    QString t = minOpen ? QStringLiteral("%1 above %2 and at most %3").arg(what, boundText(min), top)
                        : QStringLiteral("%1 from %2 to %3").arg(what, boundText(min), top);
    if (!note.isEmpty())
        t += QLatin1Char(' ') + note;
    return t;
}

bool TrainingSettings::Range::contains(double value) const
{
    return std::isfinite(value) && value >= min && value <= max && !(minOpen && value == min) &&
           (!whole || value == std::floor(value));
}

std::optional<TrainingSettings::Range> TrainingSettings::range(const QString &key)
{
    auto number = [](double min, double max, bool minOpen = false, const QString &note = {}) {
        Range r;
        r.min = min;
        r.max = max;
        r.minOpen = minOpen;
        r.note = note;
        return r;
    };
    auto whole = [&](double min, double max, const QString &note = {}) {
        Range r = number(min, max, false, note);
        r.whole = true;
        return r;
    };
    static const QHash<QString, Range> ranges = [&] {
        QHash<QString, Range> h;
        h.insert(QStringLiteral("learning_rate"), number(0, 1e3, true));
        h.insert(QStringLiteral("weight_decay"), number(0, 1e3));
        h.insert(QStringLiteral("momentum"), number(0, 1));
        h.insert(QStringLiteral("batch_size"), whole(1, kMaxCount));
        h.insert(QStringLiteral("epochs"), whole(1, kMaxCount));
        h.insert(QStringLiteral("limit_train_batches"), whole(0, kMaxCount, QStringLiteral("(0: all batches)")));
        Range split = number(0, 0.99);
        split.noun = QStringLiteral("a fraction");
        h.insert(QStringLiteral("validation_split"), split);
        Range seed = whole(0, kMaxSeed);
        seed.maxText = QStringLiteral("2^53");
        h.insert(QStringLiteral("seed"), seed);
        h.insert(QStringLiteral("gradient_clip_norm"), number(0, 1e9, false, QStringLiteral("(0: off)")));
        h.insert(QStringLiteral("early_stopping_patience"), whole(0, kMaxCount, QStringLiteral("(0: off)")));
        h.insert(QStringLiteral("threads"), whole(0, 1024, QStringLiteral("(0: default)")));
        h.insert(QStringLiteral("processes"), whole(1, 16));
        h.insert(QStringLiteral("schedule.step_size"), whole(1, kMaxCount));
        h.insert(QStringLiteral("schedule.gamma"), number(0, 1e3, true));
        h.insert(QStringLiteral("data.samples"), whole(1, 1e8));
        Range share = number(0, 0.99, true);
        share.noun = QStringLiteral("a fraction");
        h.insert(QStringLiteral("data.test.share"), share);
        return h;
    }();
    const auto it = ranges.constFind(key);
    if (it == ranges.constEnd())
        return std::nullopt;
    return *it;
}

TrainingSettings TrainingSettings::fromJson(const QJsonObject &json, const QString &path)
{
    const Reader r(json, path,
                   {"loss", "optimizer", "learning_rate", "weight_decay", "momentum", "nesterov", "batch_size",
                    "epochs", "limit_train_batches", "validation_split", "seed", "shuffle", "gradient_clip_norm",
                    "early_stopping_patience", "keep_best_weights", "schedule", "threads", "processes", "data"});
    TrainingSettings s;
    s.loss = r.choice("loss", s.loss, kLosses);
    s.optimizer = r.choice("optimizer", s.optimizer, kOptimizers);
    s.learningRate = r.number("learning_rate", s.learningRate, "learning_rate");
    s.weightDecay = r.number("weight_decay", s.weightDecay, "weight_decay");
    s.momentum = r.number("momentum", s.momentum, "momentum");
    s.nesterov = r.boolean("nesterov", s.nesterov);
    s.batchSize = int(r.number("batch_size", s.batchSize, "batch_size"));
    s.epochs = int(r.number("epochs", s.epochs, "epochs"));
    s.limitTrainBatches = int(r.number("limit_train_batches", s.limitTrainBatches, "limit_train_batches"));
    s.validationSplit = r.number("validation_split", s.validationSplit, "validation_split");
    s.seed = uint64_t(r.number("seed", 0, "seed"));
    s.shuffle = r.boolean("shuffle", s.shuffle);
    s.gradientClipNorm = r.number("gradient_clip_norm", s.gradientClipNorm, "gradient_clip_norm");
    s.earlyStoppingPatience = int(r.number("early_stopping_patience", s.earlyStoppingPatience, "early_stopping_patience"));
    s.keepBestWeights = r.boolean("keep_best_weights", s.keepBestWeights);
    s.threads = int(r.number("threads", s.threads, "threads"));
    s.processes = int(r.number("processes", s.processes, "processes"));

    if (r.has("schedule")) {
        const QJsonObject o = r.object("schedule");
        const Reader sr(o, r.path("schedule"), {"kind", "step_size", "gamma"});
        s.schedule.kind = sr.choice("kind", s.schedule.kind, kSchedules);
        s.schedule.stepSize = int(sr.number("step_size", s.schedule.stepSize, "schedule.step_size"));
        s.schedule.gamma = sr.number("gamma", s.schedule.gamma, "schedule.gamma");
    }
    if (r.has("data")) {
        const QJsonObject o = r.object("data");
        const Reader dr(o, r.path("data"), {"kind", "samples", "path", "labels", "inputs", "targets", "test"});
        s.data.kind = dr.choice("kind", s.data.kind, kDataKinds);
        s.data.samples = int(dr.number("samples", s.data.samples, "data.samples"));
        s.data.path = dr.string("path", QString());
        s.data.labels = dr.string("labels", QString());
        s.data.inputs = dr.names("inputs");
        s.data.targets = dr.names("targets");
        if (s.data.kind == DataSettings::Kind::Csv && s.data.path.isEmpty())
            fail(dr.path("path"), QStringLiteral("a csv data set needs the path of its file"));
        if (s.data.kind == DataSettings::Kind::ImageFolder && s.data.path.isEmpty())
            fail(dr.path("path"), QStringLiteral("an image_folder data set needs the path of its folder"));
        if (s.data.kind == DataSettings::Kind::Idx && (s.data.path.isEmpty() || s.data.labels.isEmpty()))
            fail(dr.path(s.data.path.isEmpty() ? "path" : "labels"),
                 QStringLiteral("an idx data set needs its images file (path) and its labels file (labels)"));
        if (dr.has("test")) {
            const QJsonObject t = dr.object("test");
            const Reader tr(t, dr.path("test"), {"source", "share", "path", "labels", "each_epoch"});
            TestSettings &test = s.data.test;
            test.source = tr.choice("source", test.source, kTestSources);
            test.share = tr.number("share", test.share, "data.test.share");
            test.path = tr.string("path", QString());
            test.labels = tr.string("labels", QString());
            test.eachEpoch = tr.boolean("each_epoch", test.eachEpoch);
            const QString kind = dataKindName(s.data.kind);
            if (test.source == TestSettings::Source::Own && !DataSettings::hasOwnTestSet(s.data.kind))
                fail(tr.path("source"), QStringLiteral("a %1 data set has no test set of its own; hold out a share "
                                                       "of its rows (share)%2")
                                            .arg(kind, DataSettings::readsFiles(s.data.kind)
                                                           ? QStringLiteral(" or name a second file (file)")
                                                           : QString()));
            if (test.source == TestSettings::Source::File) {
                if (!DataSettings::readsFiles(s.data.kind))
                    fail(tr.path("source"), QStringLiteral("a %1 data set is generated, not read from a file; hold "
                                                           "out a share of its rows (share)")
                                                .arg(kind));
                const bool idxFiles = s.data.kind == DataSettings::Kind::Idx || s.data.kind == DataSettings::Kind::FashionMnist;
                if (test.path.isEmpty() || (idxFiles && test.labels.isEmpty()))
                    fail(tr.path(test.path.isEmpty() ? "path" : "labels"),
                         idxFiles ? QStringLiteral("a test set in IDX files needs its images file (path) and its "
                                                   "labels file (labels)")
                         : s.data.kind == DataSettings::Kind::ImageFolder
                             ? QStringLiteral("a test set of images needs the path of its folder")
                             : QStringLiteral("a test set in a CSV file needs the path of its file"));
            }
        }
    }
    return s;
}

QJsonObject TrainingSettings::toJson() const
{
    QJsonObject data{{QStringLiteral("kind"), dataKindName(this->data.kind)},
                     {QStringLiteral("samples"), this->data.samples}};
    if (!this->data.path.isEmpty())
        data.insert(QStringLiteral("path"), this->data.path);
    if (!this->data.labels.isEmpty())
        data.insert(QStringLiteral("labels"), this->data.labels);
    if (!this->data.inputs.isEmpty())
        data.insert(QStringLiteral("inputs"), toArray(this->data.inputs));
    if (!this->data.targets.isEmpty())
        data.insert(QStringLiteral("targets"), toArray(this->data.targets));
    const TestSettings &t = this->data.test;
    QJsonObject test{{QStringLiteral("source"), testSourceName(t.source)},
                     {QStringLiteral("share"), t.share},
                     {QStringLiteral("each_epoch"), t.eachEpoch}};
    if (!t.path.isEmpty())
        test.insert(QStringLiteral("path"), t.path);
    if (!t.labels.isEmpty())
        test.insert(QStringLiteral("labels"), t.labels);
    if (!(t == TestSettings())) // written only when asked for, as older files have none
        data.insert(QStringLiteral("test"), test);
    return QJsonObject{
        {QStringLiteral("loss"), lossName(loss)},
        {QStringLiteral("optimizer"), optimizerName(optimizer)},
        {QStringLiteral("learning_rate"), learningRate},
        {QStringLiteral("weight_decay"), weightDecay},
        {QStringLiteral("momentum"), momentum},
        {QStringLiteral("nesterov"), nesterov},
        {QStringLiteral("batch_size"), batchSize},
        {QStringLiteral("epochs"), epochs},
        {QStringLiteral("limit_train_batches"), limitTrainBatches},
        {QStringLiteral("validation_split"), validationSplit},
        {QStringLiteral("seed"), double(seed)},
        {QStringLiteral("shuffle"), shuffle},
        {QStringLiteral("gradient_clip_norm"), gradientClipNorm},
        {QStringLiteral("early_stopping_patience"), earlyStoppingPatience},
        {QStringLiteral("keep_best_weights"), keepBestWeights},
        {QStringLiteral("schedule"), QJsonObject{{QStringLiteral("kind"), scheduleName(schedule.kind)},
                                                 {QStringLiteral("step_size"), schedule.stepSize},
                                                 {QStringLiteral("gamma"), schedule.gamma}}},
        {QStringLiteral("threads"), threads},
        {QStringLiteral("processes"), processes},
        {QStringLiteral("data"), data},
    };
}

TrainingSettings TrainingSettings::withAbsolutePaths(const QString &baseDir) const
{
    TrainingSettings s = *this;
    const QDir dir(baseDir);
    for (QString *path : {&s.data.path, &s.data.labels, &s.data.test.path, &s.data.test.labels})
        if (!path->isEmpty())
            *path = dir.absoluteFilePath(*path);
    return s;
}

std::optional<QString> TrainingSettings::conflict() const
{
    if (optimizer == Optimizer::Sgd && nesterov && momentum <= 0)
        return QStringLiteral("Nesterov momentum needs a momentum above 0; set momentum or turn nesterov off.");
    if (earlyStoppingPatience > 0 && validationSplit <= 0)
        return QStringLiteral("Early stopping watches the validation loss; set a validation split above 0 "
                              "or turn early stopping off.");
    return std::nullopt;
}

QString TrainingSettings::lossName(Loss loss)
{
    return nameOf(kLosses, loss);
}

QString TrainingSettings::optimizerName(Optimizer optimizer)
{
    return nameOf(kOptimizers, optimizer);
}

QString TrainingSettings::dataKindName(DataSettings::Kind kind)
{
    return nameOf(kDataKinds, kind);
}

QString TrainingSettings::scheduleName(ScheduleSettings::Kind kind)
{
    return nameOf(kSchedules, kind);
}

QString TrainingSettings::testSourceName(TestSettings::Source source)
{
    return nameOf(kTestSources, source);
}

std::optional<TestSettings::Source> TrainingSettings::testSourceFromName(const QString &name)
{
    return valueOf(kTestSources, name);
}

std::optional<TrainingSettings::Loss> TrainingSettings::lossFromName(const QString &name)
{
    return valueOf(kLosses, name);
}

std::optional<TrainingSettings::Optimizer> TrainingSettings::optimizerFromName(const QString &name)
{
    return valueOf(kOptimizers, name);
}

std::optional<DataSettings::Kind> TrainingSettings::dataKindFromName(const QString &name)
{
    return valueOf(kDataKinds, name);
}

std::optional<ScheduleSettings::Kind> TrainingSettings::scheduleFromName(const QString &name)
{
    return valueOf(kSchedules, name);
}

bool TrainingSettings::operator==(const TrainingSettings &o) const
{
    return loss == o.loss && optimizer == o.optimizer && learningRate == o.learningRate &&
           weightDecay == o.weightDecay && momentum == o.momentum && nesterov == o.nesterov &&
           batchSize == o.batchSize && epochs == o.epochs && limitTrainBatches == o.limitTrainBatches &&
           validationSplit == o.validationSplit && seed == o.seed && shuffle == o.shuffle &&
           gradientClipNorm == o.gradientClipNorm && earlyStoppingPatience == o.earlyStoppingPatience &&
           keepBestWeights == o.keepBestWeights &&
           schedule == o.schedule && threads == o.threads && processes == o.processes && data == o.data;
}

} // namespace mc
