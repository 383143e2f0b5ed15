#!/usr/bin/env bash
# The million-article run (README, "A million articles"): builds the `archive` corpus
# from the BBC texts (ten sources with their footer lines, dated over 1996-2025, every
# paragraph made unique), imports it with extraction in a process of its own (time,
# MB/s, peak RSS, file size), then times every query of the query benchmark on that
# store beside its bare SQL, `check` and the file size.
#
#   bash scripts/run_1m.sh            # 1,000,000 articles: about 2.5 GB of JSON Lines,
#                                     # an hour or more on 2 cores, ~11 GB of disk
#   NEWSDB_RUN_ARTICLES=100000 bash scripts/run_1m.sh   # the same at 100k
#
# The two benchmark binaries are built first and copied aside, so editing the sources
# during the run does not change what it measures. A benchmark, not a test: CI does
# not run it. Output goes to stdout and to target/bench-data/run-N.log. Needs
# ../shared/data/bbc.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${NEWSDB_RUN_ARTICLES:-1000000}
data=target/bench-data
mkdir -p "$data/bin"
log=$data/run-$n.log
built=$(cargo bench --no-run --bench import --bench query 2>&1 | tee /dev/stderr)
for bench in import query; do
    exe=$(printf '%s\n' "$built" | sed -n "s|.*Executable benches/$bench.rs (\(.*\))|\1|p")
    [ -x "$exe" ] || { echo "run_1m: no $bench bench binary in cargo's output" >&2; exit 1; }
    cp "$exe" "$data/bin/$bench"
done
{
    echo "# newsdb: $n-article run, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    NEWSDB_BENCH_ARTICLES=$n NEWSDB_BENCH_CORPORA=archive "$data/bin/import" --bench
    NEWSDB_BENCH_DB=$data/bench-extract.sqlite "$data/bin/query" --bench
    echo "# finished $(date -u +%Y-%m-%dT%H:%MZ)"
} 2>&1 | tee "$log"
