#pragma once

#include "analysis/Analysis.h"
#include "build/ComposedModule.h"
#include "document/GraphTypes.h"

#include <cstdint>
#include <optional>
#include <stdexcept>

/// The document has errors and cannot be built; what() lists them, one a line.
class BuildError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// Turns a project into a tree of registered LibTorch modules: one registered
/// submodule per instance, nested as the module types nest and named by the
/// instance names; a shared instance is registered once and called at each of
/// its call sites; a frozen instance's parameters do not require gradients.
class ModelBuilder
{
public:
    /// Builds the root model. With a seed, weights are initialised from it
    /// (the same seed gives the same weights). Throws BuildError.
    static ComposedModule build(const ProjectData &project, std::optional<uint64_t> seed = std::nullopt);
    /// The same, from an analysis of that project already at hand.
    static ComposedModule build(const ProjectData &project, const Analysis &analysis,
                                std::optional<uint64_t> seed = std::nullopt);
};
