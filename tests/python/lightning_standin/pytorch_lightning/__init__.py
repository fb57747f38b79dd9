"""A stand-in for PyTorch Lightning, which Debian does not package and this
machine cannot install: just enough of its documented API (Lightning 2.x:
``LightningModule.log``, ``Trainer(max_epochs, limit_train_batches,
gradient_clip_val, callbacks).fit(model, train_dataloaders,
val_dataloaders)``, ``callbacks.EarlyStopping(monitor, patience)`` and
``callbacks.ModelCheckpoint(monitor, save_top_k).best_model_path``) to run
the Lightning branch of the generated code. It refuses any argument the real
classes do not take, so a misspelt keyword fails here as it would there. It
is not Lightning: it checks that the generated code calls Lightning's API as
documented, not what Lightning does inside.
"""

import math
import os
import tempfile

import torch
from torch import nn

from . import callbacks  # noqa: F401  (pl.callbacks.EarlyStopping)

__all__ = ["LightningModule", "Trainer", "callbacks"]


class LightningModule(nn.Module):
    def log(self, name, value, prog_bar=False, logger=True, on_step=None, on_epoch=None):
        self.__dict__.setdefault("_logged", {})[name] = float(value)


class Trainer:
    def __init__(self, max_epochs=None, limit_train_batches=None, gradient_clip_val=None, callbacks=None):
        self.max_epochs = 1000 if max_epochs is None else max_epochs
        self.limit_train_batches = limit_train_batches
        self.gradient_clip_val = gradient_clip_val
        self.callbacks = list(callbacks or [])
        self.callback_metrics = {}
        self.should_stop = False
        self.current_epoch = 0
        self.epochs_run = 0

    def fit(self, model, train_dataloaders=None, val_dataloaders=None):
        configured = model.configure_optimizers()
        if isinstance(configured, dict):
            optimizer = configured["optimizer"]
            scheduler = configured.get("lr_scheduler")
            if isinstance(scheduler, dict):
                scheduler = scheduler["scheduler"]
        else:
            optimizer, scheduler = configured, None
        for epoch in range(self.max_epochs):
            self.current_epoch = epoch
            model.train()
            for batch_idx, batch in enumerate(train_dataloaders):
                if self.limit_train_batches is not None and batch_idx >= self.limit_train_batches:
                    break
                optimizer.zero_grad()
                loss = model.training_step(batch, batch_idx)
                loss.backward()
                if self.gradient_clip_val:
                    nn.utils.clip_grad_norm_(model.parameters(), self.gradient_clip_val)
                optimizer.step()
            if scheduler is not None:
                scheduler.step()
            self.epochs_run += 1
            if val_dataloaders is not None:
                model.eval()
                total, rows = 0.0, 0
                with torch.no_grad():
                    for batch_idx, batch in enumerate(val_dataloaders):
                        model.validation_step(batch, batch_idx)
                        n = batch[0].size(0)
                        total += model._logged["val_loss"] * n
                        rows += n
                model.train()
                self.callback_metrics["val_loss"] = torch.tensor(total / rows)
                for callback in self.callbacks:
                    callback.on_validation_end(self, model)
            if self.should_stop:
                break


def _metric(trainer, monitor):
    value = trainer.callback_metrics.get(monitor)
    if value is None:
        raise RuntimeError("the monitored metric %r was never logged" % monitor)
    return float(value)


class _EarlyStopping:
    def __init__(self, monitor, min_delta=0.0, patience=3, mode="min"):
        self.monitor, self.patience, self.best, self.wait = monitor, patience, math.inf, 0

    def on_validation_end(self, trainer, model):
        value = _metric(trainer, self.monitor)
        if value < self.best:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.should_stop = True


class _ModelCheckpoint:
    def __init__(self, dirpath=None, filename=None, monitor=None, save_top_k=1, mode="min"):
        self.monitor, self.best, self.best_model_path = monitor, math.inf, ""
        self.dirpath = dirpath or tempfile.mkdtemp(prefix="standin-checkpoints-")

    def on_validation_end(self, trainer, model):
        value = _metric(trainer, self.monitor)
        if value < self.best:
            self.best = value
            self.best_epoch = trainer.current_epoch
            self.best_model_path = os.path.join(self.dirpath, "epoch=%d.ckpt" % trainer.current_epoch)
            torch.save({"epoch": trainer.current_epoch, "state_dict": model.state_dict()}, self.best_model_path)


callbacks.EarlyStopping = _EarlyStopping
callbacks.ModelCheckpoint = _ModelCheckpoint
