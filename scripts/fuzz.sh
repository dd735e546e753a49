#!/usr/bin/env bash
# Fuzzes decode+normalize (and the rest of the per-file pipeline) with cargo fuzz.
#   scripts/fuzz.sh [SECONDS] [TARGET]      default: 600 seconds, decode_normalize
# Seeds the corpus from sample-logs (decompressed, and as JSON Lines) and from the bad-input
# shapes; crashes land in fuzz/artifacts/TARGET/. cargo fuzz needs nightly features:
# RUSTC_BOOTSTRAP=1 lets the stable toolchain build it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
target=${2:-decode_normalize}
corpus=$root/fuzz/corpus/$target
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  i=0
  while IFS= read -r -d '' file; do
    i=$((i + 1))
    zcat "$file" > "$corpus/sample-$i.json"
    [ $i -le 5 ] && cp "$file" "$corpus/sample-$i.json.gz"
  done < <(find "$root/sample-logs" -name '*.json.gz' -print0 | sort -z)
  cp "$root"/tests/fixtures/fuzz-regressions/* "$corpus/" 2>/dev/null || true
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd "$root"
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$corpus" -- \
  -max_total_time="$seconds" -max_len=262144 -timeout=10 -rss_limit_mb=2048
