#!/usr/bin/env bash
# Open-ended fuzzing of the importers, for developers (CTest runs replay_fuzzers.sh instead): each
# harness for SECONDS with a random seed, from the committed corpus (read only) and, where they exist,
# the shared fixtures. What it finds stays in BUILD_DIR/corpus/<harness>/ (kept between runs), a crash
# in BUILD_DIR/artifacts/<harness>/ with the way to make it a regression input.
#   nice -n 10 tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
source "$(dirname "$0")/fuzz_common.sh"
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
fixtures=${REPRISE_FIXTURES:-$fuzz_here/../../../shared/fixtures}
fuzz_build "$build"
build=$(cd "$build" && pwd)
seeds=$build/fixture-seeds
mkdir -p "$seeds"/{tfevents,yaml,csv_logs,mlflow_files,mlflow_db,dvc,wandb}
if [[ -d $fixtures ]]; then
  find "$fixtures/tfevents" -type f -exec cp {} "$seeds/tfevents/" \; 2>/dev/null || true
  find "$fixtures/mlruns" -name meta.yaml -exec sh -c 'cp "$1" "$2/$(echo "$1" | md5sum | cut -c1-12).yaml"' \
    _ {} "$seeds/yaml" \; 2>/dev/null || true
  cp "$fixtures/mlflow/mlflow/db_version_7ac759974ad8_with_metrics.sql" "$seeds/mlflow_db/" 2>/dev/null || true
  find "$fixtures/wandb" -name '*.wandb' -exec cp {} "$seeds/wandb/" \; 2>/dev/null || true
fi
# The files the harnesses write: on tmpfs where there is one (a busy disk slows them tenfold).
[[ -w /dev/shm ]] && export TMPDIR=/dev/shm
status=0
for target in "${fuzz_harnesses[@]}"; do
  found=$build/corpus/$target
  artifacts=$build/artifacts/$target
  log=$build/$target.log
  mkdir -p "$found" "$artifacts"
  echo "fuzz: $target for ${seconds}s"
  if ! "$build/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=30 -rss_limit_mb=2048 \
         -print_final_stats=1 -artifact_prefix="$artifacts/" \
         "$found" "$fuzz_here/corpus/$target" "$seeds/$target" >"$log" 2>&1; then
    artifact=$(grep -o "Test unit written to .*" "$log" | tail -1 | cut -c22-)
    echo "fuzz: $target FAILED ($(grep -m1 -oE "SUMMARY: .*|ERROR: libFuzzer: .*|runtime error: .*" "$log"))" >&2
    tail -40 "$log" >&2
    echo "fuzz: the input: ${artifact:-see $log}" >&2
    echo "fuzz: reproduce: $build/fuzz_$target ${artifact:-INPUT}" >&2
    echo "fuzz: keep it: cp ${artifact:-INPUT} tests/fuzz/corpus/$target/crash-<what-it-hit>; fix it, add a case" \
         "to tests/core/tst_import.cpp, commit the three (CTest replays every file of the corpus)" >&2
    status=1
  fi
  grep -h "INFO: Seed:" "$log" | head -1 | sed "s/^/fuzz: $target /"
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$log" | sed "s/^/fuzz: $target /" || true
done
exit $status
