#!/usr/bin/python3
"""The benchmark models in plain PyTorch (Debian's python3-torch), trained
with the plain loop a Python user writes. Prints one JSON object, like
mc-bench throughput, so that bench/run_benchmarks.py can set them side by side.

usage: python_bench.py --model NAME [--steps N] [--warmup N] [--repeats N] [--threads N]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


class Dense(nn.Module):
    def __init__(self, i, o, sigmoid=False):
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.sigmoid = sigmoid

    def forward(self, x):
        return torch.sigmoid(self.fc(x)) if self.sigmoid else torch.relu(self.fc(x))


class EncoderDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Dense(10, 5)
        self.decoder = Dense(5, 1, sigmoid=True)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class Configurable(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Dense(10, 20), Dense(20, 15), Dense(15, 10)])
        self.final_fc = nn.Linear(10, 1)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return torch.sigmoid(self.final_fc(x))


class SharedBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared_module = Dense(10, 10)
        self.fc1 = nn.Linear(10, 10)
        self.fc2 = nn.Linear(10, 10)

    def forward(self, x):
        return self.shared_module(self.fc1(x)) + self.shared_module(self.fc2(x))


class WideMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 1024)
        self.fc2 = nn.Linear(1024, 1024)
        self.fc3 = nn.Linear(1024, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class DeepStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Dense(128, 128) for _ in range(64)])

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class LeNet(nn.Module):
    """examples/lenet.mcproj, with its names and its order of layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class ConvEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        return torch.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)


class ConvDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.deconv1 = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.deconv2 = nn.ConvTranspose2d(8, 1, 2, stride=2)

    def forward(self, x):
        return torch.sigmoid(self.deconv2(torch.relu(self.deconv1(x))))


class ConvAutoencoder(nn.Module):
    """examples/conv-autoencoder.mcproj: the target is the input."""

    def __init__(self):
        super().__init__()
        self.encoder = ConvEncoder()
        self.decoder = ConvDecoder()

    def forward(self, x):
        return self.decoder(self.encoder(x))


# model -> (constructor, inputs, outputs, batch, loss[, one sample's shape])
# loss "recon": MSE against the input itself.
SPECS = {
    "encoder-decoder": (EncoderDecoder, 10, 1, 16, "bce"),
    "configurable-blocks": (Configurable, 10, 1, 16, "bce"),
    "shared-block": (SharedBlock, 10, 10, 16, "mse"),
    "wide-mlp": (WideMlp, 784, 10, 256, "ce"),
    "deep-stack": (DeepStack, 128, 128, 64, "mse"),
    "lenet": (LeNet, 784, 10, 32, "ce", (1, 28, 28)),
    "conv-autoencoder": (ConvAutoencoder, 784, 784, 32, "recon", (1, 28, 28)),
}
BATCHES = 8


def run(model_name, steps, warmup, seed):
    make, inputs, outputs, batch, loss_name = SPECS[model_name][:5]
    sample = SPECS[model_name][5] if len(SPECS[model_name]) > 5 else (inputs,)
    torch.manual_seed(seed)
    model = make()
    n = batch * BATCHES
    # Rows of values, each batch viewed as the model takes it ([B, 1, 28, 28] for images).
    x = torch.rand(n, inputs) if loss_name == "recon" else torch.randn(n, inputs)
    if loss_name == "recon":
        y, loss_fn = None, nn.MSELoss()
    elif loss_name == "bce":
        y, loss_fn = torch.randint(0, 2, (n, outputs)).float(), nn.BCELoss()
    elif loss_name == "mse":
        y, loss_fn = torch.randn(n, outputs), nn.MSELoss()
    else:
        y, loss_fn = torch.randint(0, outputs, (n,)), nn.CrossEntropyLoss()
    xs = [x[b * batch:(b + 1) * batch].view((batch,) + tuple(sample)) for b in range(BATCHES)]
    ys = xs if loss_name == "recon" else [y[b * batch:(b + 1) * batch] for b in range(BATCHES)]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(k):
        b = k % BATCHES
        optimizer.zero_grad()
        loss = loss_fn(model(xs[b]), ys[b])
        loss.backward()
        optimizer.step()

    for k in range(warmup):
        step(k)
    start = time.perf_counter()
    for k in range(steps):
        step(k)
    return steps / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=sorted(SPECS))
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    rates = [run(a.model, a.steps, a.warmup, r) for r in range(a.repeats)]
    print(json.dumps({"model": a.model, "way": "python", "threads": a.threads, "steps": a.steps,
                      "steps_per_s": statistics.median(rates), "runs": rates,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
