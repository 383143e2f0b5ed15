#!/usr/bin/env bash
# Splitting an archive (issue 13 #6): the BBC corpus kept as two store files (by
# category: business, entertainment, politics | sport, tech), each exported to
# Parquet, queried together in DuckDB, against one store of the whole corpus.
#
# Same venv as scripts/duckdb_parquet.sh (target/duckdb-venv with duckdb); skips
# (exit 0, with a message) without it or without the corpus. Exit 1 on a difference.
set -euo pipefail
cd "$(dirname "$0")/.."

bbc=${NEWSDB_BBC:-../shared/data/bbc}
venv=${NEWSDB_DUCKDB_VENV:-target/duckdb-venv}
work=${NEWSDB_SPLIT_WORK:-target/duckdb-split}
[ -d "$bbc" ] || { echo "SKIPPED: $bbc is absent"; exit 0; }
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "SKIPPED: no duckdb in $venv (run scripts/duckdb_parquet.sh once to make it)"
    exit 0
fi
bin=${NEWSDB_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin newsdb
    bin=target/release/newsdb
fi
rm -rf "$work"
mkdir -p "$work"
# JSON Lines with ids "business/001", ...: the text files of two folders would share ids.
python3 ../shared/tools/bbc_jsonl.py "$bbc" "$work/all.jsonl"
grep -E '^\{"id": "(business|entertainment|politics)/' "$work/all.jsonl" > "$work/a.jsonl"
grep -vE '^\{"id": "(business|entertainment|politics)/' "$work/all.jsonl" > "$work/b.jsonl"
for s in a b all; do
    "$bin" import "$work/$s.jsonl" --db "$work/$s.sqlite" --quiet
done
for s in a b all; do
    "$bin" export parquet "$work/parquet/$s" --db "$work/$s.sqlite" > /dev/null
done
"$venv/bin/python" - "$work/parquet" <<'PY'
import sys, duckdb
root = sys.argv[1]
con = duckdb.connect()
# The split archive: every store's files at once; `filename` says which store a row is from.
con.execute(f"""CREATE VIEW mentions AS SELECT * FROM read_parquet(
    ['{root}/a/mentions.parquet', '{root}/b/mentions.parquet'], union_by_name = true, filename = true)""")
con.execute(f"""CREATE VIEW articles AS SELECT * FROM read_parquet(
    ['{root}/a/articles.parquet', '{root}/b/articles.parquet'], union_by_name = true)""")
con.execute(f"CREATE VIEW whole AS SELECT * FROM read_parquet('{root}/all/mentions.parquet')")
con.execute(f"CREATE VIEW whole_articles AS SELECT * FROM read_parquet('{root}/all/articles.parquet')")
checks = {
    "articles": ("SELECT COUNT(*) FROM articles", "SELECT COUNT(*) FROM whole_articles"),
    "mentions": ("SELECT COUNT(*) FROM mentions", "SELECT COUNT(*) FROM whole"),
    # Ids are per store: join on the article's external id, never on article_id.
    "mentions per local name (top 20)": (
        "SELECT local_name, COUNT(*) n FROM mentions GROUP BY 1 ORDER BY n DESC, 1 LIMIT 20",
        "SELECT local_name, COUNT(*) n FROM whole GROUP BY 1 ORDER BY n DESC, 1 LIMIT 20"),
    "articles per month": (
        "SELECT substr(published_at, 1, 7) m, COUNT(*) FROM articles GROUP BY 1 ORDER BY 1",
        "SELECT substr(published_at, 1, 7) m, COUNT(*) FROM whole_articles GROUP BY 1 ORDER BY 1"),
    "every mention span": (
        "SELECT article_external_id, field, start_char, end_char, surface FROM mentions ORDER BY ALL",
        "SELECT article_external_id, field, start_char, end_char, surface FROM whole ORDER BY ALL"),
}
bad = 0
for name, (split, whole) in checks.items():
    a, b = con.execute(split).fetchall(), con.execute(whole).fetchall()
    ok = a == b
    bad += not ok
    print(f"{'same' if ok else 'DIFFERENT'}: {name} ({len(a)} rows)")
top = con.execute("""SELECT entity_name, COUNT(*) FROM mentions WHERE entity_kind = 'person'
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3""").fetchall()
print("top persons over both stores:", top)
sys.exit(1 if bad else 0)
PY
