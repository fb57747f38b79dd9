#pragma once

#include "analysis/CheckedModel.h"
#include "build/ComposedModule.h"
#include "document/GraphTypes.h"
#include "export/ExportError.h"

#include <QString>

#include <torch/script.h>

namespace mc {

/// Turns a built module tree into a TorchScript module that Python
/// (`torch.jit.load`) and C++ (`torch::jit::load`) open without any code of
/// this project (docs/export.md).
///
/// The TorchScript tree mirrors the module tree: one submodule per instance,
/// named by the instance names and nested as the module types nest
/// (`encoder.fc.weight`, `nested_model.blocks.0.fc.weight`); a shared instance
/// is one submodule whose `forward` the parent calls at each call site, so its
/// parameters are stored once. Every `forward` is generated from the graph and
/// compiled with `define()`.
class TorchScriptExporter
{
public:
    /// The extra file of the `.pt` archive that holds the project JSON (stored in
    /// the zip as `<archive>/extra/modelcomposer/project.mcproj`).
    static constexpr const char *kProjectEntry = "modelcomposer/project.mcproj";

    /// Builds the TorchScript module of `module`, which ModelBuilder built from
    /// `project`. Parameters and buffers are copied (the result does not share
    /// storage with `module`) and keep their `requires_grad`; the result is in
    /// eval mode. Throws BuildError when the project has errors, ExportError when
    /// `module` does not match the project, c10::Error when TorchScript refuses
    /// the generated code.
    static torch::jit::Module toScript(const CheckedModel &model, ComposedModule &module);
    /// The same, checking the project first.
    static torch::jit::Module toScript(const ProjectData &project, ComposedModule &module);

    /// Exports `module` to `path` with the project attached as the extra file
    /// kProjectEntry. Written atomically: on failure the previous file is intact.
    /// Returns false with a sentence in *error (may be null) on failure.
    static bool save(const CheckedModel &model, ComposedModule &module, const QString &path, QString *error);
    /// The same, checking the project first.
    static bool save(const ProjectData &project, ComposedModule &module, const QString &path,
                     QString *error);

    /// The project attached to an exported `.pt`. Reads that one zip entry and
    /// nothing else: no TorchScript code from the file is compiled or run.
    /// Throws ProjectFormatError with a sentence naming the file when it is not a
    /// Model Composer export or its project does not read.
    static ProjectData readProject(const QString &ptPath);
};

} // namespace mc
