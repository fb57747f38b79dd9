#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace mc {

/// A module built from a module type's graph. Its children are registered under
/// the instance names; `forward` runs a schedule fixed when the module was
/// built: a flat list of steps over numbered value slots, with no walk of the
/// document and no lookup by name at call time.
class ComposedModuleImpl : public torch::nn::Module
{
public:
    /// One step of the schedule: reads `inputs` slots, writes `outputs` slots.
    struct Step
    {
        std::function<void(std::vector<torch::Tensor> &slots)> run;
        std::string label; ///< The instance or node name, for error messages.
        /// Slots this step reads last: dropped after it, so that a tensor
        /// autograd does not keep is freed as soon as its last reader is done
        /// (as in a hand-written forward) rather than when forward returns.
        std::vector<int> release;
    };

    ComposedModuleImpl(std::string typeName, int inputCount, int outputCount);

    /// The module type this module was built from.
    const std::string &typeName() const { return m_typeName; }
    int inputCount() const { return m_inputCount; }
    int outputCount() const { return m_outputCount; }

    /// Single input, single output: the usual case, and the trainer's.
    torch::Tensor forward(const torch::Tensor &x);
    /// Any number of inputs and outputs, in port order.
    std::vector<torch::Tensor> forwardAll(const std::vector<torch::Tensor> &inputs);

    // Set up by ModelBuilder only.
    void setSchedule(std::vector<Step> steps, int slotCount, std::vector<int> inputSlots,
                     std::vector<int> outputSlots);

private:
    void runSteps(std::vector<torch::Tensor> &slots) const;

    std::string m_typeName;
    int m_inputCount = 0;
    int m_outputCount = 0;
    std::vector<Step> m_steps;
    int m_slotCount = 0;
    std::vector<int> m_inputSlots;
    std::vector<int> m_outputSlots;
};
TORCH_MODULE(ComposedModule);

/// A stack of blocks, registered as `0`, `1`, … like torch::nn::ModuleList, and
/// applied in order.
class BlockStackImpl : public torch::nn::Module
{
public:
    void append(const ComposedModule &block);
    torch::Tensor forward(torch::Tensor x);
    const std::vector<ComposedModule> &blocks() const { return m_blocks; }

private:
    std::vector<ComposedModule> m_blocks;
};
TORCH_MODULE(BlockStack);

} // namespace mc
