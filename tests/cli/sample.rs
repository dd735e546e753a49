use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{expected, sample_logs, scan_json, tip};

#[test]
fn every_story_is_found_exactly_and_nothing_else() {
    let (code, document) = scan_json(&[&sample_logs()], &[]);
    assert_eq!(code, 0, "default --fail-on is never");
    let answer = expected();
    let found = document["findings"].as_array().unwrap();
    let wanted = answer["findings"].as_array().unwrap();
    assert_eq!(found.len(), wanted.len(), "findings: {found:#?}");
    for want in wanted {
        let hit = found
            .iter()
            .find(|f| f["kind"] == want["kind"] && f["break_event_id"] == want["break_event_id"])
            .unwrap_or_else(|| panic!("missing {want:#}"));
        assert_eq!(hit["severity"], want["severity"]);
        assert_eq!(hit["link"], want["link"], "{want:#}");
        assert_eq!(hit["break_time"], want["break_time"]);
        if want["kind"] != "long_lived_key" {
            assert_eq!(hit["role_arn"], want["role_arn"]);
        }
        match want["human"].as_str() {
            None => assert!(hit["human"].is_null()),
            Some(name) => {
                let keys: Vec<&str> = want["human_keys"]
                    .as_object()
                    .map(|o| o.values().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let human = hit["human"].as_str().unwrap();
                assert!(
                    human == name || keys.contains(&human),
                    "human {human} is not {name} / {keys:?}"
                );
            }
        }
    }
}

#[test]
fn identity_center_users_are_shown_by_name() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let humans: BTreeSet<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "identity_lost")
        .filter_map(|f| f["human"].as_str())
        .collect();
    assert_eq!(
        humans,
        BTreeSet::from([
            "alice@example.com",
            "carol@example.com",
            "dave@example.com",
            "frank@example.com"
        ])
    );
}

#[test]
fn the_redshift_role_is_shared_by_two_people() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let redshift = document["shared_roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["role_arn"]
                .as_str()
                .unwrap()
                .ends_with("/RedshiftSharedServiceRole")
        })
        .expect("listed as shared");
    assert_eq!(redshift["humans"], 2);
    assert_eq!(redshift["chains"], 2);
    assert_eq!(
        redshift["services"],
        serde_json::json!(["redshift.amazonaws.com"])
    );
}

#[test]
fn accounting_adds_up() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let s = &document["summary"];
    let answer = expected();
    let counts = &answer["counts"];
    assert_eq!(s["events"], counts["events"]);
    assert_eq!(s["duplicates"], counts["duplicates"]);
    assert_eq!(s["files"], counts["log_files"]);
    let n = |v: &Value| v.as_u64().unwrap();
    let coverage: u64 = s["coverage"].as_object().unwrap().values().map(n).sum();
    assert_eq!(coverage, n(&s["events"]), "every event has a status");
    assert_eq!(
        n(&s["records"]),
        n(&s["events"]) + n(&s["duplicates"]) + n(&s["event_errors"]) + n(&s["filtered"])
    );
    // The digest and the README are skipped with a reason, and do not make the audit incomplete.
    let skipped = document["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(
        |f| f["path"].as_str().unwrap().contains("CloudTrail-Digest")
            && f["reason"].as_str().unwrap().contains("digest")
    ));
    assert!(skipped.iter().all(|f| f["status"] == "skipped"));
}

#[test]
fn service_noise_is_never_a_finding() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    for f in document["findings"].as_array().unwrap() {
        let role = f["role_arn"].as_str().unwrap_or("");
        for noise in [
            "AWSServiceRoleForConfig",
            "WebServerInstanceRole",
            "cleanup-tmp",
            "DataPortalAppRole",
            "SharedAnalyticsRole",
            "S3AGLocationRole",
        ] {
            assert!(!role.contains(noise), "noise reported: {f:#}");
        }
    }
}

#[test]
fn table_output_is_stable() {
    // A relative path: table column widths follow the path length, so an
    // absolute one would make the snapshot depend on where the clone lives.
    let output = tip()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--threads", "2", "sample-logs"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
    insta::assert_snapshot!("sample_logs_table", text);
}
