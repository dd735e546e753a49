//! Scores `scan` against the answer key of a dense estate (examples/support/dense.rs): dozens of
//! people starting the same services in the same minutes. Issue 11's bar: `identity_lost`
//! precision and recall 1.0, the right person on at least 99 % of the breaks the logs decide,
//! and the true person named or among the candidates on every break.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::*;

#[path = "../../examples/support/dense.rs"]
mod estate;

struct Score {
    precision: f64,
    recall: f64,
    decided_right: f64,
    decided: usize,
    in_candidates: f64,
}

fn score(shape: estate::Shape) -> Score {
    let dir = tempfile::tempdir().unwrap();
    let truth = estate::write(dir.path(), shape).unwrap();
    assert!(truth.events > shape.runs as u64 * 3);
    let (code, document) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{document:#}");
    let lost: BTreeMap<&str, &Value> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "identity_lost")
        .map(|f| (f["break_event_id"].as_str().unwrap(), f))
        .collect();
    let expected: BTreeSet<&str> = truth
        .breaks
        .iter()
        .map(|b| b.break_event_id.as_str())
        .collect();
    let found = lost.keys().filter(|id| expected.contains(*id)).count() as f64;
    let decided: Vec<&estate::Break> = truth.breaks.iter().filter(|b| b.decidable).collect();
    let named = |b: &estate::Break| lost.get(b.break_event_id.as_str()).map(|f| &f["human"]);
    let right = decided
        .iter()
        .filter(|b| named(b).is_some_and(|h| *h == b.person.as_str()))
        .count();
    let mut wrong_by_service: BTreeMap<&str, usize> = BTreeMap::new();
    for b in decided
        .iter()
        .filter(|b| !named(b).is_some_and(|h| *h == b.person.as_str()))
    {
        *wrong_by_service.entry(b.service).or_default() += 1;
    }
    if !wrong_by_service.is_empty() {
        eprintln!("named wrongly, by service: {wrong_by_service:?}");
    }
    let listed = truth
        .breaks
        .iter()
        .filter(|b| {
            lost.get(b.break_event_id.as_str()).is_some_and(|f| {
                f["human"] == b.person.as_str()
                    || f["candidates"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|c| c["human"] == b.person.as_str()))
            })
        })
        .count();
    Score {
        precision: found / lost.len().max(1) as f64,
        recall: found / expected.len() as f64,
        decided_right: right as f64 / decided.len().max(1) as f64,
        decided: decided.len(),
        in_candidates: listed as f64 / truth.breaks.len() as f64,
    }
}

#[test]
fn a_dense_estate_names_the_right_person() {
    for seed in [11, 12, 13] {
        let shape = estate::Shape {
            people: 40,
            runs: 300,
            minutes: 15,
            chain_share: 0.5,
            seed,
        };
        let s = score(shape);
        eprintln!(
            "dense seed {seed}: precision {:.3}, recall {:.3}, right on {:.3} of {} decided, \
             true person named or listed on {:.3}",
            s.precision, s.recall, s.decided_right, s.decided, s.in_candidates
        );
        assert_eq!(s.precision, 1.0, "seed {seed}");
        assert_eq!(s.recall, 1.0, "seed {seed}");
        assert!(
            s.decided > 100,
            "seed {seed}: the estate decides too little"
        );
        assert!(
            s.decided_right >= 0.99,
            "seed {seed}: {:.3}",
            s.decided_right
        );
        assert_eq!(s.in_candidates, 1.0, "seed {seed}");
    }
}
