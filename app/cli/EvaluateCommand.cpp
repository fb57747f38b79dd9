#include "EvaluateCommand.h"

#include "CheckpointWeights.h"
#include "CliOutput.h"
#include "SettingFlags.h"
#include "analysis/CheckedModel.h"
#include "build/ModelBuilder.h"
#include "data/Dataset.h"
#include "document/ProjectFile.h"
#include "training/Evaluator.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTextStream>

#include <optional>

namespace mc {

namespace {

int usageError(QTextStream &err, const QString &message)
{
    return CliOutput::usageError(err, QStringLiteral("evaluate"), message);
}

} // namespace

int EvaluateCommand::run(const QStringList &args, QTextStream &out, QTextStream &err)
{
    QCommandLineParser parser;
    SettingFlags::addTo(parser);
    const QCommandLineOption checkpointOption(QStringLiteral("checkpoint"), QString(), QStringLiteral("CHECKPOINT"));
    const QCommandLineOption jsonOption(QStringLiteral("json"));
    parser.addOptions({checkpointOption, jsonOption});
    if (!parser.parse(QStringList{QStringLiteral("evaluate")} + args))
        return usageError(err, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(err, QStringLiteral("evaluate takes one PROJECT file"));
    if (const auto problem = SettingFlags::conflict(parser))
        return usageError(err, *problem);
    if (parser.isSet(checkpointOption) && parser.isSet(QStringLiteral("seed")))
        return usageError(err, QStringLiteral("--seed and --checkpoint exclude each other: the weights come from one"));
    auto fail = [&](const QString &message) { return CliOutput::failure(out, err, message); };

    const QString projectPath = positional.first();
    const SettingFlags::Start start = SettingFlags::load(parser, projectPath, checkpointOption.names().first());
    if (!start.usageError.isEmpty())
        return usageError(err, start.usageError);
    if (!start.ok())
        return fail(start.failure);
    const ProjectData &project = start.project;
    const std::optional<Checkpoint> &checkpoint = start.checkpoint;
    const TrainingSettings &settings = start.settings;
    if (settings.threads > 0)
        torch::set_num_threads(settings.threads);

    std::optional<CheckedModel> model;
    ComposedModule module{nullptr};
    try {
        model.emplace(CheckedModel::check(project));
        if (const auto refusal = model->trainingRefusal())
            return fail(*refusal);
        module = ModelBuilder::build(*model, settings.seed);
    } catch (const BuildError &e) {
        return fail(QStringLiteral("%1: %2").arg(projectPath, QString::fromUtf8(e.what())));
    }
    if (checkpoint)
        if (const auto problem = loadCheckpointWeights(*checkpoint, parser.value(checkpointOption), module, project,
                                                       projectPath, err))
            return fail(*problem);

    // The test set, or with none every row of the data set.
    Dataset data;
    bool wholeDataSet = false;
    try {
        RunData run = runData(*model, settings, QFileInfo(projectPath).absolutePath());
        wholeDataSet = run.test.isEmpty();
        data = wholeDataSet ? run.training : run.test;
    } catch (const DataError &e) {
        return fail(e.message());
    } catch (const std::exception &e) {
        return fail(QStringLiteral("the data set cannot be made: %1").arg(QString::fromUtf8(e.what())));
    }
    const Shape inShape = model->root().inputs.first();
    if (const auto mismatch = data.inputMismatch(inShape))
        return fail(*mismatch);
    Evaluation evaluation;
    try {
        evaluation = evaluate(module, data, settings, std::vector<int64_t>(inShape.dims().begin(), inShape.dims().end()));
    } catch (const std::exception &e) {
        return fail(QStringLiteral("evaluating %1 failed: %2").arg(projectPath, QString::fromUtf8(e.what())));
    }

    const QString weights = checkpoint ? QStringLiteral("the weights of %1 (step %2)")
                                             .arg(parser.value(checkpointOption))
                                             .arg(checkpoint->step)
                                       : QStringLiteral("the initial weights of seed %1").arg(settings.seed);
    const QString on = wholeDataSet ? QStringLiteral("every row of %1 (the project names no test set)").arg(data.description())
                                    : data.description();
    if (parser.isSet(jsonOption)) {
        QJsonObject o = evaluation.toJson();
        o.insert(QStringLiteral("project"), projectPath);
        o.insert(QStringLiteral("data"), data.description());
        o.insert(QStringLiteral("test_set"), !wholeDataSet);
        o.insert(QStringLiteral("weights"), weights);
        out << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
    } else {
        out << "evaluated " << project.root << " with " << weights << " on " << on << "\n";
        out << evaluation.report();
    }
    out.flush();
    err.flush();
    return 0;
}

} // namespace mc
