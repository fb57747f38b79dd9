#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/ for SECONDS each (default 30),
# starting from the committed corpus in tests/fuzz/corpus/<target>/. New
# inputs go to a scratch folder; a crash is written to tests/fuzz/crashes/<target>/
# (commit it: tst_fuzzcorpus replays it from then on) and fails the run.
set -euo pipefail
seconds=${1:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$top"/build-fuzz/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue # not the *_autogen folders
  name=$(basename "$bin"); name=${name#fuzz_}
  corpus="$top/tests/fuzz/corpus/$name"
  crashes="$top/tests/fuzz/crashes/$name"
  mkdir -p "$corpus" "$crashes"
  scratch=$(mktemp -d)
  echo "fuzz $name: ${seconds}s from $(ls "$corpus" | wc -l) corpus files"
  if ! "$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$crashes/" -print_final_stats=1 "$scratch" "$corpus" > "$scratch.log" 2>&1; then
    echo "fuzz $name: FAILED, see the input in $crashes/"; tail -40 "$scratch.log"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$scratch.log" | sed "s/^/fuzz $name: /"
  fi
  rm -rf "$scratch" "$scratch.log"
done
exit $status
