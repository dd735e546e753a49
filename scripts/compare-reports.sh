#!/usr/bin/env bash
# Compares the reports of two tip-audit binaries on the same inputs: the scan as JSON, SARIF and a
# table, and the chains as JSON. For refactors that must not change behaviour:
#
#     scripts/compare-reports.sh OLD_BINARY NEW_BINARY INPUT...
#
# Reports are compared byte for byte, but for their provenance (docs/json-schema.md#provenance):
# the JSON documents' `provenance`, SARIF's tool version and invocation command line, arguments
# and properties, which name the build and the run rather than what was found. Needs jq.
#
# Prints one line per input and report; exits 1 when any differs (the diff is printed).
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY INPUT..." >&2
  exit 2
fi
if ! command -v jq >/dev/null; then
  echo "$0: needs jq, to leave the reports' provenance out of the comparison" >&2
  exit 2
fi
old=$1 new=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# without_provenance REPORT FILE: the report in FILE without its provenance.
without_provenance() {
  case $1 in
    *sarif*)
      jq 'del(.runs[].tool.driver.version, .runs[].invocations[]?.commandLine,
              .runs[].invocations[]?.arguments, .runs[].invocations[]?.properties)' "$2" ;;
    *json*) jq 'del(.provenance)' "$2" ;;
    *) cat "$2" ;;
  esac
}

status=0
for input in "$@"; do
  for report in "scan --format json" "scan --format sarif" "scan --format table --color never" \
    "chains --format json"; do
    "$old" $report "$input" >"$work/old" 2>"$work/old.err"
    old_code=$?
    "$new" $report "$input" >"$work/new" 2>"$work/new.err"
    new_code=$?
    if cmp -s "$work/old" "$work/new"; then
      cp "$work/old" "$work/old.cmp" && cp "$work/new" "$work/new.cmp"
      but=""
    else
      without_provenance "$report" "$work/old" >"$work/old.cmp" 2>/dev/null || cp "$work/old" "$work/old.cmp"
      without_provenance "$report" "$work/new" >"$work/new.cmp" 2>/dev/null || cp "$work/new" "$work/new.cmp"
      but=", but the provenance"
    fi
    if [ "$old_code" = "$new_code" ] && cmp -s "$work/old.cmp" "$work/new.cmp" \
      && cmp -s "$work/old.err" "$work/new.err"; then
      echo "same      $input: $report (exit $new_code$but)"
    else
      echo "DIFFERENT $input: $report (exit $old_code vs $new_code)"
      diff "$work/old.cmp" "$work/new.cmp" | head -40
      diff "$work/old.err" "$work/new.err" | head -10
      status=1
    fi
  done
done
exit $status
