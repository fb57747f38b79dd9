#pragma once

#include "build/ComposedModule.h"
#include "data/Dataset.h"
#include "training/Evaluation.h"
#include "training/TrainingSettings.h"

#include <torch/torch.h>

#include <vector>

namespace mc {

/// Accumulates the metrics of Evaluation batch by batch.
class Evaluator
{
public:
    /// `outputs`: values per row as the loss compares them (classes for class
    /// targets); `classNames` name the classes (empty: their numbers).
    Evaluator(TrainingSettings::Loss loss, int64_t outputs, const QStringList &classNames = {},
              bool reconstruction = false);
    /// One batch: `output` as the loss compares it ([rows, classes] scores for
    /// class targets, [rows, values] otherwise) and its targets.
    void add(const torch::Tensor &output, const torch::Tensor &target);
    Evaluation result() const;

private:
    TrainingSettings::Loss m_loss;
    Evaluation m_e;
    int64_t m_outputs = 0;
    double m_lossSum = 0;
    qint64 m_right = 0;
    qint64 m_decisions = 0;
    qint64 m_top5 = 0;
    double m_sqErr = 0;
    double m_absErr = 0;
    std::vector<double> m_targetSum;   // per output column
    std::vector<double> m_targetSqSum; // per output column
};

/// Runs `module` (in eval mode, without gradients, in chunks) on every row of
/// `data`, with rows reshaped to `inputShape` (the root's input shape without
/// the batch), and evaluates its outputs. The module is left in the mode it was
/// in. An empty data set gives an empty Evaluation.
Evaluation evaluate(ComposedModule &module, const Dataset &data, const TrainingSettings &settings,
                    const std::vector<int64_t> &inputShape);

} // namespace mc
