#include "ExportCommand.h"

#include "CheckpointWeights.h"
#include "CliOutput.h"
#include "training/Checkpoint.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "export/PythonExporter.h"
#include "export/TorchScriptExporter.h"
#include "training/TrainingSettings.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QTextStream>

#include <optional>

namespace mc {

namespace {

int usageError(QTextStream &err, const QString &message)
{
    return CliOutput::usageError(err, QStringLiteral("export"), message);
}

int failure(QTextStream &out, QTextStream &err, const QString &message)
{
    return CliOutput::failure(out, err, message);
}

} // namespace

int ExportCommand::run(const QStringList &args, QTextStream &out, QTextStream &err)
{
    QCommandLineParser parser;
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("The .pt (or .py) file to write."), QStringLiteral("OUT"));
    const QCommandLineOption format(QStringLiteral("format"),
                                    QStringLiteral("torchscript (a .pt file, the default) or python (readable "
                                                   "nn.Module classes and a LightningModule)."),
                                    QStringLiteral("FORMAT"), QStringLiteral("torchscript"));
    const QCommandLineOption checkpoint(QStringLiteral("checkpoint"), QStringLiteral("Weights from a checkpoint."),
                                        QStringLiteral("CHECKPOINT"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Initialise the weights from N."),
                                  QStringLiteral("N"));
    parser.addOptions({output, format, checkpoint, seed});
    if (!parser.parse(QStringList{QStringLiteral("export")} + args))
        return usageError(err, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(err, QStringLiteral("expected one PROJECT file"));
    if (!parser.isSet(output) || parser.value(output).isEmpty())
        return usageError(err, QStringLiteral("missing -o OUT.pt"));
    if (parser.values(output).size() > 1 || parser.values(seed).size() > 1 ||
        parser.values(checkpoint).size() > 1 || parser.values(format).size() > 1)
        return usageError(err, QStringLiteral("an option is given twice"));
    if (parser.isSet(seed) && parser.isSet(checkpoint))
        return usageError(err, QStringLiteral("--seed and --checkpoint exclude each other: the weights come from one"));
    const QString formatName = parser.value(format);
    if (formatName != QLatin1String("torchscript") && formatName != QLatin1String("python"))
        return usageError(err, QStringLiteral("--format expects torchscript or python, not '%1'").arg(formatName));
    const bool python = formatName == QLatin1String("python");
    std::optional<uint64_t> seedValue;
    if (parser.isSet(seed)) {
        bool ok = false;
        seedValue = parser.value(seed).toULongLong(&ok);
        if (!ok)
            return usageError(err, QStringLiteral("--seed expects a whole number of at least 0, not '%1'")
                                       .arg(parser.value(seed)));
    }

    const QString projectPath = positional.first();
    const QString outPath = parser.value(output);
    ProjectData project;
    try {
        project = ProjectFile::load(projectPath);
    } catch (const ProjectFormatError &e) {
        return failure(out, err, e.message());
    }
    std::optional<Checkpoint> weights;
    if (parser.isSet(checkpoint)) {
        try {
            weights = Checkpoint::load(parser.value(checkpoint));
        } catch (const CheckpointError &e) {
            return failure(out, err, e.message());
        }
    } else if (!seedValue && !python) {
        // The seed training starts from, so that the export holds its first weights.
        try {
            seedValue = TrainingSettings::fromJson(project.training).seed;
        } catch (const ProjectFormatError &e) {
            return failure(out, err, QStringLiteral("%1: %2 (or give --seed N)")
                                         .arg(QFileInfo(projectPath).fileName(), e.message()));
        }
    }

    std::optional<CheckedModel> model;
    ComposedModule module{nullptr};
    try {
        model.emplace(CheckedModel::check(project));
        module = ModelBuilder::build(*model, seedValue);
    } catch (const BuildError &e) {
        return failure(out, err, QStringLiteral("%1: %2").arg(projectPath, QString::fromUtf8(e.what())));
    }
    if (weights)
        if (const std::optional<QString> problem =
                loadCheckpointWeights(*weights, parser.value(checkpoint), module, project, projectPath, err))
            return failure(out, err, *problem);

    QString error;
    if (python) {
        // Weights only when asked for: without them the code trains from
        // PyTorch's own initialisation.
        const bool withWeights = weights || seedValue;
        if (!PythonExporter::save(*model, withWeights ? &module : nullptr, outPath, projectPath, &error))
            return failure(out, err, error);
        out << "Exported " << projectPath << " to " << outPath;
        if (withWeights)
            out << " and " << PythonExporter::weightsPath(outPath);
    } else {
        if (!TorchScriptExporter::save(*model, module, outPath, &error))
            return failure(out, err, error);
        out << "Exported " << projectPath << " to " << outPath;
    }
    if (python && !weights && !seedValue)
        out << " (no weights: give --seed N or --checkpoint C for a weights file)\n";
    else if (weights)
        // Epochs as people count them: the checkpoint's epoch is the next one to run, from 0.
        out << " (weights of " << parser.value(checkpoint)
            << (weights->batchInEpoch == 0 ? QStringLiteral(" after %1 epoch(s)").arg(weights->epoch)
                                           : QStringLiteral(" in epoch %1").arg(weights->epoch + 1))
            << ", step " << weights->step << ")\n";
    else
        out << " (weights from seed " << *seedValue << ")\n";
    out.flush();
    err.flush();
    return 0;
}

} // namespace mc
