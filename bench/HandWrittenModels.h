#pragma once

// The benchmark models written by hand as torch::nn modules, the way a
// LibTorch user would write them without Model Composer. They are the
// reference the composed models are measured against (docs/benchmarks.md).

#include <torch/torch.h>

#include <string>

namespace handwritten {

/// Linear + activation, the article's Encoder / Decoder / Block / SharedBlock.
struct DenseImpl : torch::nn::Module
{
    DenseImpl(int64_t in, int64_t out, bool sigmoid = false)
        : fc(register_module("fc", torch::nn::Linear(in, out))), useSigmoid(sigmoid)
    {
    }
    torch::Tensor forward(const torch::Tensor &x)
    {
        return useSigmoid ? torch::sigmoid(fc(x)) : torch::relu(fc(x));
    }
    torch::nn::Linear fc;
    bool useSigmoid;
};
TORCH_MODULE(Dense);

/// Example 1: encoder (10 -> 5, ReLU) then decoder (5 -> 1, Sigmoid).
struct EncoderDecoderImpl : torch::nn::Module
{
    EncoderDecoderImpl()
        : encoder(register_module("encoder", Dense(10, 5))),
          decoder(register_module("decoder", Dense(5, 1, true)))
    {
    }
    torch::Tensor forward(const torch::Tensor &x) { return decoder(encoder(x)); }
    Dense encoder, decoder;
};
TORCH_MODULE(EncoderDecoder);

/// Example 2: a ModuleList of configured blocks, then final_fc and a sigmoid.
struct ConfigurableImpl : torch::nn::Module
{
    ConfigurableImpl()
    {
        blocks = register_module("blocks", torch::nn::ModuleList());
        blocks->push_back(Dense(10, 20));
        blocks->push_back(Dense(20, 15));
        blocks->push_back(Dense(15, 10));
        finalFc = register_module("final_fc", torch::nn::Linear(10, 1));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        for (const auto &block : *blocks)
            x = block->as<DenseImpl>()->forward(x);
        return torch::sigmoid(finalFc(x));
    }
    torch::nn::ModuleList blocks;
    torch::nn::Linear finalFc{nullptr};
};
TORCH_MODULE(Configurable);

/// Example 3: fc1 and fc2 both feed one shared block; the results are added.
struct SharedBlockImpl : torch::nn::Module
{
    SharedBlockImpl()
        : shared(register_module("shared_module", Dense(10, 10))),
          fc1(register_module("fc1", torch::nn::Linear(10, 10))),
          fc2(register_module("fc2", torch::nn::Linear(10, 10)))
    {
    }
    torch::Tensor forward(const torch::Tensor &x) { return shared(fc1(x)) + shared(fc2(x)); }
    Dense shared;
    torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(SharedBlock);

/// 784-1024-1024-10 with ReLU.
struct WideMlpImpl : torch::nn::Module
{
    WideMlpImpl()
        : fc1(register_module("fc1", torch::nn::Linear(784, 1024))),
          fc2(register_module("fc2", torch::nn::Linear(1024, 1024))),
          fc3(register_module("fc3", torch::nn::Linear(1024, 10)))
    {
    }
    torch::Tensor forward(const torch::Tensor &x)
    {
        return fc3(torch::relu(fc2(torch::relu(fc1(x)))));
    }
    torch::nn::Linear fc1, fc2, fc3;
};
TORCH_MODULE(WideMlp);

/// 64 blocks of Linear(128, 128) + ReLU.
struct DeepStackImpl : torch::nn::Module
{
    DeepStackImpl()
    {
        blocks = register_module("blocks", torch::nn::ModuleList());
        for (int k = 0; k < 64; ++k)
            blocks->push_back(Dense(128, 128));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        for (const auto &block : *blocks)
            x = block->as<DenseImpl>()->forward(x);
        return x;
    }
    torch::nn::ModuleList blocks;
};
TORCH_MODULE(DeepStack);

/// examples/lenet.mcproj: two convolution and pooling stages, then three
/// linear layers; the layers with parameters have the composed model's names
/// and are made in its order, so that one seed gives both the same weights.
struct LeNetImpl : torch::nn::Module
{
    LeNetImpl()
        : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5).padding(2)))),
          conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)))),
          fc1(register_module("fc1", torch::nn::Linear(400, 120))),
          fc2(register_module("fc2", torch::nn::Linear(120, 84))),
          fc3(register_module("fc3", torch::nn::Linear(84, 10)))
    {
    }
    torch::Tensor forward(torch::Tensor x)
    {
        x = torch::max_pool2d(torch::relu(conv1(x)), 2);
        x = torch::max_pool2d(torch::relu(conv2(x)), 2);
        x = x.flatten(1);
        return fc3(torch::relu(fc2(torch::relu(fc1(x)))));
    }
    torch::nn::Conv2d conv1, conv2;
    torch::nn::Linear fc1, fc2, fc3;
};
TORCH_MODULE(LeNet);

/// examples/conv-autoencoder.mcproj's Encoder: [1, 28, 28] -> [16, 7, 7].
struct ConvEncoderImpl : torch::nn::Module
{
    ConvEncoderImpl()
        : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).padding(1)))),
          bn1(register_module("bn1", torch::nn::BatchNorm2d(8))),
          conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).padding(1)))),
          bn2(register_module("bn2", torch::nn::BatchNorm2d(16)))
    {
    }
    torch::Tensor forward(torch::Tensor x)
    {
        x = torch::max_pool2d(torch::relu(bn1(conv1(x))), 2);
        return torch::max_pool2d(torch::relu(bn2(conv2(x))), 2);
    }
    // Declared in the order of registration (members are initialised in this order).
    torch::nn::Conv2d conv1;
    torch::nn::BatchNorm2d bn1;
    torch::nn::Conv2d conv2;
    torch::nn::BatchNorm2d bn2;
};
TORCH_MODULE(ConvEncoder);

/// Its Decoder: two transposed convolutions back to [1, 28, 28], a sigmoid.
struct ConvDecoderImpl : torch::nn::Module
{
    ConvDecoderImpl()
        : deconv1(register_module("deconv1", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(16, 8, 2).stride(2)))),
          deconv2(register_module("deconv2", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(8, 1, 2).stride(2))))
    {
    }
    torch::Tensor forward(const torch::Tensor &x) { return torch::sigmoid(deconv2(torch::relu(deconv1(x)))); }
    torch::nn::ConvTranspose2d deconv1, deconv2;
};
TORCH_MODULE(ConvDecoder);

/// examples/conv-autoencoder.mcproj: trained to give its input back (MSE).
struct ConvAutoencoderImpl : torch::nn::Module
{
    ConvAutoencoderImpl()
        : encoder(register_module("encoder", ConvEncoder())), decoder(register_module("decoder", ConvDecoder()))
    {
    }
    torch::Tensor forward(const torch::Tensor &x) { return decoder(encoder(x)); }
    ConvEncoder encoder;
    ConvDecoder decoder;
};
TORCH_MODULE(ConvAutoencoder);

} // namespace handwritten
