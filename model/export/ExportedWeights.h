#pragma once

#include <QString>

#include <torch/torch.h>

#include <map>
#include <string>

namespace mc {

/// The tensors stored in an exported TorchScript `.pt`, by dotted name as the
/// module tree holds them (`encoder.fc.weight`, `blocks.0.fc.bias`).
///
/// Reads only the archive's pickled data and its tensor records: no
/// TorchScript code from the file is compiled or run (no `__setstate__`
/// either), so opening a file never runs code from it. Module classes are
/// stood in for by empty class types that hold what the pickle gives them.
/// The window reads an opened export's weights with it.
class ExportedWeights
{
public:
    /// Every tensor of the module tree by name. Throws std::runtime_error with
    /// a sentence naming the file when it cannot be read as an export.
    static std::map<std::string, torch::Tensor> read(const QString &ptPath);
};

} // namespace mc
