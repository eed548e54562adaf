# Shared by the fuzz scripts (sourced): the harnesses, the environment they run in, and building them.
fuzz_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fuzz_harnesses=(tfevents yaml csv_logs mlflow_files mlflow_db dvc wandb)
# Leaks are not what these look for (Qt keeps some allocations for the process's life); UBSan stops at
# the first report (-fno-sanitize-recover) with a stack. A fixed hash seed: QHash iterates the same way
# every run, so a replay takes the same paths.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export QT_HASH_SEED=0

# fuzz_build BUILD_DIR: configures and builds the harnesses with clang (quiet; the log on failure).
fuzz_build() {
  local build=$1
  command -v clang++ >/dev/null || { echo "fuzz: clang++ is not installed (setup.sh installs clang)" >&2; return 1; }
  mkdir -p "$build"
  if ! { cmake -S "$fuzz_here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
           && cmake --build "$build" -j2; } >"$build/build.log" 2>&1; then
    tail -40 "$build/build.log" >&2
    echo "fuzz: building the harnesses failed (see $build/build.log)" >&2
    return 1
  fi
}
