#!/usr/bin/env bash
# Reprise set-up on Debian 12: installs what is missing, builds, and then either
#   ./setup.sh          writes the demo database and opens the GUI on it, or
#   ./setup.sh test     runs the whole test suite (what CI runs).
# Run as root (apt-get); safe to run again: it only installs and rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-gui}
case "$mode" in
  gui|test) ;;
  *) echo "usage: ./setup.sh [test]" >&2; exit 2 ;;
esac

packages=(build-essential cmake git pkg-config qt6-base-dev libqt6charts6-dev qt6-svg-dev libgl-dev libfmt-dev
          libsqlite3-dev sqlite3 python3 python3-numpy python3-scipy python3-sklearn fonts-dejavu-core
          dpkg-dev desktop-file-utils appstream clang libclang-rt-14-dev)
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
