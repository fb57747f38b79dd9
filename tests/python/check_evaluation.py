"""The test set's verdict checked against PyTorch itself.

The CLI trained LeNet briefly on Fashion-MNIST, judged it on the 10,000 test
images (--test-set own, --progress-json) and exported the trained model.
Here Debian's PyTorch runs that export on the test images, read from the
IDX files with gzip and numpy, and computes the accuracy, top-5 and the
confusion matrix itself: they must be the CLI's, count for count.

    check_evaluation.py PROGRESS.jsonl MODEL.pt FASHION_MNIST_FOLDER
"""

import gzip
import json
import sys

import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main(progress, model, folder):
    result = None
    with open(progress) as f:
        for line in f:
            o = json.loads(line)
            if o.get("type") == "result":
                result = o
    assert result is not None, "no result line"
    ev = result["evaluation"]
    images = idx(folder + "/t10k-images-idx3-ubyte.gz")
    labels = torch.from_numpy(idx(folder + "/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    x = torch.from_numpy(images.astype(np.float32) / 255.0).view(-1, 1, 28, 28)
    m = torch.jit.load(model)
    m.eval()
    with torch.no_grad():
        scores = m(x)
    predicted = scores.argmax(1)
    confusion = torch.zeros(10, 10, dtype=torch.int64)
    confusion.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)
    top5 = (scores.topk(5, 1).indices == labels.unsqueeze(1)).any(1).double().mean().item()
    accuracy = (predicted == labels).double().mean().item()
    loss = torch.nn.functional.cross_entropy(scores, labels).item()
    assert ev["samples"] == 10000, ev["samples"]
    assert ev["confusion"] == confusion.tolist(), (ev["confusion"], confusion.tolist())
    assert abs(ev["accuracy"] - accuracy) < 1e-9, (ev["accuracy"], accuracy)
    assert abs(ev["top5"] - top5) < 1e-9, (ev["top5"], top5)
    assert abs(ev["loss"] - loss) < 1e-5 * max(1.0, loss), (ev["loss"], loss)
    recall = confusion.diag().double() / confusion.sum(1).double()
    precision = confusion.diag().double() / confusion.sum(0).clamp(min=1).double()
    assert np.allclose(ev["recall"], recall.tolist(), atol=1e-12)
    assert np.allclose(ev["precision"], precision.tolist(), atol=1e-12)
    print(f"ok: accuracy {accuracy:.4f}, top-5 {top5:.4f}, loss {loss:.4f}, confusion as PyTorch counts it")


if __name__ == "__main__":
    main(*sys.argv[1:4])
