#!/usr/bin/env bash
# Whole-program comparison (issue 4): generates synthetic estates once, then runs tip-audit,
# zcat, zcat|jq and DuckDB side by side on the same files, several rounds, and prints a
# Markdown table of wall time, events/s, MB/s and peak RSS with the ratios to tip-audit.
#
#   benches/compare.sh                          # 1 M and 10 M events, 3 rounds
#   EVENTS="1000000" ROUNDS=5 benches/compare.sh
#   SLOW_ROUNDS=1 benches/compare.sh            # rounds for jq and DuckDB (they take minutes)
#
# Needs: /usr/bin/time (Debian package `time`), jq, python3 with venv; the script installs what
# is missing. Estates go under $WORK (default target/bench-estates), kept between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-"1000000 10000000"}
ROUNDS=${ROUNDS:-3}
SLOW_ROUNDS=${SLOW_ROUNDS:-1}
WORK=${WORK:-target/bench-estates}
SKIP=${SKIP:-}   # space-separated tools to leave out: jq duckdb

need_apt=()
[ -x /usr/bin/time ] || need_apt+=(time)
command -v jq >/dev/null || need_apt+=(jq)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q duckdb
fi

cargo build --release --locked --bin tip-audit --example generate_estate
TIP=target/release/tip-audit
GEN=target/release/examples/generate_estate

# Runs a command, prints "wall_seconds peak_rss_kb"; stdout of the command is discarded.
measure() {
  local out
  out=$(mktemp)
  if ! /usr/bin/time -f "%e %M" -o "$out" bash -c "set -o pipefail; $1" >/dev/null; then
    echo "failed: $1" >&2
    exit 1
  fi
  tail -1 "$out"
  rm -f "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for n in $EVENTS; do
  dir="$WORK/estate-$n"
  # The log, written last, marks a finished estate (a marker inside would be scanned).
  if [ ! -s "$dir.log" ]; then
    rm -rf "$dir"
    "$GEN" --events "$n" --out "$dir" > "$dir.log.tmp"
    mv "$dir.log.tmp" "$dir.log"
  fi
  events=$(awk '{print $2}' "$dir.log")
  json_mb=$(sed -E 's/.*\(([0-9]+) MB of JSON\).*/\1/' "$dir.log")
  files=$(find "$dir" -name '*.json.gz' | wc -l)
  gz_mb=$(du -sm "$dir" | cut -f1)

  declare -A cmd=(
    [tip-audit-2t]="$TIP scan $dir --threads 2 --format json -o $WORK/scan-$n-2t.json"
    [tip-audit-1t]="$TIP scan $dir --threads 1 --format json -o $WORK/scan-$n-1t.json"
    [zcat-P2]="find $dir -name '*.json.gz' -print0 | xargs -0 -n 64 -P2 zcat"
    # Two zcat|jq pipelines, so that jq, like the others, has both cores (one shared pipe
    # would interleave two zcat outputs mid-document).
    [jq]="find $dir -name '*.json.gz' -print0 | xargs -0 -n 64 -P2 sh -c 'zcat \"\$@\" | jq -c \".Records[] | [.userIdentity.accessKeyId, .userIdentity.sessionContext.sourceIdentity]\"' jq"
    [duckdb]="$WORK/venv/bin/python benches/duckdb_lineage.py $dir 2"
  )
  order=(tip-audit-2t tip-audit-1t zcat-P2 jq duckdb)
  declare -A wall=() rss=()
  for tool in "${order[@]}"; do
    [[ " $SKIP " == *" $tool "* ]] && continue
    rounds=$ROUNDS
    [[ $tool == jq || $tool == duckdb ]] && rounds=$SLOW_ROUNDS
    walls=() rsss=()
    for ((r = 0; r < rounds; r++)); do
      read -r w m < <(measure "${cmd[$tool]}")
      walls+=("$w") rsss+=("$m")
      echo "  $n events, $tool, round $((r + 1)): ${w}s, $((m / 1024)) MB" >&2
    done
    wall[$tool]=$(printf '%s\n' "${walls[@]}" | median)
    rss[$tool]=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -1)
  done

  if [ -f "$WORK/scan-$n-1t.json" ] && [ -f "$WORK/scan-$n-2t.json" ]; then
    if cmp -s "$WORK/scan-$n-1t.json" "$WORK/scan-$n-2t.json"; then
      same="identical with 1 and 2 threads"
    else
      same="DIFFERENT with 1 and 2 threads"
    fi
  else
    same="thread comparison skipped"
  fi
  echo
  echo "### $events events: scan results $same"
  echo
  echo "### $events events: $files files, $json_mb MB of JSON, $gz_mb MB gzipped"
  echo
  echo "| what | wall (median) | events/s | MB/s (JSON) | peak RSS | tip-audit 2t ÷ this |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  base=${wall[tip-audit-2t]}
  for tool in "${order[@]}"; do
    [ -n "${wall[$tool]:-}" ] || continue
    awk -v t="$tool" -v w="${wall[$tool]}" -v m="${rss[$tool]}" -v e="$events" -v mb="$json_mb" -v b="$base" \
      'BEGIN { printf "| %s | %.2f s | %.0f k | %.0f | %.0f MB | %.2f |\n", t, w, e / w / 1000, mb / w, m / 1024, b / w }'
  done
  unset cmd wall rss
done
