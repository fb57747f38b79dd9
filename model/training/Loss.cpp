#include "training/Loss.h"

namespace mc {

torch::Tensor comparableOutput(const torch::Tensor &output, TrainingSettings::Loss loss)
{
    const bool classTargets = loss == TrainingSettings::Loss::CrossEntropy || loss == TrainingSettings::Loss::Nll;
    return output.dim() > 2 && !classTargets ? output.flatten(1) : output;
}

torch::Tensor lossValue(TrainingSettings::Loss loss, const torch::Tensor &output, const torch::Tensor &target)
{
    switch (loss) {
    case TrainingSettings::Loss::Mse:
        return torch::mse_loss(output, target);
    case TrainingSettings::Loss::L1:
        return torch::l1_loss(output, target);
    case TrainingSettings::Loss::SmoothL1:
        return torch::smooth_l1_loss(output, target);
    case TrainingSettings::Loss::Bce:
        return torch::binary_cross_entropy(output, target);
    case TrainingSettings::Loss::BceWithLogits:
        return torch::binary_cross_entropy_with_logits(output, target);
    case TrainingSettings::Loss::CrossEntropy:
        return torch::cross_entropy_loss(output, target);
    case TrainingSettings::Loss::Nll:
        return torch::nll_loss(output, target);
    }
    return torch::mse_loss(output, target);
}

} // namespace mc
