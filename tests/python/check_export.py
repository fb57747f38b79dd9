#!/usr/bin/python3
"""Opens Model Composer's TorchScript exports of the article's three examples
with Debian's PyTorch, as a colleague would: no code of the project is used.

Usage: /usr/bin/python3 check_export.py DIR

DIR holds, for each example NAME, NAME.json (an input batch and the output the
C++ module tree computed for it, written by export_reference), NAME.pt (written
by TorchScriptExporter) and NAME.cli.pt (written by `modelcomposer-cli export
--seed 0`). Both .pt files must hold the same weights, so both must reproduce
the C++ output.
"""

import json
import os
import sys
import unittest

import torch

EXPORT_DIR = None

EXAMPLES = {
    "encoder-decoder": {
        "root": "EncoderDecoderLightning",
        "count": 61,
        "parameters": ["encoder.fc.weight", "encoder.fc.bias",
                       "decoder.fc.weight", "decoder.fc.bias"],
        "modules": ["encoder", "encoder.fc", "encoder.relu",
                    "decoder", "decoder.fc", "decoder.sigmoid"],
    },
    "configurable-blocks": {
        "root": "ConfigurableLightning",
        "count": 706,
        "parameters": ["nested_model.blocks.%d.fc.%s" % (b, p) for b in range(3) for p in ("weight", "bias")]
                      + ["final_fc.weight", "final_fc.bias"],
        "modules": ["nested_model", "nested_model.blocks"]
                   + [n for b in range(3) for n in ("nested_model.blocks.%d" % b,
                                                    "nested_model.blocks.%d.fc" % b,
                                                    "nested_model.blocks.%d.relu" % b)]
                   + ["final_fc", "sigmoid"],
    },
    "shared-block": {
        "root": "ExternalInjection",
        "count": 330,
        "parameters": ["shared_module.fc.weight", "shared_module.fc.bias",
                       "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"],
        "modules": ["shared_module", "shared_module.fc", "shared_module.relu", "fc1", "fc2"],
    },

    "lenet": {
        "root": "LeNet",
        "count": 61706,
        "parameters": ["%s.%s" % (n, p) for n in ("conv1", "conv2", "fc1", "fc2", "fc3") for p in ("weight", "bias")],
        "modules": ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3", "fc2", "relu4",
                    "fc3"],
    },
    "conv-autoencoder": {
        "root": "ConvAutoencoder",
        "count": 1849,
        "parameters": ["encoder.%s.%s" % (n, p) for n in ("conv1", "bn1", "conv2", "bn2") for p in ("weight", "bias")]
                      + ["decoder.%s.%s" % (n, p) for n in ("deconv1", "deconv2") for p in ("weight", "bias")],
        "modules": ["encoder"] + ["encoder." + n for n in ("conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2",
                                                         "pool2")]
                   + ["decoder"] + ["decoder." + n for n in ("deconv1", "relu", "deconv2", "sigmoid")],
        "buffers": ["encoder.%s.%s" % (n, b) for n in ("bn1", "bn2")
                    for b in ("running_mean", "running_var", "num_batches_tracked")],
    },
}

PROJECT_ENTRY = "modelcomposer/project.mcproj"


def files():
    for name in EXAMPLES:
        for suffix in (".pt", ".cli.pt"):
            yield name, os.path.join(EXPORT_DIR, name + suffix)


def reference(name):
    with open(os.path.join(EXPORT_DIR, name + ".json")) as f:
        data = json.load(f)
    # Rows of values, viewed as the model's shapes ([8, 1, 28, 28] for an image).
    return (torch.tensor(data["input"], dtype=torch.float32).reshape(data["input_shape"]),
            torch.tensor(data["output"], dtype=torch.float32).reshape(data["output_shape"]))


class ExportTest(unittest.TestCase):
    def test_names_and_counts(self):
        for name, path in files():
            with self.subTest(path=path):
                m = torch.jit.load(path)
                expected = EXAMPLES[name]
                self.assertEqual(m.original_name, expected["root"])
                names = [n for n, _ in m.named_parameters()]
                self.assertEqual(names, expected["parameters"])
                self.assertEqual(sum(p.numel() for p in m.parameters()), expected["count"])
                self.assertTrue(all(p.requires_grad for p in m.parameters()))
                self.assertEqual([n for n, _ in m.named_modules() if n], expected["modules"])
                self.assertEqual([n for n, _ in m.named_buffers()], expected.get("buffers", []))

    def test_output_matches_cpp(self):
        for name, path in files():
            with self.subTest(path=path):
                m = torch.jit.load(path)
                self.assertFalse(m.training, "exports are saved in eval mode")
                x, expected = reference(name)
                with torch.no_grad():
                    y = m(x)
                self.assertEqual(tuple(y.shape), tuple(expected.shape))
                diff = (y - expected).abs().max().item()
                self.assertLessEqual(diff, 1e-6, "%s differs from the C++ output by %g" % (path, diff))

    def test_shared_weight_is_one_tensor(self):
        # x -> fc1 -> shared_module -> add <- shared_module <- fc2 <- x
        for name, path in files():
            if name != "shared-block":
                continue
            with self.subTest(path=path):
                m = torch.jit.load(path)
                names = [n for n, _ in m.named_parameters()]
                self.assertEqual(names.count("shared_module.fc.weight"), 1)
                self.assertEqual(len(names), len(set(names)))
                w = m.shared_module.fc.weight
                b = m.shared_module.fc.bias
                self.assertEqual(dict(m.named_parameters())["shared_module.fc.weight"].data_ptr(), w.data_ptr())
                x, _ = reference(name)
                with torch.no_grad():
                    # Both branches, computed by hand from the one weight.
                    def branch(fc):
                        return torch.relu(torch.nn.functional.linear(fc(x), w, b))
                    self.assertTrue(torch.allclose(m(x), branch(m.fc1) + branch(m.fc2), atol=1e-6))
                    # Changing it changes both branches: relu(0·h + 1) = 1 in each, 2 in all.
                    before = m(x)
                    w.zero_()
                    b.fill_(1.0)
                    after = m(x)
                self.assertFalse(torch.allclose(before, after))
                self.assertTrue(torch.equal(after, torch.full_like(after, 2.0)))

    def test_project_travels_inside(self):
        for name, path in files():
            with self.subTest(path=path):
                extra = {PROJECT_ENTRY: ""}
                torch.jit.load(path, _extra_files=extra)
                project = json.loads(extra[PROJECT_ENTRY])
                self.assertEqual(project["format"], "modelcomposer-project")
                self.assertEqual(project["root"], EXAMPLES[name]["root"])
                with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                                       name + ".mcproj")) as f:
                    original = json.load(f)
                self.assertEqual([t["name"] for t in project["types"]], [t["name"] for t in original["types"]])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_export.py DIR")
    EXPORT_DIR = sys.argv.pop(1)
    torch.set_num_threads(1)
    unittest.main(verbosity=2)
