#!/usr/bin/env bash
# Builds the importers' libFuzzer harnesses with clang into BUILD_DIR (CTest's fuzz_build).
#   tests/fuzz/build_fuzzers.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/fuzz_common.sh"
build=${1:?usage: build_fuzzers.sh BUILD_DIR}
start=$SECONDS
fuzz_build "$build"
echo "fuzz: harnesses built in $build ($((SECONDS - start)) s)"
