#include "CheckpointWeights.h"

#include "document/ProjectFile.h"

#include <QTextStream>

namespace mc {

std::optional<QString> loadCheckpointWeights(const Checkpoint &checkpoint, const QString &checkpointPath,
                                             ComposedModule &module, const ProjectData &project,
                                             const QString &projectPath, QTextStream &err)
{
    if (const std::optional<QString> why = checkpoint.mismatch(*module))
        return QStringLiteral("%1 does not fit %2: %3").arg(checkpointPath, projectPath, *why);
    try {
        checkpoint.loadWeights(*module);
    } catch (const CheckpointError &e) {
        return e.message();
    }
    // Same shapes, other graph: the weights load, but say so.
    bool sameGraph = false;
    try {
        const ProjectData trained = ProjectFile::fromJson(checkpoint.project);
        sameGraph = trained.root == project.root && trained.types == project.types;
    } catch (const ProjectFormatError &) {
    }
    if (!sameGraph)
        err << "warning: " << checkpointPath << " was trained on another version of " << projectPath
            << "; its weights fit this one's shapes and are used with this graph.\n";
    return std::nullopt;
}

} // namespace mc
