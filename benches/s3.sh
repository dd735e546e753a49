#!/usr/bin/env bash
# Scans one generated estate from disk and from a loopback S3 server, side by side (issue 14).
#
#   benches/s3.sh [EVENTS] [RUNS]        (default 1000000 events, 3 runs each)
#
# The server is s3s-fs (crates.io: `cargo install s3s-fs --features binary`), a Rust server that
# serves a folder's subfolders as buckets, so that the server is not the bottleneck and nothing
# is uploaded: the estate's folder is the bucket. Needs a release build (`cargo build --release
# --examples`). Prints, for each input, wall time and peak memory of every run (/usr/bin/time),
# and the S3 requests the scan made (provenance.s3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
events=${1:-1000000}
runs=${2:-3}
bin=$root/target/release/tip-audit
generate=$root/target/release/examples/generate_estate
work=${BENCH_DIR:-$root/target/bench-s3}
port=${S3S_PORT:-8014}

command -v s3s-fs >/dev/null || {
  echo "s3.sh: s3s-fs not found: cargo install s3s-fs --features binary" >&2
  exit 2
}
[ -x "$bin" ] && [ -x "$generate" ] || {
  echo "s3.sh: build first: cargo build --release --examples" >&2
  exit 2
}

estate=$work/data/estate
if [ ! -f "$work/estate-$events" ]; then
  rm -rf "$work/data"
  mkdir -p "$work/data"
  "$generate" --events "$events" --out "$estate" >/dev/null
  touch "$work/estate-$events"
fi
echo "estate: $events events, $(find "$estate" -type f | wc -l) files, $(du -sh "$estate" | cut -f1) gzipped"

s3s-fs --access-key AKIABENCHS3S000000001 --secret-key benchsecretbenchsecretbenchsecret0000000 \
  --host 127.0.0.1 --port "$port" "$work/data" >"$work/s3s-fs.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done

export AWS_ACCESS_KEY_ID=AKIABENCHS3S000000001
export AWS_SECRET_ACCESS_KEY=benchsecretbenchsecretbenchsecret0000000
export AWS_REGION=us-east-1
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_EC2_METADATA_DISABLED=true

measure() {
  local label=$1
  shift
  for run in $(seq "$runs"); do
    /usr/bin/time -f "$label run $run: %e s wall, %M KB peak" "$bin" scan "$@" --format json \
      -o "$work/$label.json" --quiet 2>&1 >/dev/null | tail -1
  done
}
measure disk "$estate"
measure s3 s3://estate/
python3 - "$work/s3.json" <<'PY'
import json, sys
reads = json.load(open(sys.argv[1]))["provenance"]["s3"]
print("s3 requests:", ", ".join(f"{k} {v}" for k, v in reads.items()))
PY
