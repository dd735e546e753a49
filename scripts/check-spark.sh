#!/usr/bin/env bash
# Runs the Spark job (spark/tip_audit_spark.py) with a local master, `local[2]`, on sample-logs/
# (and on a generated estate when one is given) for each way of cutting shards, and checks that
# its report is the report of `tip-audit scan` over the same logs, provenance aside, with the
# same exit status. Called by .ci/run in a step of its own, which installs a Java runtime and
# PySpark first; run by hand without them, it says what is missing and skips.
#
#   scripts/check-spark.sh [ESTATE_DIR]
#
# TIP_AUDIT_BIN: the binary (default target/release/tip-audit); SPARK_VENV: a virtual
# environment with PySpark (default target/spark-venv).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${TIP_AUDIT_BIN:-$root/target/release/tip-audit}
venv=${SPARK_VENV:-$root/target/spark-venv}

# By hand a missing prerequisite skips the check; in CI (CI=true), where .ci/run installs them,
# it fails it.
skip() {
  if [ "${CI:-}" = true ]; then
    echo "check-spark: FAIL: $1"
    exit 1
  fi
  echo "check-spark: skipped: $1"
  exit 0
}
[ -x "$bin" ] || skip "no $bin (cargo build --release)"
command -v java >/dev/null || skip "no Java runtime (apt-get install default-jre-headless)"
[ -x "$venv/bin/spark-submit" ] ||
  skip "no PySpark in $venv (python3 -m venv $venv && $venv/bin/pip install pyspark)"
# spark-submit from a virtual environment needs that environment's bin first on PATH.
export PATH="$venv/bin:$PATH"
export PYSPARK_PYTHON="$venv/bin/python"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# check NAME INPUT: the job's report against the scan's, for each way of cutting shards.
check() {
  local name=$1 input=$2 scan_code job_code
  set +e
  "$bin" scan "$input" --format json --threads 2 >"$work/$name-scan.json" 2>"$work/$name-scan.err"
  scan_code=$?
  set -e
  for cut in account-region-day file; do
    set +e
    spark-submit --master 'local[2]' spark/tip_audit_spark.py "$input" \
      --binary "$bin" --shard "$cut" --summaries "$work/$name-$cut" \
      --report "$work/$name-$cut.json" >"$work/$name-$cut.log" 2>&1
    job_code=$?
    set -e
    if [ "$job_code" -ne "$scan_code" ]; then
      echo "FAIL $name, shards by $cut: the job exited $job_code, the scan $scan_code"
      tail -n 30 "$work/$name-$cut.log"
      status=1
      continue
    fi
    if python3 - "$work/$name-scan.json" "$work/$name-$cut.json" <<'PY'; then
import json, sys
scan, job = (json.load(open(path)) for path in sys.argv[1:3])
for document in (scan, job):
    document.pop("provenance", None)
if scan != job:
    for key in sorted(set(scan) | set(job)):
        if scan.get(key) != job.get(key):
            print(f"  {key}: scan {json.dumps(scan.get(key))[:300]}")
            print(f"  {key}: job  {json.dumps(job.get(key))[:300]}")
    sys.exit(1)
PY
      shards=$(find "$work/$name-$cut" -name '*.shard' | wc -l)
      findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/$name-$cut.json")
      echo "ok $name, shards by $cut: $shards shard summaries, $findings findings, the scan's report"
    else
      echo "FAIL $name, shards by $cut: the job's report is not the scan's"
      status=1
    fi
  done
}

check sample-logs sample-logs
if [ $# -gt 0 ]; then
  check estate "$1"
fi
exit $status
