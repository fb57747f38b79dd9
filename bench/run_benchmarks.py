#!/usr/bin/python3
"""Runs Model Composer's benchmark suite side by side and writes the table
into docs/benchmarks.md (between the `bench:begin` and `bench:end` markers,
leaving the rest of the page alone).

    make bench                      # the full suite (a few minutes on 2 cores)
    bench/run_benchmarks.py --smoke --out /tmp/b.md   # tiny sizes, seconds (run by make test)

Throughput: each repeat runs the three ways one after the other (composed
model through the trainer, hand-written LibTorch, Python), each in its own
process with its own warm-up, so that the machine's drift hits all three
alike; the order alternates ABC, CBA, CBA, ABC, ... so that no way always
runs first. The table gives the median steps per second of each way, and
for 1/2 and 1/3 the median of the ratios within each repeat (the two ways of
a ratio ran minutes apart at most, 1 and 2 back to back), with their range:
the machine's drift from one repeat to the next cancels out of a paired ratio.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import statistics

from docblock import replace_block

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["encoder-decoder", "configurable-blocks", "shared-block", "wide-mlp", "deep-stack",
          "lenet", "conv-autoencoder"]
# steps per timed run (about 1-2 s for the examples, 10 s for the wide MLP and deep stack,
# about 3 s for the two image examples at one thread on a quiet machine)
STEPS = {"encoder-decoder": 5000, "configurable-blocks": 5000, "shared-block": 5000,
         "wide-mlp": 60, "deep-stack": 300, "lenet": 600, "conv-autoencoder": 400}
BATCH = {"encoder-decoder": 16, "configurable-blocks": 16, "shared-block": 16, "wide-mlp": 256, "deep-stack": 64,
         "lenet": 32, "conv-autoencoder": 32}
# the lowest 1/3 (composed through the trainer over Python) each model must reach; none for the wide MLP
PYTHON_TARGET = {"encoder-decoder": 1.5, "configurable-blocks": 1.5, "shared-block": 1.5, "deep-stack": 1.5,
                 "lenet": 1.0, "conv-autoencoder": 1.0}
# LibTorch thread counts: the image examples run at one and at two threads in every
# suite run; the others at --threads
THREADS = {"lenet": [1, 2], "conv-autoencoder": [1, 2]}

def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def peak_rss_kb(cmd):
    """Maximum resident set size of a command, from GNU time."""
    res = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), res.stderr[-500:]))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr)
    return int(m.group(1)) if m else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks that the suite runs")
    p.add_argument("--models", help="comma-separated: time only these models (a partial run; scale and memory as always)")
    p.add_argument("--steps", type=int, help="steps per timed run for every model instead of STEPS")
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    a = p.parse_args()

    bench = os.path.join(a.build, "bench", "mc-bench")
    cli = os.path.join(a.build, "app", "cli", "modelcomposer-cli")
    projects = os.path.join(ROOT, "examples") + ":" + os.path.join(ROOT, "bench", "models")
    repeats = 1 if a.smoke else a.repeats
    scale_sizes = [10, 100] if a.smoke else [10, 100, 1000]

    # The hand-written models hold the composed ones' parameters: one seed, the same weights
    # (in the same order, with the same shapes, and the same output for one batch). Their
    # names are equal too, except configurable-blocks', whose composed names have the
    # article's `nested_model.` in front.
    for model in MODELS:
        res = subprocess.run([bench, "params", "--model", model, "--projects", projects, "--seed", "0"],
                             capture_output=True, text=True)
        check = json.loads(res.stdout.strip().splitlines()[-1]) if res.stdout.strip() else None
        if check is None or not check["same_values"] or not 0 <= check["output_max_abs_diff"] <= 1e-5 or (
                not check["same_names"] and model != "configurable-blocks"):
            raise RuntimeError("%s: the hand-written model's parameters differ from the composed one's: %s%s" % (
                model, res.stdout[-2000:], res.stderr[-500:]))
        print("parameters %-20s %d tensors: values and shapes equal, names %s; forward max |diff| %.2g" % (
            model, len(check["tensors"]), "equal" if check["same_names"] else "differ",
            check["output_max_abs_diff"]), flush=True)

    timed = a.models.split(",") if a.models else MODELS
    rows = []
    for model, threads in [(m, t) for m in timed for t in THREADS.get(m, [a.threads])]:
        steps = 5 if a.smoke else (a.steps or STEPS[model])
        warmup = 2 if a.smoke else max(5, steps // 10)
        common = ["--model", model, "--steps", str(steps), "--warmup", str(warmup),
                  "--repeats", "1", "--threads", str(threads)]
        rates = {"composed": [], "handwritten": [], "python": []}
        cmds = {"composed": [bench, "throughput", "--way", "composed", "--projects", projects] + common,
                "handwritten": [bench, "throughput", "--way", "handwritten"] + common,
                "python": ["/usr/bin/python3", os.path.join(ROOT, "bench", "python_bench.py")] + common}
        for r in range(repeats):
            order = ["composed", "handwritten", "python"]
            if r % 4 in (1, 2):
                order.reverse()
            for way in order:
                rates[way].append(run_json(cmds[way])["steps_per_s"])
        med = {k: statistics.median(v) for k, v in rates.items()}
        r12 = [c / h for c, h in zip(rates["composed"], rates["handwritten"])]
        r13 = [c / p for c, p in zip(rates["composed"], rates["python"])]
        rows.append((model, threads, steps, med, r12, r13))
        print("%-20s %d thr composed %9.1f  hand-written %9.1f  python %9.1f  1/2 %.3f (%.3f-%.3f)  1/3 %.2f (%.2f-%.2f)" % (
            model, threads, med["composed"], med["handwritten"], med["python"],
            statistics.median(r12), min(r12), max(r12), statistics.median(r13), min(r13), max(r13)), flush=True)

    scale = []
    for shape in ["chain", "wide"]:
        for n in scale_sizes:
            r = run_json([bench, "scale", "--nodes", str(n), "--shape", shape, "--repeats", "3" if a.smoke else "7"])
            scale.append(r)
            print("scale %-5s %5d nodes: load %.2f ms, infer %.2f ms (from scratch %.2f ms), build %.2f ms, export %.1f ms" % (
                shape, r["nodes"], r["load_ms"], r["infer_ms"], r["infer_full_ms"], r["build_ms"], r["export_ms"]), flush=True)

    memory = []
    for example in ["encoder-decoder", "configurable-blocks", "shared-block", "lenet", "conv-autoencoder"]:
        kb = peak_rss_kb([cli, "train", os.path.join(ROOT, "examples", example + ".mcproj"),
                          "--threads", str(a.threads)])
        memory.append((example, kb))
        print("peak memory %-20s %s kB" % (example, kb), flush=True)

    write(a, rows, scale, memory, repeats)


def mark(ok):
    return "" if ok else " ✗"


def write(a, rows, scale, memory, repeats):
    today = datetime.date.today().isoformat()
    cmd = "make bench" if not a.smoke else "bench/run_benchmarks.py --smoke"
    if a.models or a.steps:
        cmd = "bench/run_benchmarks.py" + (" --models " + a.models if a.models else "") + (
            " --steps %d" % a.steps if a.steps else "") + " --repeats %d" % repeats
    lines = []
    lines.append("<!-- bench:begin (written by bench/run_benchmarks.py; do not edit by hand) -->")
    lines.append("")
    lines.append("Measured on %s, %s, %d core(s) visible, %d LibTorch thread(s) (the image examples at 1 and 2), by `%s`%s. "
                 "Each figure is the median of %d runs; in each run the three ways ran one after the other, "
                 "each in its own process after its own warm-up, in the order 1-2-3 or 3-2-1 by turns (ABBA). "
                 "The ratios are the medians of the ratios within each run, with their lowest and highest "
                 "in brackets." % (
                     today, cpu_name(), os.cpu_count(), a.threads, cmd,
                     " (smoke run: tiny sizes, figures mean nothing)" if a.smoke else "", repeats))
    lines.append("")
    lines.append("### Training throughput (optimizer steps per second)")
    lines.append("")
    lines.append("Targets: 1/2 ≥ 0.97 on every model; 1/3 ≥ 1.5 on the three MLP examples and the deep stack, "
                 "≥ 1.0 on lenet and conv-autoencoder (at one and at two threads). "
                 "✗ marks a figure that misses its target.")
    lines.append("")
    lines.append("| model | batch | threads | steps | 1. composed, trainer | 2. hand-written LibTorch | 3. Python PyTorch | 1/2 | 1/3 |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model, threads, steps, med, r12s, r13s in rows:
        r12 = statistics.median(r12s)
        r13 = statistics.median(r13s)
        lines.append("| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.3f%s (%.2f–%.2f) | %.2f%s (%.2f–%.2f) |" % (
            model, BATCH[model], threads, steps, med["composed"], med["handwritten"], med["python"],
            r12, mark(r12 >= 0.97), min(r12s), max(r12s),
            r13, mark(r13 >= PYTHON_TARGET.get(model, 0)), min(r13s), max(r13s)))
    lines.append("")
    lines.append("### Graph scale (milliseconds, median)")
    lines.append("")
    lines.append("Targets at 1,000 nodes: load < 200 ms, size inference after an edit < 10 ms, build < 100 ms. "
                 "The edit sets `out_features` of the first Linear; *infer after an edit* is the analysis the "
                 "editor runs, which builds on the analysis before the edit; *from scratch* analyses the whole "
                 "document again (for comparison, no target).")
    lines.append("")
    lines.append("| shape | nodes | load | infer after an edit | infer from scratch | build module tree | export TorchScript |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in scale:
        big = r["nodes"] >= 1000
        lines.append("| %s | %d | %.2f%s | %.2f%s | %.2f | %.2f%s | %.1f |" % (
            r["shape"], r["nodes"], r["load_ms"], mark(not big or r["load_ms"] < 200),
            r["infer_ms"], mark(not big or r["infer_ms"] < 10), r["infer_full_ms"],
            r["build_ms"], mark(not big or r["build_ms"] < 100), r["export_ms"]))
    lines.append("")
    lines.append("### Peak memory of a training run (`modelcomposer-cli train`, GNU time)")
    lines.append("")
    lines.append("| example | peak resident memory |")
    lines.append("|---|---:|")
    for example, kb in memory:
        lines.append("| %s | %.1f MiB |" % (example, kb / 1024.0) if kb else "| %s | ? |" % example)
    lines.append("")
    lines.append("<!-- bench:end -->")
    replace_block(a.out, "bench", "\n".join(lines), "Training and graph scale")


if __name__ == "__main__":
    sys.exit(main())
