#include "training/TrainingSettings.h"

#include "document/ProjectFile.h"

#include <QJsonArray>

#include <cmath>
#include <utility>

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

    double number(const char *key, double fallback, double min, double max, bool minOpen,
                  const QString &expected) const
    {
        if (!has(key))
            return fallback;
        const QJsonValue v = value(key);
        const double d = v.toDouble();
        if (!v.isDouble() || !std::isfinite(d) || d < min || d > max || (minOpen && d == min))
            fail(path(key), QStringLiteral("expected %1").arg(expected));
        return d;
    }

    double whole(const char *key, double fallback, double min, double max, const QString &expected) const
    {
        const double d = number(key, fallback, min, max, false, expected);
        if (d != std::floor(d))
            fail(path(key), QStringLiteral("expected %1").arg(expected));
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

TrainingSettings TrainingSettings::fromJson(const QJsonObject &json, const QString &path)
{
    const Reader r(json, path,
                   {"loss", "optimizer", "learning_rate", "weight_decay", "momentum", "nesterov", "batch_size",
                    "epochs", "limit_train_batches", "validation_split", "seed", "shuffle", "gradient_clip_norm",
                    "early_stopping_patience", "schedule", "threads", "data"});
    TrainingSettings s;
    s.loss = r.choice("loss", s.loss, kLosses);
    s.optimizer = r.choice("optimizer", s.optimizer, kOptimizers);
    s.learningRate = r.number("learning_rate", s.learningRate, 0, 1e3, true, QStringLiteral("a number above 0"));
    s.weightDecay = r.number("weight_decay", s.weightDecay, 0, 1e3, false, QStringLiteral("a number of at least 0"));
    s.momentum = r.number("momentum", s.momentum, 0, 1, false, QStringLiteral("a number from 0 to 1"));
    s.nesterov = r.boolean("nesterov", s.nesterov);
    s.batchSize = int(r.whole("batch_size", s.batchSize, 1, kMaxCount, QStringLiteral("a whole number of at least 1")));
    s.epochs = int(r.whole("epochs", s.epochs, 1, kMaxCount, QStringLiteral("a whole number of at least 1")));
    s.limitTrainBatches = int(r.whole("limit_train_batches", s.limitTrainBatches, 0, kMaxCount,
                                      QStringLiteral("a whole number of at least 0 (0: all batches)")));
    s.validationSplit = r.number("validation_split", s.validationSplit, 0, 0.99, false,
                                 QStringLiteral("a fraction from 0 to 0.99"));
    s.seed = uint64_t(r.whole("seed", 0, 0, kMaxSeed, QStringLiteral("a whole number from 0 to 2^53")));
    s.shuffle = r.boolean("shuffle", s.shuffle);
    s.gradientClipNorm = r.number("gradient_clip_norm", s.gradientClipNorm, 0, 1e9, false,
                                  QStringLiteral("a number of at least 0 (0: off)"));
    s.earlyStoppingPatience = int(r.whole("early_stopping_patience", s.earlyStoppingPatience, 0, kMaxCount,
                                          QStringLiteral("a whole number of at least 0 (0: off)")));
    s.threads = int(r.whole("threads", s.threads, 0, 1024, QStringLiteral("a whole number from 0 to 1024 (0: default)")));

    if (r.has("schedule")) {
        const QJsonObject o = r.object("schedule");
        const Reader sr(o, r.path("schedule"), {"kind", "step_size", "gamma"});
        s.schedule.kind = sr.choice("kind", s.schedule.kind, kSchedules);
        s.schedule.stepSize = int(sr.whole("step_size", s.schedule.stepSize, 1, kMaxCount,
                                           QStringLiteral("a whole number of at least 1")));
        s.schedule.gamma = sr.number("gamma", s.schedule.gamma, 0, 1e3, true, QStringLiteral("a number above 0"));
    }
    if (r.has("data")) {
        const QJsonObject o = r.object("data");
        const Reader dr(o, r.path("data"), {"kind", "samples", "path", "inputs", "targets"});
        s.data.kind = dr.choice("kind", s.data.kind, kDataKinds);
        s.data.samples = int(dr.whole("samples", s.data.samples, 1, 1e8,
                                      QStringLiteral("a whole number from 1 to 100000000")));
        s.data.path = dr.string("path", QString());
        s.data.inputs = dr.names("inputs");
        s.data.targets = dr.names("targets");
        if (s.data.kind == DataSettings::Kind::Csv && s.data.path.isEmpty())
            fail(dr.path("path"), QStringLiteral("a csv data set needs the path of its file"));
    }
    return s;
}

QJsonObject TrainingSettings::toJson() const
{
    QJsonObject data{{QStringLiteral("kind"), dataKindName(this->data.kind)},
                     {QStringLiteral("samples"), this->data.samples}};
    if (!this->data.path.isEmpty())
        data.insert(QStringLiteral("path"), this->data.path);
    if (!this->data.inputs.isEmpty())
        data.insert(QStringLiteral("inputs"), toArray(this->data.inputs));
    if (!this->data.targets.isEmpty())
        data.insert(QStringLiteral("targets"), toArray(this->data.targets));
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
        {QStringLiteral("schedule"), QJsonObject{{QStringLiteral("kind"), scheduleName(schedule.kind)},
                                                 {QStringLiteral("step_size"), schedule.stepSize},
                                                 {QStringLiteral("gamma"), schedule.gamma}}},
        {QStringLiteral("threads"), threads},
        {QStringLiteral("data"), data},
    };
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
           schedule == o.schedule && threads == o.threads && data == o.data;
}
