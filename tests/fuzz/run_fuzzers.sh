#!/usr/bin/env bash
# Builds the importers' libFuzzer harnesses with clang and runs each for a while (default 15 s),
# seeded with the shared fixtures where they exist. Fails on any crash or sanitizer report.
#   tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
seconds=${2:-15}
fixtures=${REPRISE_FIXTURES:-$here/../../../shared/fixtures}
command -v clang++ >/dev/null || { echo "fuzz: clang++ is not installed (setup.sh installs clang)" >&2; exit 1; }
cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null
corpus=$build/corpus
mkdir -p "$corpus"/{tfevents,yaml,csv_logs,mlflow_files,mlflow_db,dvc}
if [[ -d $fixtures ]]; then
  find "$fixtures/tfevents" -type f -exec cp {} "$corpus/tfevents/" \; 2>/dev/null || true
  find "$fixtures/mlruns" -name meta.yaml -exec sh -c 'cp "$1" "$2/$(echo "$1" | md5sum | cut -c1-12).yaml"' _ {} "$corpus/yaml" \; 2>/dev/null || true
  cp "$fixtures/mlflow/mlflow/db_version_7ac759974ad8_with_metrics.sql" "$corpus/mlflow_db/" 2>/dev/null || true
fi
printf 'epoch,step,loss\n0,1,0.5\n0,2,\n\0lr: 0.1\nlayers: !!python/tuple\n- 1\n' > "$corpus/csv_logs/seed"
printf "name: e\n\0run_id: abc\nstatus: 3\nstart_time: 1\n\0001 0.5 0\n2 nan 1 ds d\n\0000.1" > "$corpus/mlflow_files/seed"
printf '  train:\n    cmd: [python t.py]\n    deps: [data]\n    outs: [model]\n\0schema: 2.0\nstages:\n  train:\n    deps:\n    - path: data\n      md5: aa\n\0a:\n  b: 1\n\0step\tloss\n0\t1.5\n' > "$corpus/dvc/seed"
status=0
for target in tfevents yaml csv_logs mlflow_files mlflow_db dvc; do
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$build" && ASAN_OPTIONS=detect_leaks=0 "./fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
          -max_len=65536 -print_final_stats=1 "$corpus/$target" 2>"$build/$target.log"); then
    echo "fuzz: $target FAILED (see $build/$target.log)" >&2
    tail -40 "$build/$target.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units" "$build/$target.log" | sed "s/^/fuzz: $target /"
  fi
done
exit $status
