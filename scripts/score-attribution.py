#!/usr/bin/env python3
"""Scores a `tip-audit scan --format json` report against a dense estate's answer key
(`examples/generate_estate.rs --dense RUNS` writes answer-key.json):

    scripts/score-attribution.py ESTATE/answer-key.json REPORT.json

Prints identity_lost precision and recall, the share of decidable breaks whose person is named
right (and of all breaks), and the share where the true person is named or listed in candidates.
"""
import json
import sys

key = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
lost = {f["break_event_id"]: f for f in report["findings"] if f["kind"] == "identity_lost"}
truth = {b["break_event_id"]: b for b in key}
found = sum(1 for i in lost if i in truth)
right = [b for b in key if lost.get(b["break_event_id"], {}).get("human") == b["person"]]
decided = [b for b in key if b["decidable"]]
decided_right = [b for b in decided if b in right]
listed = [
    b for b in key
    if (f := lost.get(b["break_event_id"])) is not None
    and (f.get("human") == b["person"]
         or any(c.get("human") == b["person"] for c in f.get("candidates", [])))
]
print(f"breaks {len(key)}, findings {len(lost)}")
print(f"precision {found / max(len(lost), 1):.3f}, recall {found / len(key):.3f}")
print(f"named right: {len(decided_right)}/{len(decided)} decidable "
      f"({len(decided_right) / max(len(decided), 1):.3f}), {len(right)}/{len(key)} all "
      f"({len(right) / len(key):.3f})")
print(f"true person named or in candidates: {len(listed)}/{len(key)} ({len(listed) / len(key):.3f})")
