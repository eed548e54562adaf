#!/usr/bin/env bash
# Builds the Debian package, installs it on this machine (as root; otherwise unpacks it into a
# temporary root), and checks what a user gets: `reprise --version` from the installed binary,
# valid desktop and AppStream files, the icon sizes, the MIME type and the man page.
# usage: test_package.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
fail() { echo "package: $*" >&2; exit 1; }

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
  trap 'rm -rf "$root"' EXIT
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
echo "package: $deb installed and checked"
