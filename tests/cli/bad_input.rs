//! Damaged and hostile input (issue 3): every case is built here, scanned, and its diagnostic and
//! counts asserted. The accounting identity is checked on every one.

use std::path::Path;

use serde_json::{Value, json};

use crate::util::*;

fn user_event(i: usize) -> Value {
    event(
        &format!("b0000000-0000-4000-8000-{i:012}"),
        "2026-03-02T08:36:00Z",
        "s3.amazonaws.com",
        "GetObject",
        APPS,
        iam_user(APPS, "bob", "AKIAWO645SY5BOBBOB22"),
    )
}

fn events(n: usize) -> Vec<Value> {
    (0..n).map(user_event).collect()
}

/// Scans one path and checks that the books balance.
fn audit(path: &Path, extra: &[&str]) -> (i32, Value) {
    let (code, document) = scan_json(&[path], extra);
    let s = &document["summary"];
    let n = |v: &Value| v.as_u64().unwrap();
    assert_eq!(
        n(&s["records"]),
        n(&s["events"]) + n(&s["duplicates"]) + n(&s["event_errors"]) + n(&s["filtered"]),
        "records = events + duplicates + errors + filtered: {s:#}"
    );
    let coverage: u64 = s["coverage"].as_object().unwrap().values().map(n).sum();
    assert_eq!(
        coverage + n(&s["not_auditable"]),
        n(&s["events"]),
        "every event has a status, or names nobody at all"
    );
    (code, document)
}

fn note(document: &Value) -> (String, String) {
    let notes = document["skipped"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    (
        notes[0]["status"].as_str().unwrap().to_owned(),
        notes[0]["reason"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn truncated_gzip_keeps_the_events_before_the_break() {
    let dir = tempfile::tempdir().unwrap();
    let whole = gzip(&trail_body(&events(500)));
    let path = write_file(dir.path(), "cut.json.gz", &whole[..whole.len() * 2 / 3]);
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 2, "an incomplete audit");
    let (status, reason) = note(&document);
    assert_eq!(status, "incomplete");
    assert!(
        reason.starts_with("gzip stream unreadable after "),
        "{reason}"
    );
    assert!(reason.contains("records read before it"), "{reason}");
    let read = document["summary"]["events"].as_u64().unwrap();
    assert!((100..500).contains(&read), "{read} events kept");
    let (code, _) = audit(&path, &["--allow-partial"]);
    assert_eq!(code, 0, "--allow-partial exits by findings");
}

#[test]
fn a_corrupt_second_member_keeps_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let first = gzip(&trail_body(&events(10)));
    let mut second = gzip(&trail_body(&(10..20).map(user_event).collect::<Vec<_>>()));
    let middle = second.len() / 2;
    for byte in &mut second[middle..middle + 8] {
        *byte ^= 0xff;
    }
    // A trail file is one JSON document, so a second member makes it two back-to-back objects.
    let path = write_file(dir.path(), "two.json.gz", &[first, second].concat());
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 2);
    let (status, _) = note(&document);
    assert_eq!(status, "incomplete");
    assert!(document["summary"]["events"].as_u64().unwrap() >= 10);
}

#[test]
fn multi_member_gzip_is_read_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let lines = |range: std::ops::Range<usize>| -> Vec<u8> {
        range
            .map(|i| format!("{}\n", user_event(i)))
            .collect::<String>()
            .into_bytes()
    };
    let path = write_file(
        dir.path(),
        "export.jsonl.gz",
        &[gzip(&lines(0..5)), gzip(&lines(5..12))].concat(),
    );
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["events"], 12);
}

#[test]
fn empty_files_are_skipped_and_empty_records_are_read() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body, expected) in [
        ("zero.json", &b""[..], Some("empty file")),
        ("spaces.json", &b"  \n\t "[..], Some("empty file")),
        (
            "object.json",
            &b"{}"[..],
            Some("no CloudTrail events: a JSON object that is not a CloudTrail event"),
        ),
        ("records.json", &br#"{"Records":[]}"#[..], None),
    ] {
        let path = write_file(dir.path(), name, body);
        let (code, document) = audit(&path, &[]);
        assert_eq!(code, 2, "{name}: no events, nothing audited (issue 13)");
        match expected {
            Some(reason) => assert_eq!(
                note(&document),
                ("skipped".to_owned(), reason.to_owned()),
                "{name}"
            ),
            None => {
                assert_eq!(document["skipped"], json!([]), "{name}");
                assert_eq!(document["summary"]["files"], 1);
            }
        }
    }
}

#[test]
fn invalid_utf8_inside_a_string_is_repaired_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = trail_body(&events(3));
    let at = body.windows(3).position(|w| w == b"bob").unwrap();
    body[at] = 0xff;
    let path = write_file(dir.path(), "utf8.json", &body);
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["events"], 3);
    let (status, reason) = note(&document);
    assert_eq!(status, "repaired");
    assert!(
        reason.starts_with(&format!("invalid UTF-8 at byte {at}")),
        "{reason}"
    );
}

#[test]
fn a_syntax_error_mid_file_ends_a_trail_file_but_only_a_line_of_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let body = trail_body(&events(4));
    let text = String::from_utf8(body).unwrap();
    let cut = text.match_indices("\"eventID\":").nth(2).unwrap().0;
    let broken = format!("{}\"eventID\" {}", &text[..cut], &text[cut + 10..]);
    let path = write_file(dir.path(), "syntax.json", broken.as_bytes());
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 2);
    assert_eq!(
        document["summary"]["events"], 2,
        "the two records before the error"
    );
    let (status, reason) = note(&document);
    assert_eq!(status, "incomplete");
    assert!(
        reason.starts_with("JSON error: expected `:` at line 1 column"),
        "{reason}"
    );

    let lines: String = (0..5)
        .map(|i| {
            if i == 2 {
                "{\"eventVersion\": oops}\n".to_owned()
            } else {
                format!("{}\n", user_event(i))
            }
        })
        .collect();
    let path = write_file(dir.path(), "lines.jsonl", lines.as_bytes());
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 0, "a bad line is a counted per-event error");
    assert_eq!(document["summary"]["events"], 4);
    assert_eq!(document["summary"]["event_errors"], 1);
}

#[test]
fn json_that_is_not_cloudtrail_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body, reason) in [
        (
            "literal.js",
            "{eventName: 'x'}",
            "not JSON: JSON error at line 1: key must be a string at line 1 column 2",
        ),
        (
            "numbers.json",
            "[1, 2, 3]",
            "no CloudTrail events: not a JSON object: invalid type: integer `1`, expected struct Probe at line 1 column 1",
        ),
        (
            "config.json",
            r#"{"version": 2, "settings": {"a": 1}}"#,
            "no CloudTrail events: a JSON object that is not a CloudTrail event",
        ),
    ] {
        let path = write_file(dir.path(), name, body.as_bytes());
        let (code, document) = audit(&path, &[]);
        assert_eq!(code, 2, "{name}: nothing audited (issue 13)");
        assert_eq!(
            note(&document),
            ("skipped".to_owned(), reason.to_owned()),
            "{name}"
        );
    }
}

#[test]
fn odd_fields_never_lose_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut odd = vec![
        json!({"eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventID": "odd-1",
               "eventTime": "2026-03-02T08:00:00Z", "readOnly": "true", "managementEvent": "false",
               "userIdentity": {"accessKeyId": "ASIAWO645SY5NOTYPE01", "arn": "arn:aws:sts::111122223333:assumed-role/R/s"}}),
        json!({"eventVersion": "9.99", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventID": "odd-2",
               "eventTime": 1772438400, "recipientAccountId": 111122223333_u64,
               "userIdentity": {"type": "QuantumPrincipal", "principalId": "x", "arn": "arn:aws:iam::111122223333:quantum/x"}}),
        json!({"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventID": "odd-3",
               "userIdentity": "not an object", "requestParameters": [1, 2], "responseElements": "nope"}),
        json!({"eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "eventID": "odd-4",
               "eventTime": "not a time", "userIdentity": {"type": "IAMUser", "sessionContext": {"attributes": {"creationDate": 5}}},
               "responseElements": {"credentials": {"accessKeyId": null}}}),
        json!({"eventSource": null, "eventName": "GetObject", "eventID": "odd-5"}),
    ];
    odd.push(json!(42));
    let path = write_file(dir.path(), "odd.json", &trail_body(&odd));
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["records"], 6);
    assert_eq!(
        document["summary"]["events"], 4,
        "the two without a readable source or shape are errors"
    );
    assert_eq!(document["summary"]["event_errors"], 2);
}

#[test]
fn deeply_nested_json_in_an_unread_field_is_skipped_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    // A role ARN inside makes the request a candidate for role scanning, which parses it.
    let deep = format!(
        "{}\"arn:aws:iam::111122223333:role/x\"{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let line = format!(
        "{{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"requestParameters\":{deep}}}\n"
    );
    let body = format!("{}\n{line}{}\n", user_event(1), user_event(2));
    let path = write_file(dir.path(), "deep.jsonl", body.as_bytes());
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["events"], 3);
    assert_eq!(document["summary"]["event_errors"], 0);
}

#[test]
fn a_gzip_bomb_is_stopped_by_the_ratio_and_the_size_caps() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_gzip(dir.path(), "bomb.json.gz", &vec![b' '; 80 << 20]);
    let (code, document) = audit(&path, &[]);
    assert_eq!(code, 2);
    let (status, reason) = note(&document);
    assert_eq!(status, "failed");
    assert!(reason.contains("a gzip bomb?"), "{reason}");

    let path = write_gzip(dir.path(), "big.json.gz", &trail_body(&events(50)));
    let (code, document) = audit(&path, &["--max-file-bytes", "4000"]);
    assert_eq!(code, 2);
    assert!(
        note(&document)
            .1
            .contains("more than 4000 bytes (--max-file-bytes)")
    );
}

#[test]
fn large_files_stream_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let many = events(300);
    let lines: String = many.iter().map(|e| format!("{e}\n")).collect();
    for (name, body) in [
        ("trail.json.gz", gzip(&trail_body(&many))),
        ("array.json", serde_json::to_vec(&many).unwrap()),
        ("lines.jsonl", lines.clone().into_bytes()),
        (
            "bom-lines.jsonl",
            [b"\xEF\xBB\xBF  \n".as_slice(), lines.as_bytes()].concat(),
        ),
    ] {
        let path = write_file(dir.path(), name, &body);
        let (_, in_memory) = audit(&path, &[]);
        let (code, streamed) = audit(&path, &["--in-memory-bytes", "1000"]);
        assert_eq!(code, 0, "{name}");
        assert_eq!(streamed["summary"], in_memory["summary"], "{name}");
        assert_eq!(streamed["findings"], in_memory["findings"], "{name}");
        assert_eq!(streamed["summary"]["events"], 300, "{name}");
    }
    // Damage while streaming keeps what came before it.
    let whole = gzip(&trail_body(&many));
    let path = write_file(dir.path(), "cut.json.gz", &whole[..whole.len() / 2]);
    let (code, document) = audit(&path, &["--in-memory-bytes", "1000"]);
    assert_eq!(code, 2);
    assert_eq!(note(&document).0, "incomplete");
    assert!(document["summary"]["events"].as_u64().unwrap() > 50);
}

#[test]
fn symlink_loops_and_dangling_links_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    write_trail_file(dir.path(), "logs/a.json.gz", &events(2));
    std::os::unix::fs::symlink(dir.path().join("logs"), dir.path().join("logs/loop")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("nowhere"),
        dir.path().join("logs/dangling.json"),
    )
    .unwrap();
    let (code, document) = audit(&dir.path().join("logs"), &[]);
    assert_eq!(code, 2, "a dangling link is an unreadable input");
    assert_eq!(document["summary"]["files"], 1, "the loop is walked once");
    assert_eq!(document["summary"]["events"], 2);
    let (status, reason) = note(&document);
    assert_eq!(status, "failed");
    assert!(reason.contains("No such file"), "{reason}");
}

#[test]
fn many_small_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2_000 {
        write_file(
            dir.path(),
            &format!("part-{i:05}.jsonl"),
            format!("{}\n", user_event(i)).as_bytes(),
        );
    }
    let (code, document) = audit(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["files"], 2_000);
    assert_eq!(document["summary"]["events"], 2_000);
}

#[test]
fn fuzz_regressions_scan_cleanly() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let (code, _) = audit(&path, &[]);
        assert!(code == 0 || code == 2, "{}: exit {code}", path.display());
    }
}
