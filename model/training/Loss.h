#pragma once

#include "training/TrainingSettings.h"

#include <torch/torch.h>

namespace mc {

/// The model's output as the loss compares it with the targets: an image or a
/// sequence out is flattened after the batch and compared value by value with
/// its row of targets; class scores stay [batch, classes]. The trainer and
/// the evaluation both take it from here.
torch::Tensor comparableOutput(const torch::Tensor &output, TrainingSettings::Loss loss);

/// The mean loss of a batch, as torch.nn's loss of that name computes it.
torch::Tensor lossValue(TrainingSettings::Loss loss, const torch::Tensor &output, const torch::Tensor &target);

} // namespace mc
