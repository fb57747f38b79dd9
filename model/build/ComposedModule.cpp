#include "build/ComposedModule.h"

namespace mc {

ComposedModuleImpl::ComposedModuleImpl(std::string typeName, int inputCount, int outputCount)
    : m_typeName(std::move(typeName)), m_inputCount(inputCount), m_outputCount(outputCount)
{
}

void ComposedModuleImpl::setSchedule(std::vector<Step> steps, int slotCount,
                                     std::vector<int> inputSlots, std::vector<int> outputSlots)
{
    m_steps = std::move(steps);
    m_slotCount = slotCount;
    m_inputSlots = std::move(inputSlots);
    m_outputSlots = std::move(outputSlots);
}

std::vector<torch::Tensor> ComposedModuleImpl::forwardAll(const std::vector<torch::Tensor> &inputs)
{
    TORCH_CHECK(int(inputs.size()) == m_inputCount, m_typeName, " takes ", m_inputCount,
                " inputs, got ", inputs.size());
    std::vector<torch::Tensor> slots(static_cast<size_t>(m_slotCount));
    for (size_t k = 0; k < m_inputSlots.size(); ++k)
        slots[size_t(m_inputSlots[k])] = inputs[k];
    runSteps(slots);
    std::vector<torch::Tensor> outputs;
    outputs.reserve(m_outputSlots.size());
    for (int s : m_outputSlots)
        outputs.push_back(slots[size_t(s)]);
    return outputs;
}

torch::Tensor ComposedModuleImpl::forward(const torch::Tensor &x)
{
    TORCH_CHECK(m_inputCount == 1 && m_outputCount == 1, m_typeName, " has ", m_inputCount,
                " inputs and ", m_outputCount, " outputs; call forwardAll");
    std::vector<torch::Tensor> slots(static_cast<size_t>(m_slotCount));
    slots[size_t(m_inputSlots[0])] = x;
    runSteps(slots);
    return slots[size_t(m_outputSlots[0])];
}

void ComposedModuleImpl::runSteps(std::vector<torch::Tensor> &slots) const
{
    const Step *current = nullptr;
    try {
        for (const Step &step : m_steps) {
            current = &step;
            step.run(slots);
            for (int k : step.release)
                slots[size_t(k)].reset();
        }
    } catch (const c10::Error &e) {
        // Name the instance that failed: a size that only shows at run time.
        TORCH_CHECK(false, "in `", current ? current->label : std::string(), "` of ", m_typeName, ": ",
                    e.what_without_backtrace());
    }
}

void BlockStackImpl::append(const ComposedModule &block)
{
    m_blocks.push_back(register_module(std::to_string(m_blocks.size()), block));
}

torch::Tensor BlockStackImpl::forward(torch::Tensor x)
{
    for (auto &block : m_blocks)
        x = block->forward(x);
    return x;
}

} // namespace mc
