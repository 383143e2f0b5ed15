#!/usr/bin/env bash
# Retrains the NER model with the README's command and compares it byte for byte with
# the committed models/ner-conll03.bin.gz (README: "Training is deterministic: the
# command above rebuilds the committed model byte for byte"). Also rebuilds the three
# feature files with `ner resources` and compares them with the committed ones, since
# training reads those. Release build (training in the test profile is several times
# slower). Exit 0: identical; 1: a file differs; 2: the shared data is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
# Training reads eng.train only (it holds out every 7th document of it to choose the
# epochs and calibrate); eng.testa is for `ner eval`, never for training.
for f in "$shared/conll2003/eng.train" "$shared/gazetteers" "$shared/bbc"; do
    if [ ! -e "$f" ]; then
        echo "check_model_reproducible: $f is missing" >&2
        exit 2
    fi
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --quiet
newsdb=target/release/newsdb
start=$(date +%s)
"$newsdb" ner resources --gazetteers "$shared/gazetteers" --unlabeled "$shared/bbc" --out "$out"
# The README's training command, with only the output path changed.
"$newsdb" ner train --train "$shared/conll2003/eng.train" \
    --out "$out/ner-conll03.bin.gz" 2>"$out/train.log" || {
    cat "$out/train.log" >&2
    exit 1
}
grep '^chosen on' "$out/train.log" || true
echo "trained in $(( $(date +%s) - start )) s"

status=0
for f in gazetteer.tsv.gz case-lexicon.tsv.gz clusters.tsv.gz ner-conll03.bin.gz; do
    if cmp -s "$out/$f" "models/$f"; then
        echo "models/$f: reproduced byte for byte"
    else
        echo "models/$f: DIFFERS from a rebuild ($(stat -c %s "$out/$f") vs $(stat -c %s "models/$f") bytes)" >&2
        status=1
    fi
done
exit $status
