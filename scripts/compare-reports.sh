#!/usr/bin/env bash
# Compares the reports of two tip-audit binaries on the same inputs, byte for byte: the scan as
# JSON, SARIF and a table, and the chains as JSON. For refactors that must not change behaviour:
#
#     scripts/compare-reports.sh OLD_BINARY NEW_BINARY INPUT...
#
# Prints one line per input and report; exits 1 when any differs (the diff is printed).
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY INPUT..." >&2
  exit 2
fi
old=$1 new=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for input in "$@"; do
  for report in "scan --format json" "scan --format sarif" "scan --format table --color never" \
    "chains --format json"; do
    "$old" $report "$input" >"$work/old" 2>"$work/old.err"
    old_code=$?
    "$new" $report "$input" >"$work/new" 2>"$work/new.err"
    new_code=$?
    if [ "$old_code" = "$new_code" ] && cmp -s "$work/old" "$work/new" \
      && cmp -s "$work/old.err" "$work/new.err"; then
      echo "same      $input: $report (exit $new_code)"
    else
      echo "DIFFERENT $input: $report (exit $old_code vs $new_code)"
      diff "$work/old" "$work/new" | head -40
      diff "$work/old.err" "$work/new.err" | head -10
      status=1
    fi
  done
done
exit $status
