#pragma once

#include "analysis/CheckedModel.h"
#include "build/ComposedModule.h"
#include "document/GraphTypes.h"

#include <cstdint>
#include <optional>

namespace mc {

/// Turns a project into a tree of registered LibTorch modules: one registered
/// submodule per instance, nested as the module types nest and named by the
/// instance names; a shared instance is registered once and called at each of
/// its call sites; a frozen instance's parameters do not require gradients.
class ModelBuilder
{
public:
    /// Builds the root model. With a seed, weights are initialised from it
    /// (the same seed gives the same weights).
    static ComposedModule build(const CheckedModel &model, std::optional<uint64_t> seed = std::nullopt);
    /// The same, checking the project first. Throws BuildError.
    static ComposedModule build(const ProjectData &project, std::optional<uint64_t> seed = std::nullopt);
};

} // namespace mc
