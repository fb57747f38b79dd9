#include "distributed/GradientBuckets.h"

#include <c10/util/strides.h>

#include <stdexcept>
#include <unordered_set>

namespace mc {

GradientBuckets::GradientBuckets(const std::vector<torch::Tensor> &parameters, int64_t capBytes, int extraValues)
    : m_extraCount(extraValues)
{
    std::vector<torch::Tensor> unique;
    std::unordered_set<const void *> seen;
    for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
        if (it->scalar_type() != torch::kFloat32)
            throw std::invalid_argument("Distributed training averages float32 parameters only.");
        if (seen.insert(it->unsafeGetTensorImpl()).second)
            unique.push_back(*it);
    }

    // Bucket boundaries by size: [first, end) index ranges of `unique`.
    const int64_t capValues = std::max<int64_t>(1, capBytes / int64_t(sizeof(float)));
    std::vector<std::pair<size_t, int64_t>> bucketStarts; // (first parameter, values)
    int64_t values = 0;
    for (size_t k = 0; k < unique.size(); ++k) {
        const int64_t n = unique[k].numel();
        if (bucketStarts.empty() || (values > 0 && values + n > capValues)) {
            bucketStarts.emplace_back(k, 0);
            values = 0;
        }
        values += n;
        bucketStarts.back().second = values;
    }
    if (bucketStarts.empty())
        bucketStarts.emplace_back(0, 0);
    bucketStarts.back().second += extraValues;

    torch::NoGradGuard noGrad;
    for (size_t b = 0; b < bucketStarts.size(); ++b) {
        torch::Tensor buffer = torch::zeros({bucketStarts[b].second}, torch::kFloat32);
        const size_t end = b + 1 < bucketStarts.size() ? bucketStarts[b + 1].first : unique.size();
        int64_t offset = 0;
        for (size_t k = bucketStarts[b].first; k < end; ++k) {
            const torch::Tensor &p = unique[k];
            torch::Tensor slot = torch::empty({0}, buffer.options());
            // Not a view of the buffer: LibTorch's zero_grad() detaches gradients in place.
            slot.set_(buffer.storage(), offset, p.sizes(), c10::contiguous_strides(p.sizes()));
            if (p.grad().defined())
                slot.copy_(p.grad());
            p.mutable_grad() = slot;
            m_slots.push_back(Slot{p, slot, slot.data_ptr()});
            offset += p.numel();
        }
        if (b + 1 == bucketStarts.size())
            m_extras = buffer.data_ptr<float>() + offset;
        m_buffers.push_back(buffer);
    }
}

void GradientBuckets::gather()
{
    for (Slot &s : m_slots) {
        const torch::Tensor &g = s.parameter.grad();
        if (g.defined() && g.data_ptr() == s.data && g.sizes() == s.gradient.sizes())
            continue;
        torch::NoGradGuard noGrad;
        if (g.defined())
            s.gradient.copy_(g);
        else
            s.gradient.zero_();
        s.parameter.mutable_grad() = s.gradient;
    }
}

} // namespace mc
