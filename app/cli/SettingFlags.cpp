#include "SettingFlags.h"

#include "document/ProjectFile.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>

namespace mc {

namespace {

/// What a flag's value must be.
enum class ValueKind {
    Whole,  ///< A whole number.
    Number, ///< Any number.
    Name,   ///< A string (checked by TrainingSettings).
    Names,  ///< A comma-separated list of column names.
};

/// A flag that overrides one training setting (`--epochs` -> `epochs`).
struct SettingFlag
{
    const char *flag;
    const char *key;    ///< Key in `training`, or in `training.<group>`.
    const char *group;  ///< "", "schedule" or "data".
    ValueKind kind;
    const char *valueName;
};

const SettingFlag kSettingFlags[] = {
    {"epochs", "epochs", "", ValueKind::Whole, "N"},
    {"batch-size", "batch_size", "", ValueKind::Whole, "N"},
    {"lr", "learning_rate", "", ValueKind::Number, "X"},
    {"learning-rate", "learning_rate", "", ValueKind::Number, "X"},
    {"seed", "seed", "", ValueKind::Whole, "N"},
    {"limit-train-batches", "limit_train_batches", "", ValueKind::Whole, "N"},
    {"val-split", "validation_split", "", ValueKind::Number, "F"},
    {"threads", "threads", "", ValueKind::Whole, "N"},
    {"loss", "loss", "", ValueKind::Name, "NAME"},
    {"optimizer", "optimizer", "", ValueKind::Name, "NAME"},
    {"weight-decay", "weight_decay", "", ValueKind::Number, "X"},
    {"momentum", "momentum", "", ValueKind::Number, "X"},
    {"clip-norm", "gradient_clip_norm", "", ValueKind::Number, "X"},
    {"patience", "early_stopping_patience", "", ValueKind::Whole, "N"},
    {"schedule", "kind", "schedule", ValueKind::Name, "KIND"},
    {"step-size", "step_size", "schedule", ValueKind::Whole, "N"},
    {"gamma", "gamma", "schedule", ValueKind::Number, "X"},
    {"data-kind", "kind", "data", ValueKind::Name, "KIND"},
    {"samples", "samples", "data", ValueKind::Whole, "N"},
    {"inputs", "inputs", "data", ValueKind::Names, "A,B"},
    {"targets", "targets", "data", ValueKind::Names, "A,B"},
    {"test-set", "source", "data.test", ValueKind::Name, "SOURCE"},
    {"test-share", "share", "data.test", ValueKind::Number, "F"},
};

/// A flag without a value that sets a true/false setting.
struct SwitchFlag
{
    const char *flag;
    const char *group;
    const char *key;
    bool value;
};

const SwitchFlag kSwitchFlags[] = {
    {"shuffle", "", "shuffle", true},
    {"no-shuffle", "", "shuffle", false},
    {"nesterov", "", "nesterov", true},
    {"no-nesterov", "", "nesterov", false},
    {"test-each-epoch", "data.test", "each_epoch", true},
    {"keep-best-weights", "", "keep_best_weights", true},
    {"keep-last-weights", "", "keep_best_weights", false},
};

QString jsonPath(const char *group, const char *key)
{
    return *group ? QStringLiteral("training.%1.%2").arg(QLatin1String(group), QLatin1String(key))
                  : QStringLiteral("training.%1").arg(QLatin1String(key));
}

/// Sets training.<group>.<key>; a group may be nested ("data.test").
void setSetting(QJsonObject &object, const QString &group, const char *key, const QJsonValue &value)
{
    if (group.isEmpty()) {
        object.insert(QLatin1String(key), value);
        return;
    }
    const QString first = group.section(QLatin1Char('.'), 0, 0);
    QJsonObject inner = object.value(first).toObject();
    setSetting(inner, group.section(QLatin1Char('.'), 1), key, value);
    object.insert(first, inner);
}

void setSetting(QJsonObject &training, const char *group, const char *key, const QJsonValue &value)
{
    setSetting(training, QString::fromLatin1(group), key, value);
}

} // namespace

void SettingFlags::addTo(QCommandLineParser &parser)
{
    for (const SettingFlag &f : kSettingFlags)
        parser.addOption(QCommandLineOption(QLatin1String(f.flag), QString(), QLatin1String(f.valueName)));
    for (const SwitchFlag &f : kSwitchFlags)
        parser.addOption(QCommandLineOption(QLatin1String(f.flag)));
    parser.addOptions({QCommandLineOption(QStringLiteral("data"), QString(), QStringLiteral("FILE.csv")),
                       QCommandLineOption(QStringLiteral("labels"), QString(), QStringLiteral("FILE")),
                       QCommandLineOption(QStringLiteral("test-data"), QString(), QStringLiteral("FILE")),
                       QCommandLineOption(QStringLiteral("test-labels"), QString(), QStringLiteral("FILE"))});
}

std::optional<QString> SettingFlags::conflict(const QCommandLineParser &parser)
{
    for (const QString &name : parser.optionNames())
        if (parser.values(name).size() > 1 || parser.optionNames().count(name) > 1)
            return QStringLiteral("--%1 is given twice").arg(name);
    for (const SwitchFlag &f : kSwitchFlags)
        for (const SwitchFlag &g : kSwitchFlags)
            if (&f != &g && QLatin1String(f.key) == QLatin1String(g.key) && parser.isSet(QLatin1String(f.flag)) &&
                parser.isSet(QLatin1String(g.flag)))
                return QStringLiteral("--%1 and --%2 exclude each other").arg(QLatin1String(f.flag), QLatin1String(g.flag));
    if (parser.isSet(QStringLiteral("lr")) && parser.isSet(QStringLiteral("learning-rate")))
        return QStringLiteral("--lr and --learning-rate are the same setting");
    return std::nullopt;
}

SettingFlags::Outcome SettingFlags::apply(const QCommandLineParser &parser, QJsonObject training,
                                          const QString &projectPath)
{
    QHash<QString, QString> flagOfPath;
    auto applyFlag = [&](const SettingFlag &f, const QString &text) -> std::optional<QString> {
        QJsonValue value;
        bool ok = true;
        switch (f.kind) {
        case ValueKind::Whole: {
            const qlonglong n = text.toLongLong(&ok);
            if (!ok)
                return QStringLiteral("--%1 expects a whole number, not '%2'").arg(QLatin1String(f.flag), text);
            value = double(n);
            break;
        }
        case ValueKind::Number: {
            const double d = text.toDouble(&ok);
            if (!ok)
                return QStringLiteral("--%1 expects a number, not '%2'").arg(QLatin1String(f.flag), text);
            value = d;
            break;
        }
        case ValueKind::Name:
            value = text;
            break;
        case ValueKind::Names: {
            QJsonArray names;
            for (const QString &n : text.split(QLatin1Char(',')))
                names.append(n.trimmed());
            value = names;
            break;
        }
        }
        setSetting(training, f.group, f.key, value);
        flagOfPath.insert(jsonPath(f.group, f.key), QStringLiteral("--%1").arg(QLatin1String(f.flag)));
        return std::nullopt;
    };
    for (const SettingFlag &f : kSettingFlags)
        if (parser.isSet(QLatin1String(f.flag)))
            if (const auto problem = applyFlag(f, parser.value(QLatin1String(f.flag))))
                return {std::nullopt, *problem, {}};
    for (const SwitchFlag &f : kSwitchFlags)
        if (parser.isSet(QLatin1String(f.flag))) {
            setSetting(training, f.group, f.key, f.value);
            flagOfPath.insert(jsonPath(f.group, f.key), QStringLiteral("--%1").arg(QLatin1String(f.flag)));
        }
    if (parser.isSet(QStringLiteral("data"))) {
        // A path on the command line is the shell's, not the project folder's.
        // Without --data-kind it is a CSV file; with idx the images file, with
        // fashion_mnist the folder of its files.
        if (!parser.isSet(QStringLiteral("data-kind")))
            setSetting(training, "data", "kind", QStringLiteral("csv"));
        setSetting(training, "data", "path", QFileInfo(parser.value(QStringLiteral("data"))).absoluteFilePath());
        flagOfPath.insert(jsonPath("data", "path"), QStringLiteral("--data"));
    }
    if (parser.isSet(QStringLiteral("labels"))) {
        setSetting(training, "data", "labels", QFileInfo(parser.value(QStringLiteral("labels"))).absoluteFilePath());
        flagOfPath.insert(jsonPath("data", "labels"), QStringLiteral("--labels"));
    }
    // A test file: --test-data (and --test-labels for IDX); the source is
    // then `file` unless --test-set says otherwise.
    if (parser.isSet(QStringLiteral("test-data"))) {
        if (!parser.isSet(QStringLiteral("test-set")))
            setSetting(training, "data.test", "source", QStringLiteral("file"));
        setSetting(training, "data.test", "path", QFileInfo(parser.value(QStringLiteral("test-data"))).absoluteFilePath());
        flagOfPath.insert(jsonPath("data.test", "path"), QStringLiteral("--test-data"));
    }
    if (parser.isSet(QStringLiteral("test-labels"))) {
        setSetting(training, "data.test", "labels", QFileInfo(parser.value(QStringLiteral("test-labels"))).absoluteFilePath());
        flagOfPath.insert(jsonPath("data.test", "labels"), QStringLiteral("--test-labels"));
    }
    TrainingSettings settings;
    try {
        settings = TrainingSettings::fromJson(training);
    } catch (const ProjectFormatError &e) {
        const QString message = e.message();
        const QString path = message.section(QStringLiteral(": "), 0, 0);
        for (auto it = flagOfPath.cbegin(); it != flagOfPath.cend(); ++it)
            if (path == it.key() || path.startsWith(it.key() + QLatin1Char('[')))
                return {std::nullopt, QStringLiteral("%1: %2").arg(it.value(), message.section(QStringLiteral(": "), 1)), {}};
        return {std::nullopt, {}, QStringLiteral("%1: %2").arg(projectPath, message)};
    }
    if (settings.data.kind != DataSettings::Kind::Csv &&
        (parser.isSet(QStringLiteral("inputs")) || parser.isSet(QStringLiteral("targets"))))
        return {std::nullopt, QStringLiteral("--inputs and --targets choose CSV columns; give the file with --data"), {}};

    return {settings, {}, {}};
}

SettingFlags::Start SettingFlags::load(const QCommandLineParser &parser, const QString &projectPath,
                                      const QString &checkpointFlag)
{
    Start start;
    try {
        start.project = ProjectFile::load(projectPath);
    } catch (const ProjectFormatError &e) {
        start.failure = e.message();
        return start;
    }
    if (parser.isSet(checkpointFlag)) {
        try {
            start.checkpoint = Checkpoint::load(parser.value(checkpointFlag));
        } catch (const CheckpointError &e) {
            start.failure = e.message();
            return start;
        }
    }
    const Outcome flags =
        apply(parser, start.checkpoint ? start.checkpoint->settings.toJson() : start.project.training, projectPath);
    start.usageError = flags.usageError;
    start.failure = flags.failure;
    if (flags.settings)
        start.settings = *flags.settings;
    return start;
}

} // namespace mc
