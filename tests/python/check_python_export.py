#!/usr/bin/python3
"""Runs Model Composer's Python export with Debian's PyTorch, as a colleague
would: the generated file is imported as it is, with no code of the project.

Usage: /usr/bin/python3 check_python_export.py DIR

DIR holds, for each project NAME (written by the command line, see
tests/CMakeLists.txt): NAME.py and NAME.weights.pt (`export --format python
--seed S`), NAME.pt (`export --seed S`: the TorchScript export of the same
weights), NAME.metrics.csv and NAME.trained.pt (`train --metrics --export`:
the step losses and the trained weights of the C++ trainer).
"""

import contextlib
import csv
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import unittest

import torch

DIR = None
NAMES = ["encoder-decoder", "configurable-blocks", "shared-block", "lenet", "conv-autoencoder", "python-corners",
         "python-csv", "python-idx", "python-early", "python-images"]
ROOTS = {
    "encoder-decoder": "EncoderDecoderLightning",
    "configurable-blocks": "ConfigurableLightning",
    "shared-block": "ExternalInjection",
    "lenet": "LeNet",
    "conv-autoencoder": "ConvAutoencoder",
    "python-corners": "LightningModule_2",
    "python-csv": "CsvRegression",
    "python-idx": "TinyImages",
    "python-early": "NoiseFit",
    "python-images": "LineClassifier",
}


def load(name):
    """The generated module, imported from its file under a name of its own."""
    path = os.path.join(DIR, name + ".py")
    spec = importlib.util.spec_from_file_location("generated_" + name.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_with_weights(name):
    """The root model with the exported weights, made as __main__ makes it:
    after seeding PyTorch's generator with the project's seed, as the C++
    trainer does before it builds the model, so that dropout then draws the
    same masks (PyTorch and LibTorch initialise a layer with the same draws)."""
    module = load(name)
    torch.manual_seed(module.SEED)
    model = getattr(module, ROOTS[name])()
    module.load_weights(model, os.path.join(DIR, name + ".weights.pt"))
    return module, model


class PythonExportTest(unittest.TestCase):
    def test_weights_file_loads_with_weights_only(self):
        for name in NAMES:
            with self.subTest(name=name):
                state = torch.load(os.path.join(DIR, name + ".weights.pt"), weights_only=True)
                self.assertIsInstance(state, dict)
                self.assertTrue(all(isinstance(t, torch.Tensor) for t in state.values()))

    def test_same_parameters_and_buffers_as_torchscript(self):
        for name in NAMES:
            with self.subTest(name=name):
                _, model = model_with_weights(name)
                script = torch.jit.load(os.path.join(DIR, name + ".pt"))
                ours = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
                theirs = [(n, tuple(p.shape)) for n, p in script.named_parameters()]
                self.assertEqual(ours, theirs)
                self.assertEqual([(n, tuple(b.shape)) for n, b in model.named_buffers()],
                                 [(n, tuple(b.shape)) for n, b in script.named_buffers()])
                for (n, p), (_, q) in zip(model.named_parameters(), script.named_parameters()):
                    self.assertTrue(torch.equal(p, q), n)
                    self.assertEqual(p.requires_grad, q.requires_grad, n)
                self.assertEqual(type(model).__name__, ROOTS[name])

    def test_same_output_as_torchscript(self):
        for name in NAMES:
            with self.subTest(name=name):
                _, model = model_with_weights(name)
                script = torch.jit.load(os.path.join(DIR, name + ".pt"))
                model.eval()
                # Eight rows of the project's data, in the shape the model takes.
                x = load(name).make_data()[0][:8]
                with torch.no_grad():
                    y = model(x)
                    expected = script(x)
                self.assertEqual(tuple(y.shape), tuple(expected.shape))
                diff = (y - expected).abs().max().item()
                self.assertLessEqual(diff, 1e-6, "%s differs from its TorchScript export by %g" % (name, diff))

    def test_shared_parameters_are_one_tensor(self):
        # x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
        _, model = model_with_weights("shared-block")
        names = [n for n, _ in model.named_parameters()]
        self.assertEqual(names.count("shared_module.fc.weight"), 1)
        self.assertEqual(len({p.data_ptr() for p in model.parameters()}), len(names))
        x, _ = load("shared-block").make_data()
        w, b = model.shared_module.fc.weight, model.shared_module.fc.bias
        with torch.no_grad():
            def branch(fc):
                return torch.relu(torch.nn.functional.linear(fc(x), w, b))
            self.assertTrue(torch.allclose(model(x), branch(model.fc1) + branch(model.fc2), atol=1e-6))
            w.zero_()
            b.fill_(1.0)
            self.assertTrue(torch.equal(model(x), torch.full_like(model(x), 2.0)))

    def test_frozen_inside_shared(self):
        _, model = model_with_weights("python-corners")
        frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
        self.assertEqual(frozen, ["shared.log.weight", "shared.log.bias"])
        self.assertIs(model.shared._modules["cuda"].__class__, torch.nn.ReLU)

    def test_plain_loop_trains_as_the_cli(self):
        """From the same weights and data order, fit_plain gives the C++ trainer's
        step losses (relative 1e-4) and its final weights (1e-5)."""
        for name in NAMES:
            with self.subTest(name=name):
                module, model = model_with_weights(name)
                with contextlib.redirect_stdout(io.StringIO()):
                    losses = module.fit_plain(model, module.make_data())
                with open(os.path.join(DIR, name + ".metrics.csv")) as f:
                    expected = [float(row["train_loss"]) for row in csv.DictReader(f)]
                self.assertEqual(len(losses), len(expected))
                for step, (a, b) in enumerate(zip(losses, expected)):
                    self.assertLessEqual(abs(a - b), 1e-4 * max(abs(b), 1e-12),
                                         "%s step %d: %g, the CLI %g" % (name, step, a, b))
                trained = torch.jit.load(os.path.join(DIR, name + ".trained.pt"))
                theirs = dict(trained.named_parameters())
                for n, p in model.named_parameters():
                    diff = (p.detach() - theirs[n]).abs().max().item()
                    self.assertLessEqual(diff, 1e-5, "%s: %s differs by %g" % (name, n, diff))

    def test_pyflakes_and_black(self):
        black = shutil.which("black")
        self.assertIsNotNone(black, "black is not installed (Debian's black package)")
        files = [os.path.join(DIR, name + ".py") for name in NAMES]
        flakes = subprocess.run([sys.executable, "-m", "pyflakes"] + files, capture_output=True, text=True)
        self.assertEqual(flakes.returncode, 0, flakes.stdout + flakes.stderr)
        formatted = subprocess.run([black, "--check", "--diff", "-q"] + files, capture_output=True, text=True)
        self.assertEqual(formatted.returncode, 0, formatted.stdout + formatted.stderr)

    def test_several_inputs_and_outputs(self):
        # a, b -> mixer(Mixer: cat -> fc) -> mixed;  a - b -> head -> difference
        module = load("python-two-inputs")
        model = module.TwoHeads()
        module.load_weights(model, os.path.join(DIR, "python-two-inputs.weights.pt"))
        script = torch.jit.load(os.path.join(DIR, "python-two-inputs.pt"))
        self.assertEqual([(n, tuple(p.shape)) for n, p in model.named_parameters()],
                         [(n, tuple(p.shape)) for n, p in script.named_parameters()])
        self.assertFalse(hasattr(module, "fit_plain"))
        a, b = torch.randn(5, 4), torch.randn(5, 4)
        with torch.no_grad():
            ours, theirs = model(a, b), script(a, b)
        self.assertEqual(len(ours), 2)
        for y, expected in zip(ours, theirs):
            self.assertLessEqual((y - expected).abs().max().item(), 1e-6)
        files = [os.path.join(DIR, "python-two-inputs.py")]
        self.assertEqual(subprocess.run([sys.executable, "-m", "pyflakes"] + files).returncode, 0)
        self.assertEqual(subprocess.run([shutil.which("black"), "--check", "-q"] + files).returncode, 0)

    def test_early_stopping_keeps_the_best_epoch(self):
        """python-early fits noise: its validation loss reaches a low point
        before the last epoch, so the trained weights that
        test_plain_loop_trains_as_the_cli compares are the best epoch's, not
        the last's, on both sides."""
        with open(os.path.join(DIR, "python-early.metrics.csv")) as f:
            val = [float(row["val_loss"]) for row in csv.DictReader(f) if row["val_loss"]]
        best = min(range(len(val)), key=lambda e: val[e])
        self.assertEqual(len(val), best + 1 + 3, "stopped three epochs after the best")
        self.assertLess(best, len(val) - 1)
        source = open(os.path.join(DIR, "python-early.py")).read()
        self.assertIn("model.load_state_dict(best_state)", source)
        self.assertIn("ModelCheckpoint(monitor=\"val_loss\", save_top_k=1)", source)

    def test_docs_show_example_3_as_written(self):
        docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "export.md")
        with open(docs) as f:
            text = f.read()
        start = text.index("```python\n# ExternalInjection") + len("```python\n")
        shown = text[start : text.index("```", start)]
        with open(os.path.join(DIR, "shared-block.py")) as f:
            written = f.read()
        self.assertEqual(shown, written)

    def test_lightning_branch_with_a_standin(self):
        """The Lightning branch (fit_lightning), which this machine cannot run
        with Lightning itself (not packaged, no PyPI): run against
        lightning_standin/, which takes only the arguments Lightning's
        documented API takes. Every project trains through it; python-early
        stops early and ends with the weights ModelCheckpoint kept."""
        standin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lightning_standin")
        sys.path.insert(0, standin)
        try:
            for name in NAMES:
                with self.subTest(name=name):
                    sys.modules.pop("pytorch_lightning", None)
                    sys.modules.pop("pytorch_lightning.callbacks", None)
                    path = os.path.join(DIR, name + ".py")
                    spec = importlib.util.spec_from_file_location("standin_" + name.replace("-", "_"), path)
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    self.assertTrue(module.pl.__file__.startswith(standin), module.pl.__file__)
                    torch.manual_seed(module.SEED)
                    model = getattr(module, ROOTS[name])()
                    module.load_weights(model, os.path.join(DIR, name + ".weights.pt"))
                    before = {k: v.clone() for k, v in model.state_dict().items()}
                    checkpoints = []
                    original = module.pl.callbacks.ModelCheckpoint.__init__

                    def recording(self, *args, **kwargs):
                        original(self, *args, **kwargs)
                        checkpoints.append(self)

                    module.pl.callbacks.ModelCheckpoint.__init__ = recording
                    with contextlib.redirect_stdout(io.StringIO()):
                        module.fit_lightning(model, module.make_data())
                    self.assertTrue(any(not torch.equal(before[k], v) for k, v in model.state_dict().items()),
                                    "fit_lightning did not train")
                    if name == "python-early":
                        self.assertEqual(len(checkpoints), 1)
                        kept = torch.load(checkpoints[0].best_model_path)["state_dict"]
                        for k, v in model.state_dict().items():
                            self.assertTrue(torch.equal(v, kept[k]), k)
        finally:
            sys.path.remove(standin)
            sys.modules.pop("pytorch_lightning", None)

    def test_main_runs(self):
        # Without Lightning (as on this machine) __main__ takes the plain loop.
        run = subprocess.run([sys.executable, os.path.join(DIR, "shared-block.py")], capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        if importlib.util.find_spec("pytorch_lightning") is None and importlib.util.find_spec("lightning") is None:
            self.assertIn("epoch 2: train_loss", run.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_python_export.py DIR")
    DIR = sys.argv.pop(1)
    torch.set_num_threads(1)
    unittest.main(verbosity=2)
