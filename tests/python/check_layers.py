#!/usr/bin/python3
"""Checks every registered layer against PyTorch itself (Debian's python3-torch).

Usage: /usr/bin/python3 check_layers.py DIR

For each case NAME in DIR (written by tst_layerregistry): NAME.json names the
layer, its Python (the torch.nn constructor the registry writes, or an
operator's expression), and the tensors NAME.x*.bin (inputs), NAME.y*.bin
(the outputs the C++ module computed), NAME.w*.bin (weights of a weighted
sum of the outputs) and NAME.grad*.bin (the input gradients of that sum in
C++). NAME.pt is the TorchScript export of the one-layer model.

The layer is made with torch.nn in Python, given the exported weights with
load_state_dict(strict=True) (so PyTorch's parameter names are checked too),
and must give the same output and the same input gradients (1e-5). The
exported .pt, opened with torch.jit.load, must give the same output as well.
"""

import glob
import inspect
import json
import os
import sys
import unittest

import torch
from torch import nn

LAYER_DIR = None
TOLERANCE = 1e-5


def tensor(name, manifest):
    shape = manifest["tensors"][name]
    with open(os.path.join(LAYER_DIR, name + ".bin"), "rb") as f:
        data = bytearray(f.read())
    if not shape or 0 in shape:
        return torch.zeros(shape)
    return torch.frombuffer(data, dtype=torch.float32).reshape(shape).clone()


def cases():
    for path in sorted(glob.glob(os.path.join(LAYER_DIR, "*.json"))):
        name = os.path.basename(path)[: -len(".json")]
        with open(path) as f:
            yield name, json.load(f)


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def close(a, b):
    return a.shape == b.shape and torch.allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE)


class Layers(unittest.TestCase):
    def test_every_layer_has_cases(self):
        with open(os.path.join(LAYER_DIR, "registry.names")) as f:
            registered = set(json.load(f))
        checked = {m["layer"] for _, m in cases()}
        self.assertEqual(registered - checked, set())

    def test_options_are_the_constructors_parameters(self):
        """Each module layer's options are parameters of torch.nn.<name>, with
        the same defaults (a tuple of equal numbers stands for PyTorch's scalar)."""
        with open(os.path.join(LAYER_DIR, "registry.options")) as f:
            layers = json.load(f)
        checked = 0
        for name, layer in sorted(layers.items()):
            if layer["operator"]:
                continue
            with self.subTest(layer=name):
                self.assertTrue(hasattr(nn, name), "torch.nn has no %s" % name)
                parameters = inspect.signature(getattr(nn, name).__init__).parameters
                for option, ours in layer["options"].items():
                    self.assertIn(option, parameters, "%s(%s=...)" % (name, option))
                    theirs = parameters[option].default
                    if ours is None or theirs is inspect.Parameter.empty or theirs is None:
                        continue
                    if isinstance(ours, list) and not isinstance(theirs, (tuple, list)) and len(set(ours)) == 1:
                        ours = ours[0]
                    if isinstance(theirs, (tuple, list)):
                        theirs = list(theirs)
                    self.assertEqual(ours, theirs, "default of %s.%s" % (name, option))
                checked += 1
        self.assertGreater(checked, 30)

    def test_torch_nn_gives_the_same_output_and_gradient(self):
        count = 0
        for name, m in cases():
            with self.subTest(case=name, python=m["python"]):
                xs = [tensor("%s.x%d" % (name, k), m) for k in range(m["inputs"])]
                ys = [tensor("%s.y%d" % (name, k), m) for k in range(m["outputs"])]
                ws = [tensor("%s.w%d" % (name, k), m) for k in range(m["outputs"])]
                grads = [tensor("%s.grad%d" % (name, k), m) for k in range(m["inputs"])]
                exported = torch.jit.load(os.path.join(LAYER_DIR, name + ".pt"))
                scope = {"nn": nn, "torch": torch}
                if m["operator"]:
                    def layer(*args):
                        local = {"x%d" % k: a for k, a in enumerate(args)}
                        return eval(m["python"], scope, local)
                else:
                    layer = eval(m["python"], scope)
                    # The exported one-layer model holds the layer as `layer`.
                    layer.load_state_dict(exported.layer.state_dict(), strict=True)
                    layer.eval()
                    self.assertEqual(sum(p.numel() for p in layer.parameters()), m["parameters"])
                leaves = [x.clone().requires_grad_(True) for x in xs]
                outs = as_tuple(layer(*leaves))
                self.assertEqual(len(outs), len(ys))
                for k, (got, want) in enumerate(zip(outs, ys)):
                    self.assertTrue(close(got.detach(), want),
                                    "output %d: %s vs %s, max diff %s" % (k, tuple(got.shape), tuple(want.shape),
                                    (got.detach() - want).abs().max().item() if got.shape == want.shape else "-"))
                total = sum((o * w).sum() for o, w in zip(outs, ws))
                if total.requires_grad:
                    total.backward()
                for k, (leaf, want) in enumerate(zip(leaves, grads)):
                    got = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
                    self.assertTrue(close(got, want), "input gradient %d, max diff %s"
                                    % (k, (got - want).abs().max().item()))
                with torch.no_grad():
                    scripted = as_tuple(exported(*xs))
                for k, (got, want) in enumerate(zip(scripted, ys)):
                    self.assertTrue(close(got, want), "torch.jit.load output %d" % k)
                count += 1
        self.assertGreater(count, 0)


if __name__ == "__main__":
    LAYER_DIR = sys.argv[1]
    unittest.main(argv=sys.argv[:1], verbosity=1)
