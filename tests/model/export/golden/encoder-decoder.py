# EncoderDecoderLightning, the model of encoder-decoder.mcproj, as PyTorch code.
# Written by Model Composer 0.1.0 (modelcomposer-cli export --format python).
# Its weights are in encoder-decoder.weights.pt, beside this file.
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


class Encoder(nn.Module):
    """Linear then ReLU: input_dim -> hidden_dim."""

    def __init__(self, input_dim=10, hidden_dim=5):
        super().__init__()
        self.fc = nn.Linear(input_dim, hidden_dim)
        self.relu = nn.ReLU()

    def forward(self, x):
        fc = self.fc(x)
        relu = self.relu(fc)
        return relu


class Decoder(nn.Module):
    """Linear then Sigmoid: hidden_dim -> output_dim."""

    def __init__(self, hidden_dim=5, output_dim=1):
        super().__init__()
        self.fc = nn.Linear(hidden_dim, output_dim)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        fc = self.fc(x)
        sigmoid = self.sigmoid(fc)
        return sigmoid


class EncoderDecoderLightning(LightningModule):
    """Example 1 of the article: an injected encoder and decoder."""

    def __init__(self, input_dim=10, hidden_dim=5, output_dim=1):
        super().__init__()
        self.encoder = Encoder(input_dim, hidden_dim)
        self.decoder = Decoder(hidden_dim, output_dim)
        self.loss_fn = nn.BCELoss()

    def forward(self, x):
        encoder = self.encoder(x)
        decoder = self.decoder(encoder)
        return decoder

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
    """32 random_binary samples, drawn as Model Composer draws them."""
    inputs = torch.randn(32, 10, generator=generator(1))
    targets = torch.randint(2, (32, 1), generator=generator(2), dtype=torch.float32)
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
    model = EncoderDecoderLightning()
    here = os.path.dirname(os.path.abspath(__file__))
    load_weights(model, os.path.join(here, "encoder-decoder.weights.pt"))
    data = make_data()
    if pl is not None:
        fit_lightning(model, data)
    else:
        fit_plain(model, data)
