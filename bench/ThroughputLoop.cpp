#include "ThroughputLoop.h"

#include "training/Checkpoint.h"
#include "data/Dataset.h"
#include "training/Trainer.h"
#include "training/TrainingSettings.h"

#include <chrono>

using namespace mc;

BenchSpec benchSpec(const QString &model)
{
    BenchSpec s;
    if (model == QLatin1String("shared-block")) {
        s.outputs = 10;
        s.loss = BenchSpec::Loss::Mse;
    } else if (model == QLatin1String("wide-mlp")) {
        s.inputs = 784;
        s.outputs = 10;
        s.batch = 256;
        s.loss = BenchSpec::Loss::CrossEntropy;
    } else if (model == QLatin1String("deep-stack")) {
        s.inputs = 128;
        s.outputs = 128;
        s.batch = 64;
        s.loss = BenchSpec::Loss::Mse;
    } else if (model == QLatin1String("lenet")) {
        // examples/lenet.mcproj: 28x28 grey images, 10 classes, its batch size.
        s.inputs = 784;
        s.sample = {1, 28, 28};
        s.outputs = 10;
        s.batch = 32;
        s.loss = BenchSpec::Loss::CrossEntropy;
    } else if (model == QLatin1String("conv-autoencoder")) {
        // examples/conv-autoencoder.mcproj: the same images, given back (MSE).
        s.inputs = 784;
        s.sample = {1, 28, 28};
        s.outputs = 784;
        s.batch = 32;
        s.loss = BenchSpec::Loss::Mse;
        s.reconstruction = true;
    }
    return s;
}

std::vector<int64_t> BenchSpec::batchShape() const
{
    std::vector<int64_t> shape{batch};
    if (sample.empty())
        shape.push_back(inputs);
    else
        shape.insert(shape.end(), sample.begin(), sample.end());
    return shape;
}

BenchData makeBenchData(const BenchSpec &spec, uint64_t seed)
{
    torch::manual_seed(seed + 1000);
    const int64_t n = spec.batch * spec.batches;
    BenchData d;
    if (spec.reconstruction) {
        // Values in 0..1, as the decoder's sigmoid gives; the target is the input.
        d.x = torch::rand({n, spec.inputs});
        d.y = d.x;
        return d;
    }
    d.x = torch::randn({n, spec.inputs});
    switch (spec.loss) {
    case BenchSpec::Loss::Bce: d.y = torch::randint(0, 2, {n, spec.outputs}).to(torch::kFloat); break;
    case BenchSpec::Loss::Mse: d.y = torch::randn({n, spec.outputs}); break;
    case BenchSpec::Loss::CrossEntropy: d.y = torch::randint(0, spec.outputs, {n}, torch::kLong); break;
    }
    return d;
}

namespace {

torch::Tensor lossOf(const BenchSpec &spec, const torch::Tensor &out, const torch::Tensor &y)
{
    switch (spec.loss) {
    case BenchSpec::Loss::Bce: return torch::binary_cross_entropy(out, y);
    case BenchSpec::Loss::Mse: return torch::mse_loss(out, y);
    case BenchSpec::Loss::CrossEntropy: return torch::cross_entropy_loss(out, y);
    }
    return {};
}

} // namespace

double plainLoop(torch::nn::Module &model, const ForwardFn &forward, const BenchSpec &spec,
                 const BenchData &data, int warmup, int steps)
{
    keepFreedMemory(); // the allocator the trainer runs with: the comparison is of the loops
    torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(1e-3));
    // Each batch as the model takes it: [B, features], or images [B, 1, 28, 28].
    const std::vector<int64_t> shape = spec.batchShape();
    std::vector<torch::Tensor> xs, ys;
    for (int64_t b = 0; b < spec.batches; ++b) {
        xs.push_back(data.x.narrow(0, b * spec.batch, spec.batch).view(shape));
        ys.push_back(spec.reconstruction ? xs.back() : data.y.narrow(0, b * spec.batch, spec.batch));
    }
    auto step = [&](int k) {
        const size_t b = size_t(k % spec.batches);
        optimizer.zero_grad();
        torch::Tensor loss = lossOf(spec, forward(xs[b]), ys[b]);
        loss.backward();
        optimizer.step();
        return loss;
    };
    for (int k = 0; k < warmup; ++k)
        step(k);
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < steps; ++k)
        step(k);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double trainerLoop(const ProjectData &project, ComposedModule &, const BenchSpec &spec,
                   const BenchData &data, int warmup, int steps)
{
    TrainingSettings settings = TrainingSettings::fromJson(project.training);
    settings.batchSize = int(spec.batch);
    settings.epochs = 1000000;
    settings.limitTrainBatches = 0;
    settings.validationSplit = 0;
    settings.shuffle = false;
    settings.optimizer = TrainingSettings::Optimizer::Adam;
    settings.learningRate = 1e-3;
    settings.weightDecay = 0;
    settings.threads = torch::get_num_threads();
    const Dataset dataset(data.x, data.y);
    QString error;
    // Warm up, then continue from exactly there, as the plain loop does.
    Trainer trainer;
    if (!trainer.setup(project, settings, dataset, &error))
        throw std::runtime_error(error.toStdString());
    trainer.setStepLimit(warmup);
    trainer.run();
    const Checkpoint warm = trainer.checkpoint();
    Trainer timed;
    if (!timed.setup(project, settings, dataset, &error) || !timed.restore(warm, &error))
        throw std::runtime_error(error.toStdString());
    timed.setStepLimit(warmup + steps);
    const auto start = std::chrono::steady_clock::now();
    timed.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (timed.stepsDone() != warmup + steps)
        throw std::runtime_error("the trainer stopped after " + std::to_string(timed.stepsDone()) + " steps");
    return seconds;
}
