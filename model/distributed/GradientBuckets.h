#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace mc {

/// The gradients of a model's trainable parameters laid out in a few flat
/// float32 buffers, so that one all-reduce moves many gradients at once (as
/// DistributedDataParallel's buckets do) instead of one call per tensor.
///
/// Every parameter's gradient shares its bucket's storage: backward
/// accumulates straight into the buffers and the averaged values are read by
/// clipping and the optimizer in place, without a copy. gather() puts back a
/// gradient that something replaced (a copy, only then). A shared parameter is
/// one tensor and gets one slot.
class GradientBuckets
{
public:
    /// DistributedDataParallel's default bucket size.
    static constexpr int64_t kDefaultCapBytes = int64_t(25) << 20;

    /// Groups `parameters` (float32; repeated tensors once), last first as
    /// backward produces their gradients, into buckets of at most `capBytes`
    /// (a larger parameter gets a bucket of its own), and adds `extraValues`
    /// float slots after the last gradient for values that travel with them
    /// (the loss, a stop request). Throws std::invalid_argument for a
    /// parameter that is not float32.
    explicit GradientBuckets(const std::vector<torch::Tensor> &parameters, int64_t capBytes = kDefaultCapBytes,
                             int extraValues = 0);

    /// Makes every gradient its slot again, copying one that autograd or an
    /// optimizer replaced (none in the trainer's loop). Call after backward.
    void gather();
    /// The flat buffers, for the all-reduce.
    std::vector<torch::Tensor> &buffers() { return m_buffers; }
    /// The extra float slots (extraValues of them).
    float *extras() { return m_extras; }
    int extraCount() const { return m_extraCount; }
    /// Parameters held (each once).
    size_t parameterCount() const { return m_slots.size(); }

private:
    struct Slot
    {
        torch::Tensor parameter;
        torch::Tensor gradient; ///< Shares the bucket's storage.
        const void *data = nullptr;
    };
    std::vector<torch::Tensor> m_buffers;
    std::vector<Slot> m_slots;
    float *m_extras = nullptr;
    int m_extraCount = 0;
};

} // namespace mc
