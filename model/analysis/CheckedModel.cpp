#include "analysis/CheckedModel.h"

namespace mc {

CheckedModel CheckedModel::check(const ProjectData &project)
{
    return check(project, std::make_shared<const Analysis>(project));
}

CheckedModel CheckedModel::check(const ProjectData &project, std::shared_ptr<const Analysis> analysis)
{
    if (analysis->hasErrors())
        throw BuildError("The model cannot be built:\n" +
                         analysis->errorLines().join(QLatin1Char('\n')).toStdString());
    if (!analysis->root())
        throw BuildError("The project has no root model.");
    CheckedModel m;
    m.m_project = std::make_shared<const ProjectData>(project);
    m.m_root = analysis->root();
    m.m_analysis = std::move(analysis);
    return m;
}

std::optional<QString> CheckedModel::trainingRefusal(const TypeEval &root)
{
    if (root.inputs.size() == 1 && root.outputs.size() == 1)
        return std::nullopt;
    return QStringLiteral("The root model `%1` has %2 input(s) and %3 output(s); training needs exactly one of each.")
        .arg(root.type)
        .arg(root.inputs.size())
        .arg(root.outputs.size());
}

} // namespace mc
