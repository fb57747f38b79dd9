# ExternalInjection, the model of shared-block.mcproj, as PyTorch code.
# Written by Model Composer 0.1.0 (modelcomposer-cli export --format python).
# Its weights are in shared-block.weights.pt, beside this file.
# Trains with PyTorch Lightning when it is installed, else with a plain PyTorch loop.

import math
import os

import torch
from torch import nn

try:
    import pytorch_lightning as pl
except ImportError:
    try:
        import lightning.pytorch as pl
    except ImportError:
        pl = None

SEED = 0


if pl is not None:
    LightningModule = pl.LightningModule
else:

    class LightningModule(nn.Module):
        """What the plain loop below needs of pl.LightningModule."""

        def log(self, name, value):
            self.__dict__.setdefault("logged", {})[name] = value.item()


class SharedBlock(nn.Module):
    """Linear then ReLU: dim -> dim."""

    def __init__(self, dim=10):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.relu = nn.ReLU()

    def forward(self, x):
        fc = self.fc(x)
        relu = self.relu(fc)
        return relu


class ExternalInjection(LightningModule):
    """Example 3 of the article: one block called at two places, its weights shared."""

    def __init__(self, dim=10):
        super().__init__()
        # Shared: forward calls shared_module at 2 places, with one set of weights.
        self.shared_module = SharedBlock(dim)
        self.fc1 = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(dim, dim)
        self.loss_fn = nn.MSELoss()

    def forward(self, x):
        fc1 = self.fc1(x)
        fc2 = self.fc2(x)
        shared_module = self.shared_module(fc1)
        shared_module_2 = self.shared_module(fc2)
        add = shared_module + shared_module_2
        return add

    def training_step(self, batch, batch_idx):
        x, y = batch
        y_hat = self(x)
        loss = self.loss_fn(y_hat, y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.001)


def generator(stream):
    """A generator for one stream of random numbers, seeded as Model Composer seeds it (splitmix64)."""
    mask = (1 << 64) - 1
    z = (SEED + 0x9E3779B97F4A7C15 * (stream + 1)) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return torch.Generator().manual_seed(z ^ (z >> 31))


def load_weights(model, path):
    """Loads the weights Model Composer wrote (a state_dict)."""
    try:
        state = torch.load(path, weights_only=True)
    except TypeError:  # PyTorch before 1.13
        state = torch.load(path)
    model.load_state_dict(state)


def make_data():
    """32 random_normal samples, drawn as Model Composer draws them."""
    inputs = torch.randn(32, 10, generator=generator(1))
    targets = torch.randn(32, 10, generator=generator(2))
    return inputs, targets


def split(data):
    """The rows to train on and the rows to validate on, as Model Composer splits them."""
    inputs, targets = data
    return (inputs, targets), None


def fit_plain(model, data):
    """Trains as Model Composer does, without Lightning; returns every step's loss."""
    (inputs, targets), val = split(data)
    optimizer = model.configure_optimizers()
    rows = inputs.size(0)
    batches = math.ceil(rows / 16)
    batches = min(batches, 2)
    used = min(rows, batches * 16)
    losses = []
    model.train()
    for epoch in range(2):
        order = torch.randperm(rows, generator=generator(1000 + epoch))[:used]
        x_epoch, y_epoch = inputs[order], targets[order]
        for batch_idx in range(batches):
            start = batch_idx * 16
            end = min(start + 16, used)
            batch = x_epoch[start:end], y_epoch[start:end]
            optimizer.zero_grad(set_to_none=True)
            loss = model.training_step(batch, batch_idx)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        mean = sum(losses[-batches:]) / batches
        print(f"epoch {epoch + 1}: train_loss {mean:.6g}")
    return losses


def fit_lightning(model, data):
    """Trains with PyTorch Lightning, as the article's examples do."""
    train, val = split(data)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*train), batch_size=16, shuffle=True
    )
    trainer = pl.Trainer(max_epochs=2, limit_train_batches=2)
    trainer.fit(model, loader)


if __name__ == "__main__":
    torch.manual_seed(SEED)
    model = ExternalInjection()
    here = os.path.dirname(os.path.abspath(__file__))
    load_weights(model, os.path.join(here, "shared-block.weights.pt"))
    data = make_data()
    if pl is not None:
        fit_lightning(model, data)
    else:
        fit_plain(model, data)
