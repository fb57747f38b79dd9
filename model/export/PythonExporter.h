#pragma once

#include "analysis/CheckedModel.h"
#include "build/ComposedModule.h"
#include "export/ExportError.h"

#include <QString>

namespace mc {

/// What the Python source says beyond the model: where it came from and what
/// it loads.
struct PythonExportOptions
{
    /// The project file as the header comment names it (`shared-block.mcproj`).
    QString projectName;
    /// The weights file the code loads, beside the source (`model.weights.pt`);
    /// empty: the code loads none and trains from PyTorch's initialisation.
    QString weightsFile;
    /// The project's folder as seen from the source's folder (`.`,
    /// `../examples`): the data files of the project are found there.
    QString projectFolder = QStringLiteral(".");
};

/// Writes a project's model as Python that a person reads and keeps
/// developing (docs/export.md): one `nn.Module` class per module type in
/// dependency order, named as the type, with the type's arguments as
/// `__init__` parameters; the root as a LightningModule in the manner of the
/// article (`training_step`, `validation_step`, `configure_optimizers`, the
/// project's loss); and a `__main__` that makes the project's data and trains
/// with Lightning when it is installed, else with a plain PyTorch loop of the
/// same steps. Parameter names, their order and the buffers are those of the
/// module tree and of the TorchScript export (`encoder.fc.weight`).
///
/// Both exports follow one schedule (ForwardPlan), and every built-in layer
/// writes its own Python (LayerDefinition::pythonCode).
class PythonExporter
{
public:
    /// The Python source of `model`. Throws ExportError when the model cannot
    /// be written as one class per type (a size that a type infers differs
    /// between its uses), ProjectFormatError when its training settings do
    /// not read.
    static QString source(const CheckedModel &model, const PythonExportOptions &options);

    /// `model.weights.pt` beside `model.py`.
    static QString weightsPath(const QString &pythonPath);

    /// Writes the state of `module` (every parameter and buffer by its dotted
    /// name) as a dict of tensors that Python's `torch.load(path,
    /// weights_only=True)` reads and `load_state_dict` takes. Atomic; returns
    /// false with a sentence in *error (may be null).
    static bool saveWeights(ComposedModule &module, const QString &path, QString *error);

    /// Writes the source to `path` and, with `module`, its weights to
    /// weightsPath(path), which the source then loads. The project's data
    /// files are found from the source's folder through `projectDir` (the
    /// project file's folder; empty: the current folder). Atomic per file;
    /// returns false with a sentence in *error (may be null).
    static bool save(const CheckedModel &model, ComposedModule *module, const QString &path,
                     const QString &projectPath, QString *error);
};

} // namespace mc
