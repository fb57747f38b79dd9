#pragma once

#include <QStringList>

class QTextStream;

namespace mc {

/// `modelcomposer-cli evaluate PROJECT [--checkpoint C] [data flags] [--json]`:
/// judges a model on its test set (the project's, or one the flags name; every
/// row of the data when there is none) with the weights of a checkpoint or
/// those training starts from, and prints the metrics and, for classes, the
/// per-class table and the confusion matrix, as `train` prints them after a run.
class EvaluateCommand
{
public:
    /// Runs with the arguments that follow `evaluate`. Returns the exit status:
    /// 0 success, 1 failure (`error: …`), 2 usage error.
    static int run(const QStringList &args, QTextStream &out, QTextStream &err);
};

} // namespace mc
