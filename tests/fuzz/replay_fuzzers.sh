#!/usr/bin/env bash
# CTest's fuzz entry (fuzz_importers), the same verdict for the same commit: for each harness, every
# committed input of tests/fuzz/corpus/<harness>/ once, then RUNS executions of libFuzzer from that
# corpus with a fixed seed (-seed=1 -runs=RUNS). Inputs it finds go to BUILD_DIR/scratch-corpus/
# (emptied first), never into the source tree. Fails on any crash, sanitizer report or timeout.
#   tests/fuzz/replay_fuzzers.sh BUILD_DIR [RUNS]
set -euo pipefail
source "$(dirname "$0")/fuzz_common.sh"
build=${1:?usage: replay_fuzzers.sh BUILD_DIR [RUNS]}
runs=${2:-4000}
fuzz_build "$build"
build=$(cd "$build" && pwd)
# The files the harnesses write go to one fixed path, so that every replay, of any checkout, reads the
# same paths (a path's bytes reach libFuzzer's comparison tables), on tmpfs where there is one (on a
# busy disk, creating files makes the file-reading harnesses ten times slower). Replays take turns.
files_root=/dev/shm/reprise-fuzz-replay
if ! { mkdir -p "$files_root" && [[ -w $files_root ]]; } 2>/dev/null; then
  files_root=/tmp/reprise-fuzz-replay
  mkdir -p "$files_root"
fi
exec 9>"$files_root.lock"
flock 9
trap 'rm -rf "$files_root"' EXIT
# The same environment, working folder, argument bytes and addresses (ASLR off) in every replay: all
# of them can reach libFuzzer's comparison tables and so the mutations. Where ASLR cannot be turned
# off, the comparison tables are not used.
no_aslr=(setarch "$(uname -m)" -R)
cmp=()
if ! "${no_aslr[@]}" true 2>/dev/null; then
  no_aslr=()
  cmp=(-use_cmp=0)
  echo "fuzz: cannot turn ASLR off here: mutations without comparison tables (-use_cmp=0)"
fi
run_clean() {
  "${no_aslr[@]}" env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 ASAN_OPTIONS="$ASAN_OPTIONS" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS" QT_HASH_SEED=0 REPRISE_FUZZ_SCRATCH="$files" "$@"
}
status=0
for target in "${fuzz_harnesses[@]}"; do
  corpus=$fuzz_here/corpus/$target
  scratch=$build/scratch-corpus/$target
  files=$files_root/$target
  artifacts=$build/artifacts/$target
  log=$build/$target.log
  rm -rf "$scratch" "$files" "$files_root/run"
  mkdir -p "$scratch" "$files" "$artifacts" "$files_root/run"
  # Fixed names for the harness and its folders: the replay's arguments are the same bytes anywhere.
  ln -s "$build/fuzz_$target" "$files_root/run/fuzz"
  ln -s "$corpus" "$files_root/run/corpus"
  ln -s "$scratch" "$files_root/run/found"
  ln -s "$artifacts" "$files_root/run/artifacts"
  inputs=()
  for input in "$corpus"/*; do inputs+=("corpus/${input##*/}"); done
  start=$SECONDS
  if ! (cd "$files_root/run" && run_clean ./fuzz -seed=1 "${inputs[@]}") >"$log" 2>&1; then
    failed=$(grep -o "^Running: corpus/.*" "$log" | tail -1 | cut -c17-)
    echo "fuzz: $target FAILED on a committed input: $corpus/${failed:-?} (see $log)" >&2
    tail -30 "$log" >&2
    status=1
    continue
  fi
  if ! (cd "$files_root/run" && run_clean ./fuzz -seed=1 -runs="$runs" "${cmp[@]}" -max_len=16384 -timeout=120 \
           -rss_limit_mb=2048 -reload=0 -print_final_stats=1 -artifact_prefix=artifacts/ found corpus) >>"$log" 2>&1
  then
    echo "fuzz: $target FAILED within $runs runs from seed 1 (see $log); the input:" >&2
    ls "$artifacts" >&2
    tail -30 "$log" >&2
    echo "fuzz: keep it as a regression input: cp $artifacts/<file> $corpus/crash-<what>; fix it, add a test" >&2
    status=1
    continue
  fi
  executed=$(sed -n "s/^stat::number_of_executed_units: *//p" "$log")
  added=$(sed -n "s/^stat::new_units_added: *//p" "$log")
  coverage=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | grep -oE "cov: [0-9]+ ft: [0-9]+" | head -1 || true)
  echo "fuzz: $target ok: ${#inputs[@]} committed inputs, $executed runs from seed 1 ($coverage, $added new" \
       "inputs in $scratch) in $((SECONDS - start)) s"
done
exit $status
