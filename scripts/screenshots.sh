#!/usr/bin/env bash
# Regenerates the README's screenshots from the demo database with `reprise --screenshot`
# (off-screen; no display needed), so the README shows what the program shows.
# Run after ./setup.sh (or any build in ./build).
set -euo pipefail
cd "$(dirname "$0")/.."
reprise=build/bin/reprise
db=build/screenshots.db
out=docs/screenshots
[[ -x $reprise ]] || { echo "screenshots: build first (./setup.sh test)" >&2; exit 1; }
mkdir -p "$out"
"$reprise" demo --out "$db" --force >/dev/null
ids() { "$reprise" ls --db "$db" --project "$1" --json | python3 -c 'import json,sys; print(",".join(r["id"] for r in json.load(sys.stdin)))'; }
churn=$(ids churn-forecast)
newest=${churn%%,*}
second=$(cut -d, -f2 <<<"$churn")
"$reprise" --screenshot "$out/runs.png" --db "$db" --view runs --select "$newest" --size 1400x900
"$reprise" --screenshot "$out/pipeline-diff.png" --db "$db" --view dag --select "$newest,$second" --size 1400x900
"$reprise" --screenshot "$out/drift.png" --db "$db" --view drift --select "$churn" --size 1400x900
cifar=$(ids cifar-resnet | cut -d, -f1-6)
"$reprise" --screenshot "$out/compare.png" --db "$db" --view compare --select "$cifar" --size 1400x900
"$reprise" --screenshot "$out/parallel.png" --db "$db" --view parallel --select "$cifar" --size 1400x900
"$reprise" --screenshot "$out/scatter.png" --db "$db" --view scatter --select "$cifar" --size 1400x900
# The reproduction report: the digits example recorded in a scratch git repository, then rerun with an
# edited param (it diverges; exit code 3 is the verdict, not a failure).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/digits"
cp examples/digits/train.py examples/digits/.gitignore "$work/digits/"
git -C "$work/digits" init -q
git -C "$work/digits" -c user.email=docs@example.org -c user.name=docs commit -q --allow-empty -m init
git -C "$work/digits" add -A
git -C "$work/digits" -c user.email=docs@example.org -c user.name=docs commit -q -m "digits example"
export PYTHONPATH=$PWD/clients/python
bin=$PWD/$reprise
original=$(cd "$work/digits" && "$bin" run --db "$work/runs.db" -- /usr/bin/python3 train.py 2>&1 >/dev/null |
  sed -n 's/^reprise: run \([0-9a-f]\{32\}\) (.*recording.*/\1/p')
rerun=$("$bin" rerun "$original" --db "$work/runs.db" --wait --json --set lr_drop_epoch=5 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["run"])') || true
"$reprise" --screenshot "$out/rerun.png" --db "$work/runs.db" --view rerun --select "$original,$rerun" --size 1400x900
echo "screenshots: wrote $(ls "$out" | tr '\n' ' ')"
