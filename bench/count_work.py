#!/usr/bin/python3
"""Counts the work of one training step, composed (through the trainer) and
hand-written, under valgrind's cachegrind, and writes the table into
docs/benchmarks.md between the `counts:begin` and `counts:end` markers.

    make bench-counts                                   # all five models (an hour on 2 cores)
    bench/count_work.py --smoke --out /tmp/c.md         # one model, few steps

Wall-clock ratios on a shared two-core VM move by ±20 % from one run to the
next; instruction and cache-miss counts do not depend on the machine's load.
Each way runs twice, with `short` and `long` timed steps after the same
warm-up; the difference divided by `long - short` is the work of one step in
the steady state, free of start-up, model building and warm-up.

The trainer takes a copy of the weights once a second (to roll back to after
a non-finite loss). Under valgrind a second is a few steps, not ~30 to 5,000
as at full speed, so the composed counts include far more of those copies
than a real run: they are an upper bound.
"""
import argparse
import concurrent.futures
import datetime
import os
import re
import subprocess
import sys
import tempfile

from docblock import replace_block

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["encoder-decoder", "configurable-blocks", "shared-block", "wide-mlp", "deep-stack"]
# (short, long) timed steps under valgrind, about 50x slower than at full speed
STEPS = {"encoder-decoder": (200, 600), "configurable-blocks": (200, 600), "shared-block": (200, 600),
         "wide-mlp": (4, 12), "deep-stack": (5, 20)}
WAYS = ["composed", "handwritten"]


def cachegrind(bench, projects, model, way, steps, warmup):
    """Instructions and first-level data misses of one run, from cachegrind's summary."""
    with tempfile.NamedTemporaryFile(prefix="cg.", suffix=".out") as out:
        cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=" + out.name,
               bench, "throughput", "--model", model, "--way", way, "--projects", projects,
               "--steps", str(steps), "--warmup", str(warmup), "--repeats", "1", "--threads", "1"]
        res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), res.stderr[-2000:]))

    def count(label):
        m = re.search(r"==\d+== %s:\s+([\d,]+)" % re.escape(label), res.stderr)
        if not m:
            raise RuntimeError("no '%s' in cachegrind's summary:\n%s" % (label, res.stderr[-2000:]))
        return int(m.group(1).replace(",", ""))

    return {"instructions": count("I   refs"), "d1_misses": count("D1  misses")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--smoke", action="store_true", help="one model, few steps: checks that the script runs")
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    a = p.parse_args()

    bench = os.path.join(a.build, "bench", "mc-bench")
    projects = os.path.join(ROOT, "examples") + ":" + os.path.join(ROOT, "bench", "models")
    models = ["encoder-decoder"] if a.smoke else MODELS
    def plan(model):
        """(short, long, warmup) steps of a model's two runs."""
        short, long = (2, 6) if a.smoke else STEPS[model]
        return short, long, 2 if a.smoke else max(2, short // 2)

    jobs = []
    for model in models:
        short, long, warmup = plan(model)
        for way in WAYS:
            for steps in (short, long):
                jobs.append((model, way, steps, warmup))
    # Two runs at a time: valgrind is single-threaded and the machine has two cores.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = dict(zip(jobs, pool.map(lambda j: cachegrind(bench, projects, *j), jobs)))

    rows = []
    for model in models:
        short, long, warmup = plan(model)
        per_step = {}
        for way in WAYS:
            lo, hi = results[(model, way, short, warmup)], results[(model, way, long, warmup)]
            per_step[way] = {k: (hi[k] - lo[k]) / (long - short) for k in lo}
        rows.append((model, long - short, per_step))
        c, h = per_step["composed"], per_step["handwritten"]
        print("%-20s instructions/step composed %12.0f  hand-written %12.0f  (%+.1f %%)   "
              "L1 data misses/step %10.0f  %10.0f  (%+.1f %%)" % (
                  model, c["instructions"], h["instructions"], 100 * (c["instructions"] / h["instructions"] - 1),
                  c["d1_misses"], h["d1_misses"], 100 * (c["d1_misses"] / h["d1_misses"] - 1)), flush=True)
    write(a, rows)


def write(a, rows):
    cmd = "make bench-counts" if not a.smoke else "bench/count_work.py --smoke"
    lines = ["<!-- counts:begin (written by bench/count_work.py; do not edit by hand) -->", ""]
    lines.append("Counted on %s by `%s`%s: valgrind's cachegrind (simulated caches), one LibTorch thread; "
                 "the work of one step in the steady state, from the difference of two runs of each way. "
                 "A negative difference means the composed model through the trainer does less." % (
                     datetime.date.today().isoformat(), cmd,
                     " (smoke run: tiny sizes, figures mean little)" if a.smoke else ""))
    lines.append("")
    lines.append("| model | steps counted | instructions per step: composed, trainer | hand-written | difference "
                 "| L1 data misses per step: composed, trainer | hand-written | difference |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for model, steps, s in rows:
        c, h = s["composed"], s["handwritten"]
        lines.append("| %s | %d | %s | %s | %+.1f %% | %s | %s | %+.1f %% |" % (
            model, steps, "{:,.0f}".format(c["instructions"]), "{:,.0f}".format(h["instructions"]),
            100 * (c["instructions"] / h["instructions"] - 1),
            "{:,.0f}".format(c["d1_misses"]), "{:,.0f}".format(h["d1_misses"]),
            100 * (c["d1_misses"] / h["d1_misses"] - 1)))
    lines.append("")
    lines.append("<!-- counts:end -->")
    replace_block(a.out, "counts", "\n".join(lines), "Work per training step (instruction counts)")


if __name__ == "__main__":
    sys.exit(main())
