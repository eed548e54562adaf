#!/usr/bin/env bash
# Builds the Debian package, installs it on this machine (as root; otherwise unpacks it into a
# temporary root), and checks what a user gets: `reprise --version` from the installed binary,
# valid desktop and AppStream files, the icon sizes, the MIME type and the man page; then the Python
# client as a user gets it: Debian's /usr/bin/python3 imports it with nothing else installed, and a fresh
# venv installs the shipped wheel offline (pip --no-index); runs logged both ways are read by the
# installed program.
# usage: test_package.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
fail() { echo "package: $*" >&2; exit 1; }
work=$(mktemp -d)
root=
trap 'rm -rf "$work" ${root:+"$root"}' EXIT

cd "$build"
rm -f reprise_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log >&2; fail "cpack -G DEB failed"; }
deb=$(ls reprise_"$version"_*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || fail "no reprise_${version}_*.deb was written"

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libqt6core6 libqt6widgets6 libqt6charts6 libsqlite3-0 libfmt9 qt6-qpa-plugins; do
  [[ $depends == *"$lib"* ]] || fail "Depends does not declare $lib: $depends"
done

if [[ $(id -u) -eq 0 ]]; then
  # The real thing: apt resolves the declared dependencies and installs into /usr.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "./$deb" >apt.log 2>&1 \
    || { cat apt.log >&2; fail "apt-get install ./$deb failed"; }
  root=
else
  echo "package: not root, so unpacking into a temporary root instead of installing" >&2
  root=$(mktemp -d)
  dpkg-deb -x "$deb" "$root"
fi

out=$("$root/usr/bin/reprise" --version)
[[ $out == "reprise $version" ]] || fail "installed reprise --version said '$out'"

share=$root/usr/share
id=io.github.reprise.Reprise
desktop-file-validate "$share/applications/$id.desktop" || fail "desktop file invalid"
appstreamcli validate --no-net "$share/metainfo/$id.metainfo.xml" || fail "metainfo invalid"
grep -q "^Icon=$id$" "$share/applications/$id.desktop" || fail "desktop file names another icon"
grep -q "<id>$id</id>" "$share/metainfo/$id.metainfo.xml" || fail "metainfo has another id"
grep -q "<launchable type=\"desktop-id\">$id.desktop</launchable>" "$share/metainfo/$id.metainfo.xml" \
  || fail "metainfo launches another desktop file"
[[ -f $share/icons/hicolor/scalable/apps/$id.svg ]] || fail "no scalable icon"
for size in 16 32 48 64 128 256; do
  png=$share/icons/hicolor/${size}x${size}/apps/$id.png
  [[ -f $png ]] || fail "no ${size}x${size} icon"
  [[ $(head -c 8 "$png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$png is not a PNG"
done
grep -q 'type="application/x-reprise-runs"' "$share/mime/packages/$id.xml" || fail "no MIME type"
grep -q 'MimeType=application/x-reprise-runs;' "$share/applications/$id.desktop" || fail "desktop file misses the MIME type"
gzip -t "$share/man/man1/reprise.1.gz" || fail "man page is not gzip"
zcat "$share/man/man1/reprise.1.gz" | grep -q '^\.SH COMMANDS' || fail "man page lacks its commands"

# The Python client: in the package for the system interpreter and as a wheel, never byte code.
wheel_name=reprise-$version-py3-none-any.whl
contents=$(dpkg-deb -c "$deb")
for path in ./usr/lib/python3/dist-packages/reprise/__init__.py ./usr/lib/python3/dist-packages/reprise/_version.py \
            ./usr/lib/python3/dist-packages/reprise/schema/0001_init.sql ./usr/share/reprise/python/$wheel_name; do
  grep -q " $path\$" <<<"$contents" || fail "the package lacks $path"
done
! grep -q -e '__pycache__' -e '\.pyc$' <<<"$contents" || fail "the package ships byte code"
site=$root/usr/lib/python3/dist-packages
wheel=$share/reprise/python/$wheel_name
[[ $("$root/usr/bin/reprise" client --wheel) == "$wheel" ]] || fail "reprise client --wheel does not name $wheel"
[[ $("$root/usr/bin/reprise" client --site) == "$site" ]] || fail "reprise client --site does not name $site"
clean_env=(env -i "PATH=/usr/bin:/bin" "HOME=$work" "PIP_NO_INDEX=1" "PIP_DISABLE_PIP_VERSION_CHECK=1" "PIP_NO_CACHE_DIR=1")
python_path=()
if [[ -z $root ]]; then
  "$root/usr/bin/reprise" client | grep -qxF '  /usr/bin/python3 train.py' \
    || fail "reprise client does not say that /usr/bin/python3 imports the installed client"
  [[ -d $site/reprise/__pycache__ ]] || fail "postinst did not byte-compile the client (py3compile)"
else
  python_path=("PYTHONPATH=$site") # unpacked only: the system interpreter is pointed at it
fi
log_run='import sys, reprise
with reprise.start_run(project="package", name=sys.argv[1], params={"lr": 0.5}) as run:
    run.log_metric("loss", 0.25, step=0)
print(reprise.__version__, reprise.__file__, run.id)'

# Debian's python3, with nothing but the package (a clean environment, outside any source tree).
read -r py_version py_file system_run < <(cd "$work" && "${clean_env[@]}" "${python_path[@]}" \
  "REPRISE_DB=$work/runs.db" /usr/bin/python3 -c "$log_run" system) || fail "/usr/bin/python3 cannot import reprise"
[[ $py_version == "$version" ]] || fail "reprise.__version__ is '$py_version', the program's is '$version'"
[[ $py_file == "$site/reprise/__init__.py" ]] || fail "/usr/bin/python3 imported reprise from $py_file"

# A fresh virtual environment, offline: the shipped wheel only.
(cd "$work" && "${clean_env[@]}" /usr/bin/python3 -m venv venv) || fail "/usr/bin/python3 -m venv failed (python3-venv)"
"${clean_env[@]}" "$work/venv/bin/python" -m pip install --no-index "$wheel" >"$work/pip.log" 2>&1 \
  || { cat "$work/pip.log" >&2; fail "pip install --no-index $wheel failed"; }
read -r venv_version venv_file venv_run < <(cd "$work" && "${clean_env[@]}" "REPRISE_DB=$work/runs.db" \
  "$work/venv/bin/python" -c "$log_run" venv) || fail "the venv cannot import reprise"
[[ $venv_version == "$version" ]] || fail "the wheel's reprise.__version__ is '$venv_version'"
[[ $venv_file == "$work/venv/lib/"python3*/site-packages/reprise/__init__.py ]] \
  || fail "the venv imported reprise from $venv_file"

# The installed program reads both runs.
listed=$("$root/usr/bin/reprise" ls --db "$work/runs.db" --project package --json) || fail "reprise ls failed"
for id in "$system_run" "$venv_run"; do
  grep -q "\"id\": \"$id\"" <<<"$listed" || fail "reprise ls does not list run $id: $listed"
done
[[ $(grep -c '"status": "finished"' <<<"$listed") -eq 2 ]] || fail "the runs are not both finished: $listed"
echo "package: $deb installed and checked"
