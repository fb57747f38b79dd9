#include "TrainCommand.h"

#include "CliOutput.h"
#include "SettingFlags.h"
#include "analysis/CheckedModel.h"
#include "training/Checkpoint.h"
#include "data/Dataset.h"
#include "distributed/DistributedContext.h"
#include "distributed/DistributedOptions.h"
#include "launch/LocalLauncher.h"
#include "training/ProgressJson.h"
#include "document/ProjectFile.h"
#include "document/SaveFile.h"
#include "export/TorchScriptExporter.h"
#include "training/Trainer.h"
#include "training/TrainingSettings.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QSocketNotifier>
#include <QTextStream>

#include <csignal>
#include <cmath>
#include <map>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace mc {

namespace {

/// Column lists longer than this are shortened (columnsText()).
constexpr qsizetype kNamedColumns = 8;

/// `p0, p1, … p783: 784 columns`: the first two, the last, and the count.
QString columnsText(const QStringList &names)
{
    if (names.size() <= kNamedColumns)
        return names.join(QStringLiteral(", "));
    return QStringLiteral("%1, %2, … %3: %4 columns")
        .arg(names.at(0), names.at(1), names.last())
        .arg(names.size());
}

int usageError(QTextStream &err, const QString &message)
{
    return CliOutput::usageError(err, QStringLiteral("train"), message);
}

int failure(QTextStream &out, QTextStream &err, const QString &message)
{
    return CliOutput::failure(out, err, message);
}

QString number(double value)
{
    return QString::number(value, 'g', 6);
}

/// The metrics CSV: one row per step; the epoch's validation loss and
/// accuracy and its test loss and accuracy on the last row of the epoch, each
/// left empty where the run has none (no validation split, a regression
/// target, no test set evaluated each epoch).
QByteArray metricsCsv(const std::vector<LossPoint> &losses, const QVector<EpochPoint> &epochs)
{
    std::map<qint64, const EpochPoint *> epochAtStep;
    for (const EpochPoint &e : epochs)
        if (e.endStep > 0)
            epochAtStep[e.endStep - 1] = &e;
    const auto cell = [](double value) {
        return std::isnan(value) ? QByteArray() : QByteArray::number(value, 'g', 9);
    };
    QByteArray csv = "epoch,step,train_loss,val_loss,val_accuracy,test_loss,test_accuracy\n";
    csv.reserve(int(losses.size()) * 36 + csv.size());
    for (const LossPoint &p : losses) {
        csv += QByteArray::number(p.epoch) + ',' + QByteArray::number(p.step) + ',' +
               QByteArray::number(double(p.loss), 'g', 9);
        const auto it = epochAtStep.find(p.step);
        if (it != epochAtStep.end()) {
            const EpochPoint &e = *it->second;
            csv += ',' + cell(e.valLoss) + ',' + cell(e.valAccuracy) + ',' + cell(e.testLoss) + ',' +
                   cell(e.testAccuracy);
        } else {
            csv += ",,,,";
        }
        csv += '\n';
    }
    return csv;
}

bool writeFile(const QString &path, const QByteArray &bytes, QString *error)
{
    QString reason;
    if (!saveFileAtomically(path, bytes, &reason)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, reason);
        return false;
    }
    return true;
}

/// SIGINT and SIGTERM ask a distributed run to stop after the current step
/// (every rank together, outputs written); a second one ends the process as
/// usual. The handler only writes to a pipe; whoever reads it stops the run.
class StopSignals
{
public:
    StopSignals()
    {
        if (::pipe2(s_pipe, O_CLOEXEC) != 0)
            return;
        struct sigaction action = {};
        action.sa_handler = &StopSignals::handle;
        action.sa_flags = SA_RESETHAND; // the second signal does what it always did
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, &m_oldInt);
        ::sigaction(SIGTERM, &action, &m_oldTerm);
        m_installed = true;
    }
    ~StopSignals()
    {
        if (!m_installed)
            return;
        ::sigaction(SIGINT, &m_oldInt, nullptr);
        ::sigaction(SIGTERM, &m_oldTerm, nullptr);
        if (m_watcher.joinable()) {
            const char quit = 'q';
            [[maybe_unused]] const auto n = ::write(s_pipe[1], &quit, 1);
            m_watcher.join();
        }
        ::close(s_pipe[0]);
        ::close(s_pipe[1]);
    }
    /// Calls trainer.stop() from a thread of its own when a signal comes.
    void stopOnSignal(Trainer &trainer)
    {
        if (!m_installed)
            return;
        m_watcher = std::thread([&trainer] {
            char c = 0;
            while (::read(s_pipe[0], &c, 1) < 0 && errno == EINTR) {
            }
            if (c == 's')
                trainer.stop();
        });
    }
    /// The read end, for a QSocketNotifier in an event loop.
    int readFd() const { return m_installed ? s_pipe[0] : -1; }

private:
    static void handle(int)
    {
        const char stop = 's';
        [[maybe_unused]] const auto n = ::write(s_pipe[1], &stop, 1);
    }
    static inline int s_pipe[2] = {-1, -1};
    struct sigaction m_oldInt = {};
    struct sigaction m_oldTerm = {};
    bool m_installed = false;
    std::thread m_watcher;
};

/// `--nproc-per-node N`: N workers of this same program on this machine,
/// rank 0's output forwarded, the others' errors prefixed with their rank.
int launchLocal(const QStringList &workerArgs, int processes, int timeoutSeconds, QTextStream &out, QTextStream &err)
{
    LocalLauncher launcher;
    launcher.setProgram(QCoreApplication::applicationFilePath());
    launcher.setArguments(workerArgs);
    launcher.setProcessCount(processes);
    launcher.setTimeoutSeconds(timeoutSeconds);
    launcher.setFollowProgress(false);
    bool rankZeroReported = false;
    QObject::connect(&launcher, &LocalLauncher::outputLine, [&](int rank, const QString &line, bool standardError) {
        if (rank == 0) {
            (standardError ? err : out) << line << "\n";
            rankZeroReported = rankZeroReported || (standardError && line.startsWith(QLatin1String("error: ")));
        } else {
            err << "[rank " << rank << "] " << line << "\n";
        }
        (standardError ? err : out).flush();
    });
    TrainingResult result;
    QEventLoop loop;
    QObject::connect(&launcher, &LocalLauncher::finished, [&](const TrainingResult &r) {
        result = r;
        loop.quit();
    });
    StopSignals stopSignals;
    QSocketNotifier stopNotifier(stopSignals.readFd(), QSocketNotifier::Read);
    stopNotifier.setEnabled(stopSignals.readFd() >= 0);
    QObject::connect(&stopNotifier, &QSocketNotifier::activated, [&] {
        char c = 0;
        [[maybe_unused]] const auto n = ::read(stopSignals.readFd(), &c, 1);
        launcher.stop();
    });
    QString error;
    if (!launcher.start(&error))
        return failure(out, err, error);
    loop.exec();
    out.flush();
    if (result.ok())
        return 0;
    if (!rankZeroReported)
        err << "error: " << result.message << "\n";
    err.flush();
    return 1;
}

/// A whole number flag that must be at least `least`.
std::optional<QString> wholeFlag(const QCommandLineParser &parser, const QString &name, int least, int *value)
{
    if (!parser.isSet(name))
        return std::nullopt;
    bool ok = false;
    const int n = parser.value(name).toInt(&ok);
    if (!ok || n < least)
        return QStringLiteral("--%1 expects a whole number of at least %2, not '%3'").arg(name).arg(least).arg(parser.value(name));
    *value = n;
    return std::nullopt;
}

} // namespace

int TrainCommand::run(const QStringList &args, QTextStream &out, QTextStream &err)
{
    QElapsedTimer clock;
    clock.start();

    QCommandLineParser parser;
    SettingFlags::addTo(parser);
    const QCommandLineOption metricsOption(QStringLiteral("metrics"), QString(), QStringLiteral("FILE.csv"));
    const QCommandLineOption checkpointDirOption(QStringLiteral("checkpoint-dir"), QString(), QStringLiteral("DIR"));
    const QCommandLineOption resumeOption(QStringLiteral("resume"), QString(), QStringLiteral("CHECKPOINT"));
    const QCommandLineOption exportOption(QStringLiteral("export"), QString(), QStringLiteral("OUT.pt"));
    parser.addOptions({metricsOption, checkpointDirOption, resumeOption, exportOption});
    // Data parallel: torchrun's environment, or these flags (docs/distributed.md).
    const QStringList distributedFlags{QStringLiteral("world-size"), QStringLiteral("rank"), QStringLiteral("master-addr"),
                                       QStringLiteral("master-port")};
    for (const QString &flag : distributedFlags)
        parser.addOption(QCommandLineOption(flag, QString(), QStringLiteral("VALUE")));
    const QCommandLineOption nprocOption(QStringLiteral("nproc-per-node"), QString(), QStringLiteral("N"));
    const QCommandLineOption timeoutOption(QStringLiteral("dist-timeout"), QString(), QStringLiteral("SECONDS"));
    const QCommandLineOption joinTimeoutOption(QStringLiteral("join-timeout"), QString(), QStringLiteral("SECONDS"));
    const QCommandLineOption progressJsonOption(QStringLiteral("progress-json"));
    parser.addOptions({nprocOption, timeoutOption, joinTimeoutOption, progressJsonOption});
    if (!parser.parse(QStringList{QStringLiteral("train")} + args))
        return usageError(err, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(err, QStringLiteral("train takes one PROJECT file"));
    if (const auto problem = SettingFlags::conflict(parser))
        return usageError(err, *problem);

    // Where this process stands: alone, one rank of a run, or the launcher of local workers.
    QString environmentError;
    std::optional<DistributedOptions> distributed =
        DistributedOptions::fromEnvironment(QProcessEnvironment::systemEnvironment(), &environmentError);
    if (!distributed)
        return failure(out, err, environmentError);
    if (const auto problem = wholeFlag(parser, QStringLiteral("dist-timeout"), 1, &distributed->timeoutSeconds))
        return usageError(err, *problem);
    if (const auto problem = wholeFlag(parser, QStringLiteral("join-timeout"), 1, &distributed->joinTimeoutSeconds))
        return usageError(err, *problem);
    if (parser.isSet(nprocOption)) {
        int processes = 0;
        if (const auto problem = wholeFlag(parser, nprocOption.names().first(), 1, &processes))
            return usageError(err, *problem);
        for (const QString &flag : distributedFlags)
            if (parser.isSet(flag))
                return usageError(err, QStringLiteral("--nproc-per-node starts its own workers; --%1 is for a worker").arg(flag));
        QStringList workerArgs = args;
        const qsizetype at = workerArgs.indexOf(QStringLiteral("--nproc-per-node"));
        if (at >= 0)
            workerArgs.remove(at, 2);
        else
            workerArgs.removeIf([](const QString &a) { return a.startsWith(QLatin1String("--nproc-per-node=")); });
        return launchLocal(workerArgs, processes, distributed->timeoutSeconds, out, err);
    }
    if (const auto problem = wholeFlag(parser, QStringLiteral("world-size"), 1, &distributed->worldSize))
        return usageError(err, *problem);
    if (const auto problem = wholeFlag(parser, QStringLiteral("rank"), 0, &distributed->rank))
        return usageError(err, *problem);
    if (const auto problem = wholeFlag(parser, QStringLiteral("master-port"), 1, &distributed->masterPort))
        return usageError(err, *problem);
    if (parser.isSet(QStringLiteral("master-addr")))
        distributed->masterAddr = parser.value(QStringLiteral("master-addr"));
    if (parser.isSet(QStringLiteral("rank")) || parser.isSet(QStringLiteral("world-size")))
        distributed->localRank = distributed->rank; // explicit flags: no launcher gave one
    if (const auto problem = distributed->problem())
        return usageError(err, *problem);
    std::unique_ptr<DistributedContext> context;
    std::optional<StopSignals> stopSignals;
    if (distributed->isDistributed()) {
        stopSignals.emplace();
        try {
            context = std::make_unique<DistributedContext>(*distributed);
        } catch (const DistributedError &e) {
            return failure(out, err, e.message());
        }
    }
    // Rank 0 alone prints progress and writes files; every rank prints its errors.
    const bool isMain = !context || context->isMain();
    const bool json = parser.isSet(progressJsonOption);
    auto fail = [&](const QString &message) {
        if (context)
            context->leave(message);
        return failure(out, err, message);
    };
    auto usage = [&](const QString &message) {
        if (context)
            context->leave(message);
        return usageError(err, message);
    };

    // The project, the checkpoint to continue from, and the settings: the
    // project's (or the checkpoint's when resuming), then the flags.
    const QString projectPath = positional.first();
    const SettingFlags::Start start = SettingFlags::load(parser, projectPath, resumeOption.names().first());
    if (!start.usageError.isEmpty())
        return usage(start.usageError);
    if (!start.ok())
        return fail(start.failure);
    const ProjectData &project = start.project;
    const std::optional<Checkpoint> &resume = start.checkpoint;
    const TrainingSettings &settings = start.settings;

    // The model, checked once for the data, the run and the export.
    std::optional<CheckedModel> model;
    try {
        model.emplace(CheckedModel::check(project));
    } catch (const BuildError &e) {
        return fail(QString::fromUtf8(e.what()));
    }

    // The data, and the rows it is tested on.
    Dataset data;
    Dataset test;
    try {
        RunData run = runData(*model, settings, QFileInfo(projectPath).absolutePath());
        data = run.training;
        test = run.test;
    } catch (const DataError &e) {
        return fail(e.message());
    } catch (const std::exception &e) {
        return fail(QStringLiteral("the data set cannot be made: %1").arg(QString::fromUtf8(e.what())));
    }

    // The run. Ranks may take different times to load: meet before the first collective.
    if (context) {
        try {
            context->waitForAll(QStringLiteral("loaded"));
        } catch (const DistributedError &e) {
            return fail(e.message());
        }
    }
    Trainer trainer;
    trainer.setDistributed(context.get());
    QString error;
    if (!trainer.setup(*model, settings, data, &error))
        return fail(error);
    trainer.setTestSet(test);
    if (resume && !trainer.restore(*resume, &error))
        return fail(QStringLiteral("%1: %2").arg(parser.value(resumeOption), error));
    QString checkpointPath;
    if (parser.isSet(checkpointDirOption) && isMain) {
        checkpointPath = QDir(parser.value(checkpointDirOption)).filePath(QStringLiteral("last.ckpt"));
        trainer.setCheckpointPath(checkpointPath);
    }

    // A CSV's columns by name, but a wide one (784 pixels) as a few names and
    // the count: the model's description lists every name.
    QString dataText = data.description();
    for (const QStringList &names : {data.inputNames(), data.targetNames()}) {
        const QString all = names.join(QStringLiteral(", "));
        if (names.size() > kNamedColumns && dataText.contains(all))
            dataText.replace(all, columnsText(names));
    }
    QString plan = QStringLiteral("training %1 (%2 parameters, %3 trainable) on %4: %5 training and %6 validation "
                                  "rows, %7 batch(es) of %8 per epoch; %9, %10 lr %11")
                       .arg(project.root).arg(model->analysis().totalParams()).arg(trainer.optimizedParameterCount())
                       .arg(dataText).arg(trainer.trainRows()).arg(trainer.validationRows())
                       .arg(trainer.batchesPerEpoch()).arg(settings.batchSize)
                       .arg(TrainingSettings::lossName(settings.loss), TrainingSettings::optimizerName(settings.optimizer))
                       .arg(number(settings.learningRate));
    if (context)
        plan += QStringLiteral("; %1 processes, each %2 training rows and batches of %3 per epoch")
                    .arg(context->worldSize()).arg(trainer.shardRows()).arg(settings.batchSize);
    if (!test.isEmpty())
        plan += QStringLiteral("; tested on %1").arg(test.description());
    if (resume)
        plan += QStringLiteral("; resuming at epoch %1, step %2").arg(resume->epoch + 1).arg(resume->step);
    if (isMain) {
        if (json)
            out << ProgressJson::textLine(QStringLiteral("plan"), plan, context ? context->worldSize() : 1);
        else
            out << plan << "\n";
        out.flush();
    }

    const int earlierEpochs = resume ? int(resume->epochs.size()) : 0;
    if (isMain && json) {
        QObject::connect(&trainer, &Trainer::progress, [&](const TrainingProgress &p) {
            out << ProgressJson::progressLine(p);
            out.flush();
        });
        QObject::connect(&trainer, &Trainer::checkpointSaved, [&](const QString &path) {
            out << ProgressJson::textLine(QStringLiteral("checkpoint"), path);
            out.flush();
        });
    } else if (isMain) {
        QObject::connect(&trainer, &Trainer::progress, [&](const TrainingProgress &p) {
            for (const EpochPoint &e : p.epochs) {
                if (e.epoch < earlierEpochs)
                    continue;
                out << "epoch " << (e.epoch + 1) << "/" << settings.epochs << "  train_loss " << number(e.trainLoss);
                if (e.hasValLoss())
                    out << "  val_loss " << number(e.valLoss);
                if (!std::isnan(e.valAccuracy))
                    out << "  val_accuracy " << number(e.valAccuracy);
                if (!std::isnan(e.testLoss))
                    out << "  test_loss " << number(e.testLoss);
                if (!std::isnan(e.testAccuracy))
                    out << "  test_accuracy " << number(e.testAccuracy);
                out << "  samples/s " << qint64(e.samplesPerSecond + 0.5) << "\n";
            }
            out.flush();
        });
    }
    QObject::connect(&trainer, &Trainer::warning, [&](const QString &message) {
        if (json && isMain)
            out << ProgressJson::textLine(QStringLiteral("warning"), message);
        else
            err << "warning: " << message << "\n";
        out.flush();
        err.flush();
    });
    TrainingResult result;
    QObject::connect(&trainer, &Trainer::finished, [&](const TrainingResult &r) { result = r; });
    if (stopSignals)
        stopSignals->stopOnSignal(trainer);
    trainer.run();
    if (context)
        context->leave(result.ok() ? QString() : result.message);

    if (json && isMain) {
        out << ProgressJson::resultLine(result);
        out.flush();
    }
    if (parser.isSet(metricsOption) && isMain) {
        QString writeError;
        if (!writeFile(parser.value(metricsOption), metricsCsv(trainer.losses(), trainer.epochs()), &writeError))
            return fail(writeError);
    }
    if (!result.ok())
        return fail(result.message);
    if (!isMain)
        return 0;
    if (!result.message.isEmpty() && !json) // why it stopped, and which epoch's weights it kept
        out << result.message << "\n";
    if (!result.evaluation.isEmpty() && !json)
        out << "test: " << result.evaluation.report();
    if (!checkpointPath.isEmpty() && QFileInfo::exists(checkpointPath) && !json)
        out << "checkpoint " << checkpointPath << "\n";
    if (parser.isSet(exportOption)) {
        ComposedModule module = trainer.module();
        if (!TorchScriptExporter::save(*model, module, parser.value(exportOption), &error))
            return fail(error);
        if (!json)
            out << "exported " << parser.value(exportOption) << "\n";
    }
    if (!json)
        out << "done: " << result.epochs << " epoch(s), " << result.steps << " step(s); training "
            << QString::number(result.seconds, 'f', 3) << " s, total time "
            << QString::number(clock.elapsed() / 1000.0, 'f', 3) << " s\n";
    out.flush();
    return 0;
}

} // namespace mc
