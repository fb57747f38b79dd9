#pragma once

#include "document/GraphTypes.h"
#include "training/Checkpoint.h"
#include "training/TrainingSettings.h"

#include <QJsonObject>
#include <QString>

#include <optional>

class QCommandLineParser;

namespace mc {

/// The flags that override a project's training settings (`--epochs`,
/// `--data-kind`, `--test-set`, `--data FILE`, …), shared by the commands that
/// read data: `train` and `evaluate` take the same flags with the same rules.
namespace SettingFlags {

/// Adds every setting flag, switch and data file option to `parser`.
void addTo(QCommandLineParser &parser);

/// After parsing: a flag given twice, two switches that exclude each other, or
/// --lr with --learning-rate; the usage sentence, or nothing.
std::optional<QString> conflict(const QCommandLineParser &parser);

/// `training` (the project's settings, or a checkpoint's) with the flags
/// applied, read as TrainingSettings. A path on the command line is the
/// shell's, made absolute. A flag's bad value is a usage error naming the
/// flag; a bad value from the project is a failure naming `projectPath`.
struct Outcome
{
    std::optional<TrainingSettings> settings;
    QString usageError; ///< Non-empty: the flags are wrong (exit status 2).
    QString failure;    ///< Non-empty: the project's settings are wrong (exit status 1).
};
Outcome apply(const QCommandLineParser &parser, QJsonObject training, const QString &projectPath);

/// What a command that reads data starts from: the project file, the
/// checkpoint the flag `checkpointFlag` names (when given), and the settings:
/// the checkpoint's when there is one (its seed held out the same rows), else
/// the project's, with the flags applied.
struct Start
{
    ProjectData project;
    std::optional<Checkpoint> checkpoint;
    TrainingSettings settings;
    QString usageError; ///< As Outcome's.
    QString failure;    ///< The file, the checkpoint or the settings cannot be read.
    bool ok() const { return usageError.isEmpty() && failure.isEmpty(); }
};
Start load(const QCommandLineParser &parser, const QString &projectPath, const QString &checkpointFlag);


} // namespace SettingFlags

} // namespace mc
