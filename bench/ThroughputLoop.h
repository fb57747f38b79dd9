#pragma once

// The training loops that the throughput benchmark times: the plain loop a
// LibTorch user writes by hand, and Model Composer's own trainer.

#include "build/ComposedModule.h"
#include "document/GraphTypes.h"

#include <QString>

#include <torch/torch.h>

#include <functional>
#include <vector>

using namespace mc;

using ForwardFn = std::function<torch::Tensor(const torch::Tensor &)>;

/// What a model is trained on: sizes, loss and batch.
struct BenchSpec
{
    int64_t inputs = 10;
    int64_t outputs = 1;
    int64_t batch = 16;
    int64_t batches = 8; ///< Distinct batches cycled through.
    enum class Loss { Bce, Mse, CrossEntropy } loss = Loss::Bce;
    /// One sample's shape ({inputs} when empty): a batch is [batch, sample...],
    /// e.g. [32, 1, 28, 28] for images of 784 values.
    std::vector<int64_t> sample;
    /// The target is the input itself (an autoencoder; Loss::Mse).
    bool reconstruction = false;

    /// The sizes of a batch: [batch, sample...].
    std::vector<int64_t> batchShape() const;
};

/// The data: `batches` batches, the same for every way of training.
struct BenchData
{
    torch::Tensor x; ///< [batches * batch, inputs]: one row per sample, as the trainer's data set holds it
    torch::Tensor y; ///< targets: rows, class indices, or x itself for reconstruction
};

BenchSpec benchSpec(const QString &model);
BenchData makeBenchData(const BenchSpec &spec, uint64_t seed);

/// The hand-written loop: zero_grad, forward, loss, backward, Adam step.
/// Returns the seconds taken by `steps` steps after `warmup` untimed ones.
double plainLoop(torch::nn::Module &model, const ForwardFn &forward, const BenchSpec &spec,
                 const BenchData &data, int warmup, int steps);

/// The same steps through Model Composer's trainer, on the composed model.
double trainerLoop(const ProjectData &project, ComposedModule &model, const BenchSpec &spec,
                   const BenchData &data, int warmup, int steps);
