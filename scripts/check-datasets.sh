#!/usr/bin/env bash
# Scans every real public CloudTrail dataset under ../shared/datasets (when present) and checks
# that tip-audit reads or skips every file with a reason, never panics, and that its accounting
# adds up. Prints one line per dataset. Called by .ci/run; needs a built release binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
datasets=${1:-$root/../shared/datasets}
bin=${TIP_AUDIT_BIN:-$root/target/release/tip-audit}
if [ ! -d "$datasets" ]; then
  echo "check-datasets: $datasets not found, nothing to check"
  exit 0
fi
status=0
for dir in "$datasets"/*/; do
  name=$(basename "$dir")
  out=$(mktemp)
  set +e
  "$bin" scan "$dir" --format json --threads 2 >"$out" 2>"$out.err"
  code=$?
  set -e
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
    echo "FAIL $name: exit $code"; cat "$out.err"; status=1; continue
  fi
  if ! python3 - "$dir" "$out" "$name" <<'PY'
import json, os, sys
directory, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
doc = json.load(open(path))
s = doc["summary"]
files_on_disk = sum(len(files) for _, _, files in os.walk(directory))
problems = []
# Every file is read (in full or in part), skipped or failed with a reason, or pruned by its key.
if s["files"] + s["files_skipped"] + s["files_pruned"] != files_on_disk:
    problems.append(f"files: {files_on_disk} on disk, {s['files']} read + {s['files_skipped']} skipped")
if s["records"] != s["events"] + s["duplicates"] + s["event_errors"] + s["filtered"]:
    problems.append("records != events + duplicates + errors + filtered")
if sum(s["coverage"].values()) + s.get("not_auditable", 0) != s["events"]:
    problems.append("coverage and not_auditable do not add up to events")
if any(not f["reason"] for f in doc["skipped"]):
    problems.append("a skipped file without a reason")
kinds = {}
for f in doc["findings"]:
    kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
# What issue 12 found in these logs, kept: Stratus's "steal EC2 instance credentials" detonation
# is stolen machine credentials; nobody is a GitHub Actions subject.
if name.startswith("stratus") and not kinds.get("exfiltrated_credentials"):
    problems.append("the EC2 credential theft detonation raised no exfiltrated_credentials")
if any((f.get("human") or "").startswith("repo:") for f in doc["findings"]):
    problems.append("a GitHub Actions subject named as a person")
print(f"ok   {name}: files {s['files']} read / {s['files_skipped']} skipped, events {s['events']}, "
      f"errors {s['event_errors']}, sessions {s['sessions']}, chains {s['chains']}, humans {s['humans']}, "
      f"findings {kinds or 0}, coverage {s['coverage']}")
for f in doc["skipped"]:
    print(f"       skipped {os.path.relpath(f['path'], directory)}: {f['reason']}")
for p in problems:
    print(f"FAIL {name}: {p}")
sys.exit(1 if problems else 0)
PY
  then status=1; fi
  rm -f "$out" "$out.err"
done

# A key created by another key is answered with its creator (issue 12): in the invictus attack
# simulation, bert-jan's key creates AKIATFQR7NSC3ZO6PKAZ for a backdoor user.
invictus=$datasets/invictus-aws-dataset
if [ -d "$invictus" ]; then
  if "$bin" who "$invictus" --key AKIATFQR7NSC3ZO6PKAZ --format json | python3 -c '
import json, sys
subject = json.load(sys.stdin)["answers"][0]["subjects"][0]
assert subject["person"].endswith(":user/bert-jan"), subject["person"]
assert subject["issuing_call"]["action"] == "CreateAccessKey", subject["issuing_call"]
print("ok   invictus: who --key AKIATFQR7NSC3ZO6PKAZ names its creator,", subject["person"])
'; then :; else echo "FAIL invictus: who --key of the created key"; status=1; fi
fi
exit $status
