#!/usr/bin/env bash
# Loads the pages of `newsdb serve` in headless Chromium (Debian's package, installed
# when missing) and saves a screenshot of each under target/screenshots/. Fails when
# a page logs a JavaScript error or a refused resource (CSP), or has an empty <main>.
#
#   bash scripts/browser_check.sh            # debug build (cargo build)
#   NEWSDB_BIN=target/release/newsdb bash scripts/browser_check.sh
#   NEWSDB_WINDOW=1280,2600 bash scripts/browser_check.sh    # taller screenshots
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v chromium >/dev/null; then
    echo "== installing chromium (Debian package)"
    if [ "$(id -u)" != 0 ]; then
        echo "chromium is missing and this is not root: install it (apt-get install chromium)" >&2
        exit 2
    fi
    # As scripts/duckdb_parquet.sh does without pip: a machine that cannot install
    # the browser skips the check, saying so.
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
        echo "SKIPPED: the browser check: apt-get could not install chromium" >&2
        exit 0
    fi
fi

bin=${NEWSDB_BIN:-}
if [ -z "$bin" ]; then
    echo "== cargo build"
    cargo build --quiet
    bin=$root/target/debug/newsdb
fi

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill -INT "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== a store: the seed, a hostile record, dated wire records and some BBC texts"
db=$work/newsdb.sqlite
"$bin" --db "$db" import --quiet seeds/
cat > "$work/wire.jsonl" <<'EOF'
{"id": "wire-2019-02-26", "source": "wire", "published": "2019-02-26", "title": "Assad back in Damascus after his visit to Iran", "body": "Bashar al-Assad met Ali Khamenei and Hassan Rouhani in Tehran on Monday, his first visit to Iran since 2011.\nThe visit was announced by the Syrian presidency after Assad had returned to Damascus."}
{"id": "wire-2019-02-27", "source": "wire", "published": "2019-02-27", "title": "Rouhani rejects Zarif's resignation", "body": "Hassan Rouhani rejected the resignation of Iran's foreign minister, Mohammad Javad Zarif, on Wednesday.\nZarif had not been invited to the meeting of Rouhani and Assad in Tehran."}
{"id": "wire-2019-03-04", "source": "wire", "published": "2019-03-04", "title": "<script>alert('x')</script> Zarif back at work", "body": "Mohammad Javad Zarif returned to the foreign ministry in Tehran. <script>alert(1)</script>\n<img src=x onerror=alert(2)> Hassan Rouhani praised Zarif."}
EOF
"$bin" --db "$db" import --quiet "$work/wire.jsonl"
bbc=../shared/data/bbc
if [ -d "$bbc" ]; then
    # 60 texts of three topics as JSON Lines, dated over 2004-2005 (the BBC files
    # have no dates) so that timelines have something to draw.
    python3 - "$bbc" >"$work/bbc.jsonl" <<'PY'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
for t, topic in enumerate(["business", "politics", "tech"]):
    for i, f in enumerate(sorted((root / topic).glob("*.txt"))[:60]):
        lines = [l.strip() for l in f.read_text(encoding="latin-1").splitlines() if l.strip()]
        day = (i * 11 + t * 5) % 700
        month, d = 1 + (day // 28) % 24, 1 + day % 28
        year = 2004 + (month - 1) // 12
        print(json.dumps({"id": f"{topic}/{f.stem}", "source": topic,
                          "published": f"{year}-{(month - 1) % 12 + 1:02d}-{d:02d}",
                          "title": lines[0], "body": "\n".join(lines[1:])}))
PY
    "$bin" --db "$db" import --quiet "$work/bbc.jsonl"
else
    echo "note: $bbc is absent: the seed and the wire records only"
fi

echo "== newsdb serve"
"$bin" --db "$db" serve --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do
    grep -q http:// "$work/serve.out" 2>/dev/null && break
    sleep 0.1
done
url=$(grep -o 'http://[^ ]*' "$work/serve.out")
echo "$url"

assad=$(curl -fsS "${url}api/entities/Bashar%20al-Assad" | grep -o '"id": [0-9]*' | head -1 | grep -o '[0-9]*')
top=$(curl -fsS "${url}entities" | grep -o 'href="/entities/[0-9]*"' | head -1 | grep -o '[0-9]*')
pages=(
    "search|?q=tehran"
    "search-bbc|?q=economy+growth"
    "article-seed|articles/000_74746990a53cdcfb"
    "article-hostile|articles/wire-2019-03-04"
    "entity|entities/$assad"
    "entity-top|entities/$top"
    "entities|entities"
    "network|network?entity=$assad&level=paragraph"
    "network-top|network?entity=$top&level=sentence&min=2"
    "stats|stats"
    "not-found|articles/nope"
)
out=$root/target/screenshots
mkdir -p "$out"
failed=0
for entry in "${pages[@]}"; do
    name=${entry%%|*}
    path=${entry#*|}
    log=$work/$name.log
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --enable-logging=stderr --v=0 --window-size="${NEWSDB_WINDOW:-1280,1400}" \
        --virtual-time-budget=3000 --screenshot="$out/$name.png" "$url$path" \
        >/dev/null 2>"$log" || true
    chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
        --virtual-time-budget=3000 --dump-dom "$url$path" >"$work/$name.html" 2>>"$log" || true
    problems=$(grep -E 'CONSOLE.*(Uncaught|Error|Refused)|Refused to (load|execute|apply)' "$log" || true)
    main=$(tr -d '\n' <"$work/$name.html" | sed -n 's:.*<main>\(.*\)</main>.*:\1:p' | sed 's/<[^>]*>//g' | tr -d '[:space:]')
    if [ -n "$problems" ]; then
        echo "FAIL $name: $problems"
        failed=1
    elif [ -z "$main" ]; then
        echo "FAIL $name: the page is empty"
        failed=1
    elif [ ! -s "$out/$name.png" ]; then
        echo "FAIL $name: no screenshot"
        failed=1
    elif [ "$name" = article-hostile ] && grep -q '<script>alert' "$work/$name.html"; then
        echo "FAIL $name: a script from the article's text is in the page"
        failed=1
    else
        echo "ok   $name ($(wc -c <"$work/$name.html") bytes of DOM) -> target/screenshots/$name.png"
    fi
done
if [ "$failed" != 0 ]; then
    exit 1
fi
echo "browser check: ${#pages[@]} pages, no JavaScript error, screenshots in target/screenshots/"
