use serde_json::json;

use crate::util::*;

#[test]
fn fail_on_sets_the_exit_code() {
    let (code, _) = scan_json(&[&sample_logs()], &["--fail-on", "high"]);
    assert_eq!(code, 1, "identity_lost findings are high");
    let (code, _) = scan_json(&[&sample_logs()], &["--fail-on", "never"]);
    assert_eq!(code, 0);
}

#[test]
fn a_clean_estate_exits_zero_even_with_fail_on_low() {
    let erin = sso_session(
        DATA,
        "erin@example.com",
        "a1b2c3d4-5678-90ab-cdef-111111111111",
        "ASIAWO645SY5AAAAAAA1",
        "2026-03-02T08:30:12Z",
    );
    let dir = tempfile::tempdir().unwrap();
    deliver(
        dir.path(),
        DATA,
        "0835",
        &[event(
            "e0000000-0000-4000-8000-000000000001",
            "2026-03-02T08:31:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            DATA,
            erin,
        )],
    );
    let (code, document) = scan_json(&[dir.path()], &["--fail-on", "low"]);
    assert_eq!(document["findings"], json!([]));
    assert_eq!(code, 0);
}

#[test]
fn unreadable_input_exits_two_and_is_listed_while_the_rest_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let good = event(
        "e0000000-0000-4000-8000-000000000002",
        "2026-03-02T08:31:00Z",
        "s3.amazonaws.com",
        "ListBuckets",
        APPS,
        iam_user(APPS, "bob", "AKIAWO645SY5BOBBOB22"),
    );
    deliver(dir.path(), APPS, "0835", &[good]);
    let many: Vec<serde_json::Value> = (0..300)
        .map(|i| {
            event(
                &format!("e0000000-0000-4000-8000-{i:012}"),
                "2026-03-02T08:36:00Z",
                "s3.amazonaws.com",
                "GetObject",
                APPS,
                iam_user(APPS, "bob", "AKIAWO645SY5BOBBOB22"),
            )
        })
        .collect();
    let broken = write_trail_file(
        dir.path(),
        &trail_key(APPS, "0840", "cccccccccccccccc"),
        &many,
    );
    // Cut the gzip stream in half, as an interrupted download would.
    let bytes = std::fs::read(&broken).unwrap();
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let missing = dir.path().join("no-such-file.json.gz");
    let (code, document) = scan_json(&[dir.path(), &missing], &[]);
    assert_eq!(code, 2);
    assert_eq!(
        document["summary"]["files"], 2,
        "the good file and the readable part of the damaged one"
    );
    let notes = document["skipped"].as_array().unwrap();
    let note = |needle: &str| {
        notes
            .iter()
            .find(|n| n["path"].as_str().unwrap().contains(needle))
            .unwrap()
    };
    assert_eq!(note("cccccccccccccccc")["status"], "incomplete");
    assert!(
        note("cccccccccccccccc")["reason"]
            .as_str()
            .unwrap()
            .contains("gzip")
    );
    assert_eq!(note("no-such-file")["status"], "failed");
    let events = document["summary"]["events"].as_u64().unwrap();
    assert!(
        events > 1 && events < 301,
        "events before the break are kept: {events}"
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_exit(2, &["scan"]);
    assert_exit(2, &["scan", ".", "--format", "yaml"]);
    assert_exit(2, &["scan", ".", "--link-window", "soon"]);
    assert_exit(
        2,
        &[
            "scan",
            ".",
            "--since",
            "2026-03-03",
            "--until",
            "2026-03-02",
        ],
    );
}

#[test]
fn hostile_strings_never_reach_the_terminal_raw() {
    let dir = hostile_log(
        "e0000000-0000-4000-8000-000000000003\u{1b}]0;pwned\u{7}",
        "evil\u{1b}[31m\u{202e}name",
    );
    let (_, text) = run(&["scan", "--color", "always", dir.path().to_str().unwrap()]);
    assert!(text.contains("\\u{001b}]0;pwned\\u{0007}"), "{text}");
    assert!(!text.contains("\u{1b}]0;pwned"));
    assert!(!text.contains('\u{202e}'));
}
