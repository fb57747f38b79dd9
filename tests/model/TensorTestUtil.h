#pragma once

// Small tensor helpers shared by the model tests.

#include <torch/torch.h>

#include <vector>

/// Detached copies of a module's parameters, in parameter order.
inline std::vector<torch::Tensor> copies(const torch::nn::Module &m)
{
    std::vector<torch::Tensor> out;
    for (const auto &p : m.parameters())
        out.push_back(p.detach().clone());
    return out;
}

/// Whether two lists of tensors are equal element for element (bit-equal values).
inline bool sameTensors(const std::vector<torch::Tensor> &a, const std::vector<torch::Tensor> &b)
{
    if (a.size() != b.size())
        return false;
    for (size_t k = 0; k < a.size(); ++k)
        if (!torch::equal(a[k], b[k]))
            return false;
    return true;
}
