#pragma once

#include "build/ComposedModule.h"
#include "document/GraphTypes.h"
#include "training/Checkpoint.h"

#include <QString>

#include <optional>

class QTextStream;

namespace mc {

/// Loads a checkpoint's weights into a module built from `project`, for the
/// commands that take `--checkpoint` (export, evaluate). Returns the failure
/// sentence when they do not fit its shapes; when they fit but the checkpoint
/// was trained on another version of the graph, loads them and warns on `err`.
std::optional<QString> loadCheckpointWeights(const Checkpoint &checkpoint, const QString &checkpointPath,
                                             ComposedModule &module, const ProjectData &project,
                                             const QString &projectPath, QTextStream &err);

} // namespace mc
