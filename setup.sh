#!/usr/bin/env bash
# Reprise set-up on Debian 12: installs what is missing, builds, and then either
#   ./setup.sh          writes the demo database and opens the GUI on it,
#   ./setup.sh test     runs the whole test suite (what CI runs), or
#   ./setup.sh asan     builds the suite with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#                       and runs it, stopping at the first report (CI runs it after `test`).
# Run as root (apt-get) or with sudo; safe to run again: it only installs and rebuilds what changed.
# The Debian packages are declared once, in packaging/debian/build-packages.txt.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-gui}
case "$mode" in
  gui|test|asan) ;;
  *) echo "usage: ./setup.sh [test|asan]" >&2; exit 2 ;;
esac

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' packaging/debian/build-packages.txt)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ $mode == asan ]]; then
  # CMakePresets.json: the flags, and the options every test runs with (halt_on_error, so the first
  # report fails its test; leak checking off: Qt's and fontconfig's process-lifetime allocations
  # would drown real reports). The package and fuzz tests are the normal build's.
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  exec ctest --preset asan -j2
fi

werror=OFF
[[ $mode == test ]] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREPRISE_WERROR=$werror >/dev/null
cmake --build build -j2

if [[ $mode == test ]]; then
  cd build
  exec ctest -LE benchmark --output-on-failure -j2
fi

demo=build/demo.db
[[ -f $demo ]] || build/bin/reprise demo --out "$demo"
exec build/bin/reprise --db "$demo"
