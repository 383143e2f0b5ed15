#!/usr/bin/env bash
# The README's SQL guide in DuckDB over `newsdb export parquet`, compared with
# `newsdb sql` on the same store (issue 13 #4), with timings side by side.
#
# Makes a venv with the duckdb package (target/duckdb-venv, reused), builds the release
# binary, imports the BBC corpus of ../shared/data/bbc (dated over 2004-2005), exports
# Parquet and runs every numbered query of README.md's "Querying with SQL" in both.
# Exit 0 when every query gives the same rows, 1 when one differs; it skips (exit 0,
# with a message) when the duckdb package cannot be installed or the corpus is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

bbc=${NEWSDB_BBC:-../shared/data/bbc}
venv=${NEWSDB_DUCKDB_VENV:-target/duckdb-venv}
work=${NEWSDB_DUCKDB_WORK:-target/duckdb-parquet}

if [ ! -d "$bbc" ]; then
    echo "SKIPPED: $bbc is absent (the BBC corpus of ../shared/data)"
    exit 0
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        echo "SKIPPED: python3 -m venv failed (install python3-venv)"
        exit 0
    fi
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check --timeout 30 duckdb; then
        echo "SKIPPED: pip could not install duckdb (no network or no registry)"
        exit 0
    fi
fi
echo "duckdb $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)')"

# NEWSDB_BIN: a newsdb binary to use instead of building the release one.
bin=${NEWSDB_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=target/release/newsdb
fi
"$venv/bin/python" scripts/duckdb_parquet.py "$bin" "$bbc" "$work"
