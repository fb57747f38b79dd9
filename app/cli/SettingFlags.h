#pragma once

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


} // namespace SettingFlags

} // namespace mc
