#pragma once

#include <QStringList>

class QTextStream;

namespace mc {

/// `modelcomposer-cli train PROJECT [options]`: trains the project's model with
/// its training settings, each of which a flag can override (docs/training.md),
/// printing one line per epoch and a final line with the total time. Writes a
/// per-step metrics CSV, checkpoints and a TorchScript export on request.
class TrainCommand
{
public:
    /// Runs with the arguments that follow `train`; prints to `out` and `err`.
    /// Returns the exit status: 0 success, 1 failure (`error: …`), 2 usage error.
    static int run(const QStringList &args, QTextStream &out, QTextStream &err);
};

} // namespace mc
