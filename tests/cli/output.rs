//! What people read (issue 13): one escaping rule everywhere text is read, one word for people,
//! counts in proper plurals, column names that mean the same in every format, export times with
//! their time zone, shared roles that say whether they carry the person, HTML drawings with
//! their link kinds, and tables that fit the terminal.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::*;

fn logs() -> String {
    sample_logs().to_str().unwrap().to_owned()
}

/// `tip-audit args…` with `COLUMNS` set: (exit code, stdout).
fn run_with_columns(columns: &str, args: &[&str]) -> (i32, String) {
    let (code, stdout, _) = finish(tip().env("COLUMNS", columns).args(args));
    (code, stdout)
}

/// The widest line, in characters.
fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// A log whose event id carries an ANSI escape and a bidi override (U+202E).
const HOSTILE_ID: &str = "e0000000-0000-4000-8000-000000000013\u{1b}[31m\u{202e}exe.txt";

fn assert_escaped(what: &str, text: &str) {
    assert!(!text.contains('\u{1b}'), "{what}: raw ESC\n{text}");
    assert!(!text.contains('\u{202e}'), "{what}: raw U+202E\n{text}");
    assert!(
        text.contains("\\u{001b}") && text.contains("\\u{202e}"),
        "{what}: escaped as the terminal shows them\n{text}"
    );
}

// Item 8 --------------------------------------------------------------------------------------

#[test]
fn csv_html_and_markdown_escape_log_strings_as_the_terminal_does() {
    let dir = hostile_log(HOSTILE_ID, "s");
    let path = dir.path().to_str().unwrap();
    let (_, table) = run(&["scan", path]);
    assert_escaped("table", &table);
    let (_, csv) = run(&["scan", path, "--format", "csv"]);
    assert_escaped("csv", &csv);
    let (_, html) = run(&["scan", path, "--format", "html"]);
    assert_escaped("html", &html);
    let (_, markdown) = run(&["scan", path, "--format", "markdown"]);
    assert!(!markdown.contains('\u{1b}') && !markdown.contains('\u{202e}'));
    // JSON is for programs: the text as logged, JSON-escaped.
    let (_, document) = run_json(&["scan", path, "--format", "json"]);
    assert_eq!(document["findings"][0]["break_event_id"], HOSTILE_ID);
}

#[cfg(feature = "columnar")]
#[test]
fn the_export_csv_escapes_log_strings_and_defuses_formulas() {
    let dir = hostile_log(HOSTILE_ID, "=HYPERLINK(\"evil.example\")");
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("events.csv");
    assert_exit(
        0,
        &[
            "export",
            dir.path().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert_escaped("export csv", &text);

    let dir = hostile_log("=HYPERLINK(\"evil.example\")", "s");
    let target = out.path().join("formula.csv");
    assert_exit(
        0,
        &[
            "export",
            dir.path().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("'=HYPERLINK("), "{text}");
    assert!(!text.contains(",=HYPERLINK(") && !text.contains(",\"=HYPERLINK("));
}

// Item 9 --------------------------------------------------------------------------------------

#[cfg(feature = "columnar")]
#[test]
fn export_csv_times_are_rfc3339_utc_like_the_timeline() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("events.csv");
    assert_exit(0, &["export", &logs(), "-o", target.to_str().unwrap()]);
    let export = std::fs::read_to_string(&target).unwrap();
    let (_, timeline) = run(&[
        "timeline",
        &logs(),
        "--human",
        "dave@example.com",
        "--format",
        "csv",
    ]);
    // time and event_id are the first two columns of both.
    let times = |text: &str| -> Vec<(String, String)> {
        text.lines()
            .skip(1)
            .map(|line| {
                let mut cells = line.split(',');
                (
                    cells.next().unwrap().to_owned(),
                    cells.next().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let exported = times(&export);
    assert!(!exported.is_empty());
    for (time, id) in &exported {
        assert!(
            time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{id}: {time}"
        );
    }
    let shown = times(&timeline);
    assert!(!shown.is_empty());
    for (time, id) in shown {
        let same = exported.iter().find(|(_, e)| *e == id).unwrap();
        assert_eq!(same.0, time, "{id}");
    }
}

// Item 12 -------------------------------------------------------------------------------------

#[test]
fn people_are_people_in_every_format() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let people = format!("{} people", document["summary"]["humans"]);
    let (_, table) = run(&["scan", &logs()]);
    let counts = table.lines().nth(1).unwrap();
    assert!(
        counts.starts_with(&format!("{people}, ")) && counts.contains(" sessions, "),
        "{table}"
    );
    assert!(!table.contains("humans"), "{table}");
    let header = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("│ {name} ")))
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_owned()
    };
    assert!(header("severity").contains("┆ person "));
    assert!(header("shared role").contains("┆ people "));
    let (_, html) = run(&["scan", &logs(), "--format", "html"]);
    assert!(html.contains(&format!(" · {people} · ")) && html.contains("<th>people</th>"));
    assert!(!html.contains("humans"));
    let (_, markdown) = run(&["scan", &logs(), "--format", "markdown"]);
    assert!(markdown.contains(&format!(" · {people} · ")) && markdown.contains("| people |"));
}

#[test]
fn the_timeline_table_and_csv_name_their_columns_alike() {
    let logs = logs();
    let args: [&str; 4] = ["timeline", &logs, "--human", "dave@example.com"];
    let (_, table) = run(&args);
    let header = table
        .lines()
        .find(|l| l.starts_with("│ time "))
        .expect("a header row")
        .to_owned();
    let names: Vec<&str> = header.trim_matches('│').split('┆').map(str::trim).collect();
    assert_eq!(
        names,
        [
            "time",
            "account",
            "region",
            "service",
            "action",
            "principal",
            "evidence",
            "status",
            "depth",
            "error_code",
            "file"
        ]
    );
    let (_, csv) = run(&[&args[..], &["--format", "csv"][..]].concat());
    let columns: BTreeSet<&str> = csv.lines().next().unwrap().split(',').collect();
    for name in names {
        assert!(columns.contains(name), "{name} is a CSV column too");
    }
}

/// One call made by an IAM user, in a trail file of its own.
fn one_call(dir: &Path) {
    let call = event(
        "e1000000-0000-4000-8000-000000000001",
        "2026-03-02T08:59:00Z",
        "s3.amazonaws.com",
        "ListBuckets",
        APPS,
        iam_user(APPS, "alice", "AKIAQEXAMPLEALICE001"),
    );
    deliver(dir, APPS, "0900", &[call]);
}

#[test]
fn counts_of_one_are_singular() {
    let dir = tempfile::tempdir().unwrap();
    one_call(dir.path());
    let (_, table) = run(&["scan", dir.path().to_str().unwrap()]);
    let summary: Vec<&str> = table.lines().take(2).collect();
    assert!(
        summary[0].starts_with("tip-audit scan: 1 file read, 1 event, 0 duplicates,"),
        "{table}"
    );
    assert!(
        summary[1].starts_with("1 person, 1 session, 1 chain, 1 finding"),
        "{table}"
    );
    for wrong in [
        "1 files",
        "1 events",
        "1 sessions",
        "1 chains",
        "1 findings",
    ] {
        assert!(!table.contains(wrong), "{wrong}: {table}");
    }
    let (_, chains) = run(&["chains", dir.path().to_str().unwrap()]);
    assert!(chains.contains(", 1 session)"), "{chains}");
    assert!(chains.contains("] 1 event, "), "{chains}");
}

#[test]
fn files_read_in_part_are_said_so_not_counted_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let calls: Vec<Value> = (0..200)
        .map(|i| {
            event(
                &format!("e2000000-0000-4000-8000-{i:012}"),
                "2026-03-02T08:59:00Z",
                "s3.amazonaws.com",
                "ListBuckets",
                APPS,
                iam_user(APPS, "alice", "AKIAQEXAMPLEALICE001"),
            )
        })
        .collect();
    let whole = gzip(&trail_body(&calls));
    for name in ["a.json.gz", "b.json.gz"] {
        write_file(dir.path(), name, &whole[..whole.len() * 2 / 3]);
    }
    let (code, table) = run(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    let first = table.lines().next().unwrap();
    assert!(
        first.starts_with("tip-audit scan: 2 files read (2 only in part), "),
        "{first}"
    );
    assert!(!first.contains("skipped"), "{first}");
}

// Shared roles say their status ----------------------------------------------------------------

#[test]
fn shared_roles_say_whether_they_carry_the_person() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let status = |suffix: &str| {
        document["shared_roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["role_arn"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} is listed"))["status"]
            .clone()
    };
    assert_eq!(status("/S3AGLocationRole"), "propagated");
    assert_eq!(status("/RedshiftSharedServiceRole"), "lost");
    let (_, table) = run(&["scan", &logs()]);
    let row = table
        .lines()
        .find(|l| l.contains("role/S3AGLocationRole"))
        .unwrap();
    assert!(row.contains("┆ propagated "), "{row}");
    let (_, markdown) = run(&["scan", &logs(), "--format", "markdown"]);
    assert!(markdown.contains("| status |"));
}

// HTML drawings -------------------------------------------------------------------------------

#[test]
fn html_drawings_label_links_name_sessions_in_full_and_keep_ids_unique() {
    let (_, html) = run(&["scan", &logs(), "--format", "html"]);
    let ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate ids: {ids:?}");
    // Every marker a path uses is defined once in the page.
    for used in html.split("url(#").skip(1) {
        let id = used.split(')').next().unwrap();
        assert!(unique.contains(id), "{id}");
    }
    // Edges carry their kind and confidence; boxes their full principal on hover.
    assert!(html.contains(">service_trigger</text>"));
    assert!(html.contains(">inferred</text>"));
    assert!(html.contains(
        "<title>arn:aws:sts::444455556666:assumed-role/RedshiftSharedServiceRole/RedshiftIamRoleSession\n"
    ));
}

// Tables fit the terminal ----------------------------------------------------------------------

#[test]
fn scan_tables_fit_80_columns() {
    let (_, text) = run_with_columns("80", &["scan", "--threads", "2", &logs()]);
    assert!(widest(&text) <= 80, "a line wider than 80:\n{text}");
    // Shortened, the ARNs keep their account and their role name.
    assert!(
        text.lines()
            .any(|l| l.contains("444455556666") && l.contains("RedshiftSharedServiceRole")),
        "{text}"
    );
    for story in ["alice@example.com", "identity_lost", "S3AGLocationRole"] {
        assert!(text.contains(story), "{story}");
    }
    // Machine formats keep full text.
    let (_, json) = run_with_columns("80", &["scan", &logs(), "--format", "json"]);
    assert!(json.contains(
        "\"role_arn\": \"arn:aws:iam::444455556666:role/service-role/RedshiftSharedServiceRole\""
    ));
}

#[test]
fn scan_tables_use_200_columns_when_given_them() {
    let (_, text) = run_with_columns("200", &["scan", "--threads", "2", &logs()]);
    assert!(widest(&text) <= 200, "a line wider than 200:\n{text}");
    assert!(
        text.contains("arn:aws:iam::444455556666:role/service-role/RedshiftSharedServiceRole"),
        "the full ARN fits\n{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("│ severity ┆ kind")),
        "findings stay one table\n{text}"
    );
}

#[test]
fn timeline_tables_fit_80_columns() {
    let (_, text) = run_with_columns("80", &["timeline", &logs(), "--human", "carol@example.com"]);
    assert!(widest(&text) <= 80, "a line wider than 80:\n{text}");
    assert!(text.contains("lost (break)"), "{text}");
}
