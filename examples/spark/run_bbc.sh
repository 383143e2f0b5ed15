#!/usr/bin/env bash
# The PySpark example end to end on the BBC corpus (issue 13 #5): BBC -> JSON Lines,
# a direct `newsdb import` of it, the Spark job (extract per partition, resolve
# --parquet, entity table), and a comparison of the two entity tables (name, kind,
# mentions, articles; ids aside). Exit 0 when identical, 1 when they differ.
#
# Needs python3 with venv, and Java 17 (`apt-get install -y openjdk-17-jre-headless`);
# makes target/spark-venv with pyspark (reused). Not part of .ci/run (about a minute
# of Spark start-up and extraction on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."

bbc=${NEWSDB_BBC:-../shared/data/bbc}
venv=${NEWSDB_SPARK_VENV:-target/spark-venv}
work=${NEWSDB_SPARK_WORK:-target/spark-bbc}
partitions=${NEWSDB_SPARK_PARTITIONS:-4}

[ -d "$bbc" ] || { echo "SKIPPED: $bbc is absent"; exit 0; }
command -v java >/dev/null || { echo "java is missing: apt-get install -y openjdk-17-jre-headless"; exit 2; }
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check pyspark
fi
bin=${NEWSDB_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin newsdb
    bin=target/release/newsdb
fi

rm -rf "$work"
mkdir -p "$work"
python3 ../shared/tools/bbc_jsonl.py "$bbc" "$work/bbc.jsonl"

SECONDS=0
"$bin" import "$work/bbc.jsonl" --db "$work/direct.sqlite" --quiet
"$bin" sql --db "$work/direct.sqlite" --format tsv \
    "SELECT e.name, e.kind, COUNT(*), COUNT(DISTINCT m.article_id) FROM mentions m
     JOIN entities e ON e.id = m.entity_id GROUP BY e.id" | tail -n +2 | LC_ALL=C sort > "$work/direct.tsv"
echo "direct import: ${SECONDS} s, $(wc -l < "$work/direct.tsv") entities"

"$venv/bin/python" examples/spark/extract_resolve.py "$bin" "$work/bbc.jsonl" "$work" "$partitions"
LC_ALL=C sort "$work/entities.tsv" > "$work/spark.tsv"

if diff -q "$work/direct.tsv" "$work/spark.tsv" >/dev/null; then
    echo "IDENTICAL: $(wc -l < "$work/spark.tsv") entities (name, kind, mentions, articles)"
else
    echo "DIFFERENT entity tables (< direct import, > Spark):"
    diff "$work/direct.tsv" "$work/spark.tsv" | head -20
    exit 1
fi
