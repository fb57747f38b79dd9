#!/usr/bin/env bash
# Takes the editor's screenshots for the README under a virtual X server, so
# that they can be retaken whenever the window changes:
#   scripts/screenshot.sh            (uses build/app/gui/modelcomposer)
#   BUILD=build-gui scripts/screenshot.sh
#   ONLY=csv-import.png scripts/screenshot.sh   (one picture)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
APP=${APP:-$BUILD/app/gui/modelcomposer}
OUT=${OUT:-docs/images}
WAIT=${WAIT:-4}
# The size the issue asks the window to fit without cutting a field.
SIZE=${SIZE:-1400x880}
if [ ! -x "$APP" ]; then
  echo "screenshot.sh: $APP is not built (make build, or set BUILD=...)" >&2
  exit 1
fi
mkdir -p "$OUT"
# A fresh profile: no saved window layout, no recent files, no autosaves.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
export XDG_CONFIG_HOME="$profile/config" XDG_DATA_HOME="$profile/data" XDG_CACHE_HOME="$profile/cache"
export XDG_RUNTIME_DIR="$profile/runtime"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset QT_QPA_PLATFORM

# shoot NAME ARGS...: starts the app with ARGS, waits, grabs the screen into OUT/NAME.
shoot() {
  local name=$1
  shift
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then
    return 0
  fi
  xvfb-run -a -s "-screen 0 ${SIZE}x24" bash -c '
    app=$1; out=$2; wait=$3; size=$4; shift 4
    "$app" -geometry "$size+0+0" --no-recovery "$@" &
    pid=$!
    sleep "$wait"
    import -window root "$out"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  ' shoot "$APP" "$OUT/$name" "$WAIT" "$SIZE" "$@"
  echo "wrote $OUT/$name"
}

shoot editor.png examples/encoder-decoder.mcproj --show-dock summary
shoot shared.png examples/shared-block.mcproj --select shared_module
shoot stack.png examples/configurable-blocks.mcproj --show-type NestedModel --select blocks
shoot inside.png examples/encoder-decoder.mcproj --show-type Encoder
# Shapes on the ports: LeNet on [1, 28, 28] images, with its summary.
shoot lenet.png examples/lenet.mcproj --show-dock summary --select conv2
# A wrong size, to show how problems look: fc2 told to take 7 features where x gives 10.
sed 's/{"name": "fc2", "type": "Linear", "options": {"in_features": {"arg": "dim"}/{"name": "fc2", "type": "Linear", "options": {"in_features": 7/' \
  examples/shared-block.mcproj > "$profile/mismatch.mcproj"
shoot problems.png "$profile/mismatch.mcproj" --show-dock problems --select fc2
# A run in progress: many epochs of a teacher data set with a validation split.
sed -e 's/"epochs": 2,/"epochs": 100000, "validation_split": 0.2,/' -e 's/"limit_train_batches": 2,/"limit_train_batches": 8,/' \
    -e 's/{"kind": "random_binary", "samples": 32}/{"kind": "teacher", "samples": 640}/' \
  examples/configurable-blocks.mcproj > "$profile/training.mcproj"
WAIT=${TRAIN_WAIT:-8} shoot training.png "$profile/training.mcproj" --train-on-start --show-dock lossDock
# The CSV import dialog on a file beside the project: 500 rows of an id, ten
# features and a 0/1 label (the same every time: awk's rand with a fixed seed).
cp examples/encoder-decoder.mcproj "$profile/sensors.mcproj"
awk 'BEGIN { srand(7); printf "id"; for (i = 0; i < 10; i++) printf ",x%d", i; print ",label";
  for (r = 0; r < 500; r++) { s = 0; printf "%d", r;
    for (i = 0; i < 10; i++) { v = rand() * 4 - 2; s += v; printf ",%.3f", v }
    printf ",%d\n", (s > 0) } }' > "$profile/sensors.csv"
shoot csv-import.png "$profile/sensors.mcproj" --import-csv sensors.csv
# The verdict of a short run of the Fashion-MNIST MLP: the accuracy per
# epoch, the test set's confusion matrix and the per-class figures.
sed -e 's/"epochs": 15,/"epochs": 4, "limit_train_batches": 80,/' \
    -e 's/"source": "own"/"source": "own", "each_epoch": true/' \
  examples/fashion-mnist-mlp.mcproj > "$profile/fashion.mcproj"
WAIT=${EVAL_WAIT:-40} shoot evaluation.png "$profile/fashion.mcproj" --train-on-start
