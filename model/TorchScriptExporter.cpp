#include "TorchScriptExporter.h"

#include "ProjectFile.h"

torch::jit::Module TorchScriptExporter::toScript(const ProjectData &, ComposedModule &)
{
    throw ExportError("TorchScript export is not implemented yet.");
}

bool TorchScriptExporter::save(const ProjectData &, ComposedModule &, const QString &, QString *error)
{
    if (error)
        *error = QStringLiteral("TorchScript export is not implemented yet.");
    return false;
}

ProjectData TorchScriptExporter::readProject(const QString &ptPath)
{
    throw ProjectFormatError(QStringLiteral("%1: reading exports is not implemented yet.").arg(ptPath));
}
