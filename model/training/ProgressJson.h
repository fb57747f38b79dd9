#pragma once

#include "training/TrainingProgress.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace mc {

/// Training reports as one line of JSON each: what `modelcomposer-cli train
/// --progress-json` prints on standard output and LocalLauncher reads back
/// into the values a Trainer emits. The lines (keys in snake_case, NaN as
/// null; docs/distributed.md lists them):
///   {"type":"plan","text":…,"world_size":…}
///   {"type":"progress","epoch":…,"step":…,"total_steps":…,"samples_per_second":…,
///    "losses":[[step,epoch,loss],…],"epochs":[{"epoch":…,"end_step":…,…},…]}
///   {"type":"warning","text":…}   {"type":"checkpoint","text":PATH}
///   {"type":"result","outcome":"completed"|"stopped"|"early_stopped"|"failed","message":…,…}
class ProgressJson
{
public:
    /// What one line carries: `type` says which of the other fields is set.
    struct Line
    {
        QString type; ///< "plan", "progress", "warning", "checkpoint" or "result".
        TrainingProgress progress;
        TrainingResult result;
        QString text;
        int worldSize = 1;
    };

    static QByteArray progressLine(const TrainingProgress &progress);
    static QByteArray resultLine(const TrainingResult &result);
    /// A "plan", "warning" or "checkpoint" line.
    static QByteArray textLine(const QString &type, const QString &text, int worldSize = 1);
    /// Reads a line written by the functions above; nullopt for anything else
    /// (a line of text, broken JSON, an unknown type).
    static std::optional<Line> parse(const QByteArray &line);
};

} // namespace mc
