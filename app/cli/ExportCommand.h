#pragma once

#include <QStringList>

class QTextStream;

namespace mc {

/// `modelcomposer-cli export PROJECT -o OUT [--format torchscript|python]
/// [--checkpoint CHECKPOINT] [--seed N]`: builds the project's model (weights
/// from the seed, or from a checkpoint the trainer wrote) and writes it as
/// TorchScript with the project inside (TorchScriptExporter), or as Python
/// source with, when weights are asked for, OUT's `.weights.pt` beside it
/// (PythonExporter; docs/export.md).
class ExportCommand
{
public:
    /// Runs with the arguments that follow `export`; prints to `out` and `err`.
    /// Returns the exit status: 0 success, 1 failure (`error: …`), 2 usage error.
    static int run(const QStringList &args, QTextStream &out, QTextStream &err);
};

} // namespace mc
