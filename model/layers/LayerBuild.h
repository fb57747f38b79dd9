#pragma once

#include "layers/LayerDefinition.h"

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace mc {

/// The value slots a composed module's schedule runs over (ComposedModule).
using Slots = std::vector<torch::Tensor>;

/// How one call of a built-in layer runs: it reads the slots `in` (one per
/// input port) and writes the slots `out` (one per output port). Every call
/// site of a shared instance uses the same LayerCall, hence the same module.
struct LayerCall
{
    std::function<void(Slots &, const std::vector<int> &in, const std::vector<int> &out)> run;
};

/// What a layer's `build` gets: the parent module to register its module on,
/// under the instance's name, and the resolved options.
struct LayerBuild
{
    torch::nn::Module &parent;
    std::string name;
    const ResolvedOptions &options;

    /// Registers `module` on the parent under the instance's name.
    template <typename M>
    M add(M module) const
    {
        return parent.register_module(name, module);
    }
};

/// The usual call: one input, one output, through a module's forward.
template <typename M>
LayerCall unaryCall(M module)
{
    return {[module](Slots &s, const std::vector<int> &in, const std::vector<int> &out) mutable {
        s[size_t(out[0])] = module->forward(s[size_t(in[0])]);
    }};
}

/// A call of a plain function of the inputs (an operator, or a layer whose
/// module is a torch::nn::Functional-like wrapper).
inline LayerCall functionCall(std::function<torch::Tensor(const Slots &, const std::vector<int> &)> f)
{
    return {[f = std::move(f)](Slots &s, const std::vector<int> &in, const std::vector<int> &out) {
        s[size_t(out[0])] = f(s, in);
    }};
}

/// A parameter-free module that applies a function, for a torch.nn layer that
/// LibTorch has no module for (Hardswish): it is registered like any other
/// layer, so the module tree has one child per instance, as the TorchScript
/// export and PyTorch have. (Reshape and Permute are operators: no module.)
class FunctionLayerImpl : public torch::nn::Module
{
public:
    explicit FunctionLayerImpl(std::function<torch::Tensor(const torch::Tensor &)> f) : m_f(std::move(f)) {}
    torch::Tensor forward(const torch::Tensor &x) { return m_f(x); }

private:
    std::function<torch::Tensor(const torch::Tensor &)> m_f;
};
TORCH_MODULE(FunctionLayer);

} // namespace mc
