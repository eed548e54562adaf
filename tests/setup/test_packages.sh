#!/usr/bin/env bash
# Checks that packaging/debian/build-packages.txt (what setup.sh installs) really covers what this
# build found: every CMake package config, library, header and compiler in CMakeCache.txt, and every
# tool and Python module the tests run, must belong to a Debian package that a declared package is
# or pulls in (its Depends, recursively). A machine where something came from an earlier install
# fails here instead of on a new user's bare Debian.
#   usage: test_packages.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
list=$source/packaging/debian/build-packages.txt
fail() { echo "setup_packages: $*" >&2; exit 1; }
command -v dpkg-query >/dev/null || { echo "setup_packages: not a Debian system, nothing to check"; exit 0; }

mapfile -t declared < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")
((${#declared[@]})) || fail "$list declares no package"
for p in "${declared[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || fail "$p is declared in $list but not installed (run ./setup.sh)"
done

# What the declared packages bring: themselves and their dependencies, recursively, as installed.
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances "${declared[@]}" 2>/dev/null \
          | sed -n -e 's/^\([a-z0-9][^ :<>]*\).*/\1/p' -e 's/^ *\(Pre\)\{0,1\}Depends: \([^<>]*\)$/\2/p' \
          | sed 's/:any$//; s/:amd64$//' | sort -u)

# The packages owning a file (several for a shared folder), one a line, trying the merged-/usr
# spellings dpkg may have recorded.
owners() {
  local path=$1 real out
  real=$(readlink -f "$path")
  for candidate in "$real" "$path" "${real#/usr}" "/usr${real}"; do
    out=$(dpkg-query -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -1) || continue
    [[ -n $out ]] && { echo "${out%: *}" | tr ',' '\n' | sed 's/^ *//; s/:amd64$//'; return 0; }
  done
  return 1
}

checked=0
check() { # check WHAT PATH
  local what=$1 path=$2 pkg
  [[ -e $path ]] || return 0
  [[ $(readlink -f "$path") == /usr/* || $(readlink -f "$path") == /lib* ]] || return 0 # built here, not a package
  pkg=$(owners "$path") || fail "$what ($path) belongs to no Debian package"
  grep -qxF -f <(echo "$pkg") <<<"$closure" \
    || fail "$what ($path) comes from $(echo $pkg), which nothing in $list pulls in: add it there"
  checked=$((checked + 1))
}

# CMake's findings that the build uses: the package configs it loaded (*_DIR; optional findings
# such as libGLU stay out), the libraries the targets link, the include folders they compile with,
# and the compiler.
while IFS='=' read -r key value; do
  name=${key%%:*}
  if [[ $name == *_DIR && $name != *_INCLUDE_DIR* && -d $value ]]; then
    config=$(compgen -G "$value/*onfig.cmake" | head -1 || true)
    [[ -z $config ]] || check "CMake package ${name%_DIR}" "$config"
  elif [[ $name == CMAKE_CXX_COMPILER ]]; then
    check "the C++ compiler" "$value"
  fi
done < <(grep -E '^[A-Za-z0-9_]+:(PATH|FILEPATH|STRING)=/' "$build/CMakeCache.txt")
while read -r library; do
  check "linked library" "$library"
done < <(find "$build" -name link.txt -not -path '*/fuzz/*' -exec grep -ohE '/usr/lib[^ ]*\.(so|a)[^ ]*' {} + | sort -u)
while read -r folder; do
  [[ $folder == /usr/include ]] || check "include folder" "$folder"
done < <(find "$build" -name flags.make -not -path '*/fuzz/*' -exec grep -ohE '(-isystem |-I)/usr/[^ ]*' {} + \
           | sed -E 's/^(-isystem |-I)//' | sort -u)

# What the tests, the package check and the fuzz harnesses run.
for tool in cmake cpack ctest git file dpkg-deb desktop-file-validate appstreamcli sqlite3 clang++ pkg-config; do
  path=$(command -v "$tool") || fail "$tool is not installed: add its package to $list"
  check "tool $tool" "$path"
done
for module in numpy scipy sklearn; do
  path=$(/usr/bin/python3 -c "import $module; print($module.__file__)" 2>/dev/null) \
    || fail "/usr/bin/python3 cannot import $module: add python3-$module to $list"
  check "Python module $module" "$path"
done
check "font DejaVu Sans" /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
# The PostgreSQL server programs the team-store tests run (not on PATH in Debian).
pg_bindir=$(sed -n 's/^REPRISE_PG_BINDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ -n $pg_bindir ]] || pg_bindir=$(dirname "$(sed -n 's/^REPRISE_PG_CTL:[A-Z]*=//p' "$build/CMakeCache.txt")")
for tool in initdb pg_ctl postgres psql; do
  [[ -x $pg_bindir/$tool ]] || fail "$pg_bindir/$tool is missing: add postgresql-15 to $list"
  check "tool $tool" "$pg_bindir/$tool"
done

((checked > 20)) || fail "only $checked findings were checked; is $build/CMakeCache.txt complete?"
echo "setup_packages: $checked findings, each from a package that $list brings"
