#include "TrainCommand.h"

#include "Analysis.h"
#include "Checkpoint.h"
#include "Dataset.h"
#include "ProjectFile.h"
#include "TorchScriptExporter.h"
#include "Trainer.h"
#include "TrainingSettings.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QSaveFile>
#include <QTextStream>

#include <map>

namespace {

int usageError(QTextStream &err, const QString &message)
{
    err << "modelcomposer-cli: train: " << message << "\n"
        << "Try 'modelcomposer-cli --help'.\n";
    err.flush();
    return 2;
}

int failure(QTextStream &out, QTextStream &err, const QString &message)
{
    out.flush();
    err << "error: " << message << "\n";
    err.flush();
    return 1;
}

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
};

/// A flag without a value that sets a true/false setting.
struct SwitchFlag
{
    const char *flag;
    const char *key;
    bool value;
};

const SwitchFlag kSwitchFlags[] = {
    {"shuffle", "shuffle", true},
    {"no-shuffle", "shuffle", false},
    {"nesterov", "nesterov", true},
    {"no-nesterov", "nesterov", false},
};

QString jsonPath(const char *group, const char *key)
{
    return *group ? QStringLiteral("training.%1.%2").arg(QLatin1String(group), QLatin1String(key))
                  : QStringLiteral("training.%1").arg(QLatin1String(key));
}

void setSetting(QJsonObject &training, const char *group, const char *key, const QJsonValue &value)
{
    if (!*group) {
        training.insert(QLatin1String(key), value);
        return;
    }
    QJsonObject inner = training.value(QLatin1String(group)).toObject();
    inner.insert(QLatin1String(key), value);
    training.insert(QLatin1String(group), inner);
}

QString number(double value)
{
    return QString::number(value, 'g', 6);
}

/// The metrics CSV: one row per step, the validation loss on the last row of its epoch.
QByteArray metricsCsv(const std::vector<LossPoint> &losses, const QVector<EpochPoint> &epochs)
{
    std::map<qint64, double> valAtStep;
    for (const EpochPoint &e : epochs)
        if (e.hasValLoss() && e.endStep > 0)
            valAtStep[e.endStep - 1] = e.valLoss;
    QByteArray csv = "epoch,step,train_loss,val_loss\n";
    csv.reserve(int(losses.size()) * 32 + csv.size());
    for (const LossPoint &p : losses) {
        csv += QByteArray::number(p.epoch) + ',' + QByteArray::number(p.step) + ',' +
               QByteArray::number(double(p.loss), 'g', 9) + ',';
        const auto it = valAtStep.find(p.step);
        if (it != valAtStep.end())
            csv += QByteArray::number(it->second, 'g', 9);
        csv += '\n';
    }
    return csv;
}

bool writeFile(const QString &path, const QByteArray &bytes, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

int TrainCommand::run(const QStringList &args, QTextStream &out, QTextStream &err)
{
    QElapsedTimer clock;
    clock.start();

    QCommandLineParser parser;
    QHash<QString, const SettingFlag *> settingOptions;
    for (const SettingFlag &f : kSettingFlags) {
        parser.addOption(QCommandLineOption(QLatin1String(f.flag), QString(), QLatin1String(f.valueName)));
        settingOptions.insert(QLatin1String(f.flag), &f);
    }
    for (const SwitchFlag &f : kSwitchFlags)
        parser.addOption(QCommandLineOption(QLatin1String(f.flag)));
    const QCommandLineOption dataOption(QStringLiteral("data"), QString(), QStringLiteral("FILE.csv"));
    const QCommandLineOption metricsOption(QStringLiteral("metrics"), QString(), QStringLiteral("FILE.csv"));
    const QCommandLineOption checkpointDirOption(QStringLiteral("checkpoint-dir"), QString(), QStringLiteral("DIR"));
    const QCommandLineOption resumeOption(QStringLiteral("resume"), QString(), QStringLiteral("CHECKPOINT"));
    const QCommandLineOption exportOption(QStringLiteral("export"), QString(), QStringLiteral("OUT.pt"));
    parser.addOptions({dataOption, metricsOption, checkpointDirOption, resumeOption, exportOption});
    if (!parser.parse(QStringList{QStringLiteral("train")} + args))
        return usageError(err, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(err, QStringLiteral("train takes one PROJECT file"));
    for (const QString &name : parser.optionNames())
        if (parser.values(name).size() > 1 || parser.optionNames().count(name) > 1)
            return usageError(err, QStringLiteral("--%1 is given twice").arg(name));
    for (const SwitchFlag &f : kSwitchFlags)
        for (const SwitchFlag &g : kSwitchFlags)
            if (&f != &g && QLatin1String(f.key) == QLatin1String(g.key) && parser.isSet(QLatin1String(f.flag)) &&
                parser.isSet(QLatin1String(g.flag)))
                return usageError(err, QStringLiteral("--%1 and --%2 exclude each other")
                                           .arg(QLatin1String(f.flag), QLatin1String(g.flag)));
    if (parser.isSet(QStringLiteral("lr")) && parser.isSet(QStringLiteral("learning-rate")))
        return usageError(err, QStringLiteral("--lr and --learning-rate are the same setting"));

    // The project, and the checkpoint to continue from.
    const QString projectPath = positional.first();
    ProjectData project;
    try {
        project = ProjectFile::load(projectPath);
    } catch (const ProjectFormatError &e) {
        return failure(out, err, e.message());
    }
    std::optional<Checkpoint> resume;
    if (parser.isSet(resumeOption)) {
        try {
            resume = Checkpoint::load(parser.value(resumeOption));
        } catch (const CheckpointError &e) {
            return failure(out, err, e.message());
        }
    }

    // Settings: the project's (or the checkpoint's when resuming), then the flags.
    QJsonObject training = resume ? resume->settings.toJson() : project.training;
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
                return usageError(err, *problem);
    for (const SwitchFlag &f : kSwitchFlags)
        if (parser.isSet(QLatin1String(f.flag))) {
            setSetting(training, "", f.key, f.value);
            flagOfPath.insert(jsonPath("", f.key), QStringLiteral("--%1").arg(QLatin1String(f.flag)));
        }
    if (parser.isSet(dataOption)) {
        // A path on the command line is the shell's, not the project folder's.
        setSetting(training, "data", "kind", QStringLiteral("csv"));
        setSetting(training, "data", "path", QFileInfo(parser.value(dataOption)).absoluteFilePath());
        flagOfPath.insert(jsonPath("data", "path"), QStringLiteral("--data"));
    }
    TrainingSettings settings;
    try {
        settings = TrainingSettings::fromJson(training);
    } catch (const ProjectFormatError &e) {
        const QString message = e.message();
        const QString path = message.section(QStringLiteral(": "), 0, 0);
        for (auto it = flagOfPath.cbegin(); it != flagOfPath.cend(); ++it)
            if (path == it.key() || path.startsWith(it.key() + QLatin1Char('[')))
                return usageError(err, QStringLiteral("%1: %2").arg(it.value(), message.section(QStringLiteral(": "), 1)));
        return failure(out, err, QStringLiteral("%1: %2").arg(projectPath, message));
    }
    if (settings.data.kind != DataSettings::Kind::Csv &&
        (parser.isSet(QStringLiteral("inputs")) || parser.isSet(QStringLiteral("targets"))))
        return usageError(err, QStringLiteral("--inputs and --targets choose CSV columns; give the file with --data"));

    // The data.
    Dataset data;
    try {
        data = Dataset::forProject(project, settings, QFileInfo(projectPath).absolutePath());
    } catch (const DataError &e) {
        return failure(out, err, e.message());
    } catch (const std::exception &e) {
        return failure(out, err, QStringLiteral("the data set cannot be made: %1").arg(QString::fromUtf8(e.what())));
    }

    // The run.
    Trainer trainer;
    QString error;
    if (!trainer.setup(project, settings, data, &error))
        return failure(out, err, error);
    if (resume && !trainer.restore(*resume, &error))
        return failure(out, err, QStringLiteral("%1: %2").arg(parser.value(resumeOption), error));
    QString checkpointPath;
    if (parser.isSet(checkpointDirOption)) {
        checkpointPath = QDir(parser.value(checkpointDirOption)).filePath(QStringLiteral("last.ckpt"));
        trainer.setCheckpointPath(checkpointPath);
    }

    const Analysis analysis(project);
    QString plan = QStringLiteral("training %1 (%2 parameters, %3 trainable) on %4: %5 training and %6 validation "
                                  "rows, %7 batch(es) of %8 per epoch; %9, %10 lr %11")
                       .arg(project.root).arg(analysis.totalParams()).arg(trainer.optimizedParameterCount())
                       .arg(data.description()).arg(trainer.trainRows()).arg(trainer.validationRows())
                       .arg(trainer.batchesPerEpoch()).arg(settings.batchSize)
                       .arg(TrainingSettings::lossName(settings.loss), TrainingSettings::optimizerName(settings.optimizer))
                       .arg(number(settings.learningRate));
    if (resume)
        plan += QStringLiteral("; resuming at epoch %1, step %2").arg(resume->epoch + 1).arg(resume->step);
    out << plan << "\n";
    out.flush();

    const int earlierEpochs = resume ? int(resume->epochs.size()) : 0;
    QObject::connect(&trainer, &Trainer::progress, [&](const TrainingProgress &p) {
        for (const EpochPoint &e : p.epochs) {
            if (e.epoch < earlierEpochs)
                continue;
            out << "epoch " << (e.epoch + 1) << "/" << settings.epochs << "  train_loss " << number(e.trainLoss);
            if (e.hasValLoss())
                out << "  val_loss " << number(e.valLoss);
            out << "  samples/s " << qint64(e.samplesPerSecond + 0.5) << "\n";
        }
        out.flush();
    });
    QObject::connect(&trainer, &Trainer::warning, [&](const QString &message) {
        err << "warning: " << message << "\n";
        err.flush();
    });
    TrainingResult result;
    QObject::connect(&trainer, &Trainer::finished, [&](const TrainingResult &r) { result = r; });
    trainer.run();

    if (parser.isSet(metricsOption)) {
        QString writeError;
        if (!writeFile(parser.value(metricsOption), metricsCsv(trainer.losses(), trainer.epochs()), &writeError))
            return failure(out, err, writeError);
    }
    if (!result.ok())
        return failure(out, err, result.message);
    if (result.outcome != TrainingResult::Outcome::Completed)
        out << result.message << "\n";
    if (!checkpointPath.isEmpty() && QFileInfo::exists(checkpointPath))
        out << "checkpoint " << checkpointPath << "\n";
    if (parser.isSet(exportOption)) {
        ComposedModule module = trainer.module();
        if (!TorchScriptExporter::save(project, module, parser.value(exportOption), &error))
            return failure(out, err, error);
        out << "exported " << parser.value(exportOption) << "\n";
    }
    out << "done: " << result.epochs << " epoch(s), " << result.steps << " step(s); training "
        << QString::number(result.seconds, 'f', 3) << " s, total time " << QString::number(clock.elapsed() / 1000.0, 'f', 3)
        << " s\n";
    out.flush();
    return 0;
}
