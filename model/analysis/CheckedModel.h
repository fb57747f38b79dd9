#pragma once

#include "analysis/Analysis.h"
#include "document/GraphTypes.h"

#include <memory>
#include <optional>
#include <stdexcept>

namespace mc {

/// The document has errors and cannot be built; what() lists them, one a line.
class BuildError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// A project that the analysis found buildable: the project, its analysis and
/// the root's evaluation, whose instance list is the order every call runs
/// in. It is made once and handed to the builder, the exporter, the data and
/// the trainer, so a run analyses its project once and a refusal is worded in
/// one place. Cheap to copy (shared, immutable).
class CheckedModel
{
public:
    /// Analyses the project. Throws BuildError ("The model cannot be built:"
    /// and the errors, one a line; or "The project has no root model.").
    static CheckedModel check(const ProjectData &project);
    /// The same from an analysis of that very project already at hand (the
    /// editor's), without analysing it again.
    static CheckedModel check(const ProjectData &project, std::shared_ptr<const Analysis> analysis);

    const ProjectData &project() const { return *m_project; }
    const Analysis &analysis() const { return *m_analysis; }
    const TypeEval &root() const { return *m_root; }

    /// Training takes one input and one output of the root; nullopt when it
    /// has them, else the sentence that says what it has.
    std::optional<QString> trainingRefusal() const { return trainingRefusal(*m_root); }
    /// The same for a root evaluated by an analysis that found other errors.
    static std::optional<QString> trainingRefusal(const TypeEval &root);

private:
    CheckedModel() = default;

    std::shared_ptr<const ProjectData> m_project;
    std::shared_ptr<const Analysis> m_analysis;
    std::shared_ptr<const TypeEval> m_root;
};

} // namespace mc
