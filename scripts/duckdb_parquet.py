"""The README's SQL guide in DuckDB over `newsdb export parquet`, against `newsdb sql`.

Run by scripts/duckdb_parquet.sh (which makes the venv with duckdb and the release
binary): builds a dated JSON Lines corpus from the BBC texts, imports it, exports
Parquet, defines the README's views over the Parquet files in DuckDB, runs every
numbered query of the README's "Querying with SQL" section in both engines, compares
the rows and prints the timings side by side. Exit 1 when a query differs.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
RUNS = 3

# The README's views (migrations V4 and V13) over the Parquet tables.
VIEWS = """
CREATE VIEW entity_stats AS
SELECT e.id AS entity_id, e.name AS name, e.kind AS kind,
       COUNT(DISTINCT m.article_id) AS articles, COUNT(m.id) AS mentions,
       MIN(a.published_at) AS first_seen, MAX(a.published_at) AS last_seen
FROM entities e
LEFT JOIN mentions m ON m.entity_id = e.id
LEFT JOIN articles a ON a.id = m.article_id
GROUP BY e.id, e.name, e.kind;
CREATE VIEW mention_context AS
SELECT m.id AS mention_id, m.article_id AS article_id, a.external_id AS external_id,
       m.entity_id AS entity_id, e.name AS name, e.kind AS kind, m.field AS field,
       m.start_char AS start_char, m.end_char AS end_char, m.sentence AS sentence,
       m.paragraph AS paragraph,
       substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
              CASE WHEN m.start_char > 40 THEN m.start_char - 39 ELSE 1 END,
              CASE WHEN m.start_char > 40 THEN 40 ELSE m.start_char END) AS left_context,
       m.surface AS surface,
       substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
              m.end_char + 1, 40) AS right_context
FROM mentions m
JOIN articles a ON a.id = m.article_id
JOIN entities e ON e.id = m.entity_id;
CREATE VIEW cooccurrence AS
WITH present AS (SELECT DISTINCT article_id, entity_id FROM mentions)
SELECT x.entity_id AS entity_a, y.entity_id AS entity_b, COUNT(*) AS articles
FROM present x
JOIN present y ON y.article_id = x.article_id AND x.entity_id < y.entity_id
GROUP BY x.entity_id, y.entity_id;
"""

TABLES = ["articles", "paragraphs", "entities", "entity_aliases", "mentions",
          "sentence_pairs", "paragraph_pairs", "entity_units", "unit_totals"]


def readme_queries():
    """The numbered queries of the README's "Querying with SQL" sql block."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Querying with SQL", 1)[1]
    block = section.split("```sql", 1)[1].split("```", 1)[0]
    parts = re.split(r"^-- (\d+)\. (.*)$", block, flags=re.M)
    queries = []
    for i in range(1, len(parts), 3):
        sql = parts[i + 2].strip().rstrip(";")
        queries.append((int(parts[i]), parts[i + 1].strip(), sql))
    if not queries:
        sys.exit("no numbered queries found in README.md's 'Querying with SQL' section")
    return queries


# The README's queries name the seed's entities; each runs as written (over the seed,
# the README's dated wire record and BBC) and again with BBC's most written-about
# people in their place, so that every query returns rows.
BBC_NAMES = {"Bashar al-Assad": "Tony Blair", "Ali Khamenei": "Gordon Brown"}
WIRE = {"id": "wire-1", "published": "2019-02-26", "title": "Assad back from Iran",
        "body": "Bashar al-Assad met Ali Khamenei in Tehran on Monday."}


def corpus(bbc, out):
    """JSON Lines of the BBC texts with dates over 2004-2005 (title: the first line),
    and the README's dated wire record."""
    n = 0
    with open(out, "w") as f:
        f.write(json.dumps(WIRE) + "\n")
        for path in sorted(bbc.glob("*/*.txt")):
            lines = path.read_text(encoding="latin-1").split("\n")
            title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
            month = n % 24
            date = f"{2004 + month // 12}-{month % 12 + 1:02d}-{n % 28 + 1:02d}"
            record = {"id": f"{path.parent.name}/{path.stem}", "title": title,
                      "body": body, "published": date, "source": "bbc"}
            f.write(json.dumps(record) + "\n")
            n += 1
    return n


def timed(f):
    """The result of `f` and the median of RUNS timings in ms."""
    times, result = [], None
    for _ in range(RUNS):
        t = time.perf_counter()
        result = f()
        times.append((time.perf_counter() - t) * 1000)
    return result, statistics.median(times)


def cell(v):
    return None if v is None else str(v)


def main():
    binary, bbc, work = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    db, jsonl, pq = work / "bbc.sqlite", work / "bbc.jsonl", work / "parquet"
    for p in [db, Path(str(db) + "-wal"), Path(str(db) + "-shm")]:
        p.unlink(missing_ok=True)
    n = corpus(bbc, jsonl)
    env = dict(os.environ, NEWSDB_DB=str(db))

    t = time.perf_counter()
    subprocess.run([binary, "import", "--quiet", REPO / "seeds", jsonl], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    import_s = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([binary, "export", "parquet", "--force", pq], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    export_s = time.perf_counter() - t
    size = db.stat().st_size
    parquet_size = sum(p.stat().st_size for p in pq.glob("*.parquet"))
    print(f"{n} BBC articles, the seed and one wire record: import {import_s:.1f} s, export parquet {export_s:.2f} s; "
          f"SQLite {size / 1e6:.1f} MB, Parquet {parquet_size / 1e6:.1f} MB "
          f"({100 * parquet_size / size:.0f}%)")

    con = duckdb.connect()
    # SQLite sorts NULL first ascending and last descending.
    con.execute("SET default_null_order = 'nulls_first_on_asc_last_on_desc'")
    for t in TABLES:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{pq / t}.parquet')")
    con.execute(VIEWS)

    failures = 0
    print(f"\n{'query':<60} {'rows':>5} {'newsdb sql ms':>14} {'duckdb ms':>10}  result")
    queries = []
    for number, title, sql in readme_queries():
        queries.append((str(number), title, sql))
        named = sql
        for seed_name, bbc_name in BBC_NAMES.items():
            named = named.replace(f"'{seed_name}'", f"'{bbc_name}'")
        if named != sql:
            queries.append((f"{number}b", f"{title} ({', '.join(BBC_NAMES.values())})",
                            named))
    for number, title, sql in queries:
        def sqlite_rows():
            out = subprocess.run([binary, "sql", "--format", "json", sql], env=env,
                                 check=True, capture_output=True, text=True).stdout
            return [[cell(v) for v in row.values()] for row in json.loads(out)]

        def duck_rows():
            return [[cell(v) for v in row] for row in con.execute(sql).fetchall()]

        expected, sqlite_ms = timed(sqlite_rows)
        got, duck_ms = timed(duck_rows)
        if got == expected:
            verdict = "same rows"
        elif sorted(got, key=str) == sorted(expected, key=str):
            verdict = "same rows (ties in another order)"
        else:
            verdict = "DIFFERENT"
            failures += 1
        label = f"{number}. {title}"[:60]
        print(f"{label:<60} {len(expected):>5} {sqlite_ms:>14.1f} {duck_ms:>10.1f}  {verdict}")
        if verdict == "DIFFERENT":
            for a, b in zip(expected, got):
                if a != b:
                    print(f"    newsdb sql: {a}\n    duckdb:     {b}")
                    break
            print(f"    {len(expected)} rows in newsdb sql, {len(got)} in duckdb")
        if not expected:
            print(f"    (query {number} returned no rows: the comparison proves little)")
    print(f"\nnewsdb sql times include starting the process (median of {RUNS} runs); "
          f"duckdb times are in-process over the Parquet views.")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
