//! Issue 13, "A gate that cannot pass by accident, errors that say why": a run that audited
//! nothing never passes, every failure says why on standard error naming the file or argument,
//! formats follow the file name of `-o`, and every file written gets a receipt.

use std::path::Path;

use serde_json::Value;

use crate::util::*;
use crate::verify::build_trail;

/// A call by an IAM user recorded in `account`.
fn one_call(id: &str, account: &str) -> Value {
    event(
        id,
        "2026-03-02T09:00:00Z",
        "s3.amazonaws.com",
        "ListBuckets",
        account,
        iam_user(account, "bob", "AKIAWO645SY5BOBBOB22"),
    )
}

/// A folder with one call recorded in each of the two fixture accounts, in the S3 layout.
fn two_accounts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    deliver(
        dir.path(),
        APPS,
        "0905",
        &[one_call("e1300000-0000-4000-8000-000000000001", APPS)],
    );
    deliver(
        dir.path(),
        DATA,
        "0905",
        &[one_call("e1300000-0000-4000-8000-000000000002", DATA)],
    );
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Issue 13 item 1: `verify ./nope`, an empty folder and logs without digests said "Everything
/// verifiable is intact." and exited 0.
#[test]
fn verify_with_nothing_to_verify_exits_2_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let nope = dir.path().join("nope");
    let (code, stdout, stderr) = finish(tip().arg("verify").arg(&nope));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        !stdout.contains("Everything verifiable is intact."),
        "{stdout}"
    );
    assert!(stderr.contains("nope: cannot read: "), "{stderr}");
    assert!(
        stderr.contains("nothing to verify: no digest files under"),
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = finish(tip().arg("verify").arg(empty.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nothing to verify"), "{stderr}");

    // Log files without their digests: nothing can be checked.
    let logs = two_accounts();
    let (code, document) = json_of(
        tip()
            .arg("verify")
            .arg(logs.path())
            .args(["--format", "json"]),
    );
    assert_eq!(code, 2);
    assert_eq!(document["intact"], false, "nothing verified is not intact");
    assert_eq!(document["summary"]["unverified"], 2);
    let (_, stdout, stderr) = finish(tip().arg("verify").arg(logs.path()));
    assert!(stdout.contains("NOTHING VERIFIED"), "{stdout}");
    assert!(
        stderr.contains("nothing to verify: no digest files under")
            && stderr.contains("(2 log files found"),
        "{stderr}"
    );
}

/// Issue 13 item 2: `export ./nope -o n.csv` and `export empty/ -o e.csv` printed "0 events
/// written to …" and wrote nothing.
#[test]
fn export_of_nothing_exits_2_with_no_file_and_no_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let nope = dir.path().join("nope");
    let out = dir.path().join("n.csv");
    let (code, _, stderr) = finish(tip().arg("export").arg(&nope).arg("-o").arg(&out));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        !stderr.contains("written") && !stderr.contains("wrote"),
        "{stderr}"
    );
    assert!(!out.exists());

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = dir.path().join("e.csv");
    let (code, _, stderr) = finish(tip().arg("export").arg(&empty).arg("-o").arg(&out));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nothing audited: no files in"), "{stderr}");
    assert!(
        !stderr.contains("written") && !stderr.contains("wrote"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// Issue 13 item 3: `chains`, `timeline` and `export` on a missing input exited 2 saying nothing,
/// and `timeline ./nope --human x` blamed the person.
#[test]
fn chains_timeline_and_export_say_first_what_input_they_could_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let nope = dir.path().join("nope");
    let out = dir.path().join("x.jsonl");
    for args in [
        vec!["chains", text(&nope)],
        vec!["timeline", text(&nope), "--human", "x"],
        vec!["export", text(&nope), "-o", text(&out)],
    ] {
        let stderr = assert_exit(2, &args);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("nope: not audited: ") && first.contains("No such file"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("nothing audited"), "{args:?}: {stderr}");
        assert!(!stderr.contains("no person named"), "{args:?}: {stderr}");
    }

    // A damaged file: what could be read is used, the file is named, the exit status is 2.
    let many: Vec<Value> = (0..300)
        .map(|i| one_call(&format!("e1300000-0000-4000-8000-{i:012}"), APPS))
        .collect();
    let whole = gzip(&trail_body(&many));
    let cut = write_file(dir.path(), "cut.json.gz", &whole[..whole.len() / 2]);
    let (code, stdout, stderr) = finish(tip().arg("chains").arg(&cut));
    assert_eq!(code, 2, "{stderr}");
    assert!(!stdout.is_empty(), "the readable part is shown");
    assert!(
        stderr.contains("cut.json.gz: read only in part: "),
        "{stderr}"
    );
}

/// Issue 13 item 4: an empty folder, unrelated JSON, `--account 1234` and `--account A,B` all
/// ended "No findings." with exit 0, even with `--fail-on low`.
#[test]
fn a_scan_that_audited_nothing_never_passes() {
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = finish(
        tip()
            .arg("scan")
            .arg(empty.path())
            .args(["--fail-on", "low"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nothing audited: no files in"), "{stderr}");

    let unrelated = tempfile::tempdir().unwrap();
    write_file(
        unrelated.path(),
        "package.json",
        br#"{"name": "app", "version": "1.0.0"}"#,
    );
    write_file(unrelated.path(), "ids.json", br#"[{"id": 1}, {"id": 2}]"#);
    let (code, _, stderr) = finish(
        tip()
            .arg("scan")
            .arg(unrelated.path())
            .args(["--fail-on", "low"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("nothing audited: no CloudTrail events in"),
        "{stderr}"
    );

    let logs = two_accounts();
    let (code, document) = scan_json(&[logs.path()], &["--account", "999999999999"]);
    assert_eq!(code, 2, "a filter that matches nothing");
    assert_eq!(document["summary"]["events"], 0);
    let (_, _, stderr) = finish(tip().arg("scan").arg(logs.path()).args([
        "--account",
        "999999999999",
        "--fail-on",
        "low",
    ]));
    assert!(
        stderr.contains("matches --account 999999999999 (2 files ruled out by their S3 key)"),
        "{stderr}"
    );
}

#[test]
fn account_and_region_take_lists_and_refuse_malformed_values() {
    let logs = two_accounts();
    let (code, document) = scan_json(&[logs.path()], &["--account", &format!("{APPS},{DATA}")]);
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["events"], 2, "both accounts");
    let (_, document) = scan_json(&[logs.path()], &["--account", APPS, "--account", DATA]);
    assert_eq!(document["summary"]["events"], 2, "repeated, as before");
    let (_, document) = scan_json(&[logs.path()], &["--account", APPS]);
    assert_eq!(document["summary"]["events"], 1);
    let (code, document) = scan_json(
        &[logs.path()],
        &["--region", "us-east-1,us-gov-west-1,cn-north-1"],
    );
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["events"], 2);
    let (code, _) = scan_json(&[logs.path()], &["--region", "eu-west-1"]);
    assert_eq!(code, 2, "no event in that region");

    let path = text(logs.path());
    let stderr = assert_exit(2, &["scan", path, "--account", "1234"]);
    assert!(
        stderr.contains("--account \"1234\"") && stderr.contains("12 digits"),
        "{stderr}"
    );
    let stderr = assert_exit(2, &["scan", path, "--account", &format!("{APPS},1234")]);
    assert!(stderr.contains("--account \"1234\""), "{stderr}");
    let stderr = assert_exit(2, &["scan", path, "--region", "useast1"]);
    assert!(
        stderr.contains("--region \"useast1\"") && stderr.contains("us-east-1"),
        "{stderr}"
    );
    let stderr = assert_exit(2, &["scan", path, "--region", "US-EAST-1"]);
    assert!(stderr.contains("--region \"US-EAST-1\""), "{stderr}");
}

/// Issue 13 item 6: `export -o events.json` wrote Parquet into `events.json`, `-o -` a file named
/// `-`.
#[test]
fn export_chooses_its_format_from_the_file_name() {
    let logs = two_accounts();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("events.json");
    let (code, _, stderr) = finish(tip().arg("export").arg(logs.path()).arg("-o").arg(&json));
    assert_eq!(code, 0, "{stderr}");
    let rows: Vec<Value> = std::fs::read_to_string(&json)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "JSON Lines, one object per event");
    assert!(rows.iter().all(|r| r["event_id"].is_string()
        && r["status"].is_string()
        && r["time"] == "2026-03-02T09:00:00Z"));
    assert!(
        stderr.contains(&format!("wrote 2 events to {} (jsonl)", json.display())),
        "{stderr}"
    );

    // `-` is standard output, never a file named `-`.
    let (code, stdout, stderr) = finish(
        tip()
            .current_dir(dir.path())
            .arg("export")
            .arg(logs.path())
            .args(["-o", "-"]),
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, rows);
    assert!(!dir.path().join("-").exists());

    // Any other name needs --format.
    let txt = dir.path().join("events.txt");
    let (code, _, stderr) = finish(tip().arg("export").arg(logs.path()).arg("-o").arg(&txt));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".parquet, .csv, .jsonl or .json") && stderr.contains("--format"),
        "{stderr}"
    );
    assert!(!txt.exists());
    let (code, _, stderr) = finish(
        tip()
            .arg("export")
            .arg(logs.path())
            .arg("-o")
            .arg(&txt)
            .args(["--format", "jsonl"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&txt).unwrap().lines().count(), 2);
}

#[cfg(feature = "columnar")]
#[test]
fn export_writes_parquet_and_csv_only_when_named() {
    let logs = two_accounts();
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("events.parquet");
    let csv = dir.path().join("rows.data");
    assert_exit(0, &["export", text(logs.path()), "-o", text(&parquet)]);
    assert!(std::fs::read(&parquet).unwrap().starts_with(b"PAR1"));
    assert_exit(
        0,
        &[
            "export",
            text(logs.path()),
            "-o",
            text(&csv),
            "--format",
            "csv",
        ],
    );
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("time,event_id,")
    );
}

/// Issue 13 item 7: `scan --verify` said nothing and exited 0 when a log file listed in a digest
/// was deleted, while `verify` reported it missing and exited 1.
#[test]
fn scan_verify_gives_the_verdict_of_verify() {
    let trail = build_trail();
    trail.delete(&trail.logs[0]);
    let (code, _, stderr) = finish(tip().arg("scan").arg(trail.dir.path()).arg("--verify"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("--verify: integrity problems: 1 log file missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("--verify: missing: {}", trail.logs[0])),
        "{stderr}"
    );
    let (code, _, _) = finish(tip().arg("verify").arg(trail.dir.path()));
    assert_eq!(code, 1, "the same verdict");

    // Asked to verify logs that have no digests: nothing was verified, the gate does not pass.
    let logs = two_accounts();
    let (code, _, stderr) = finish(tip().arg("scan").arg(logs.path()).arg("--verify"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--verify: nothing to verify"), "{stderr}");
}

/// Issue 13 item 10: `scan -o report.html` without `--format` wrote the text table into
/// `report.html`.
#[test]
fn the_report_format_follows_the_file_name_of_o() {
    let logs = sample_logs();
    let dir = tempfile::tempdir().unwrap();
    for (name, start) in [
        ("report.html", "<!DOCTYPE html>"),
        ("report.json", "{"),
        ("report.sarif", "{"),
        ("report.csv", "severity,kind,"),
        ("report.md", "## tip-audit:"),
        ("report.txt", "tip-audit scan:"),
    ] {
        let path = dir.path().join(name);
        let (code, stdout, stderr) = finish(tip().arg("scan").arg(&logs).arg("-o").arg(&path));
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: the report went to -o");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.starts_with(start), "{name}: {written:.200}");
    }
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "tip-audit/scan/v1");
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    // --format says otherwise.
    let page = dir.path().join("table.html");
    assert_exit(
        0,
        &["scan", text(&logs), "-o", text(&page), "--format", "table"],
    );
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .starts_with("tip-audit scan:")
    );
    // The same rule for the other commands, and an error where the name asks for a format the
    // command does not write.
    let dot = dir.path().join("chains.dot");
    assert_exit(0, &["chains", text(&logs), "-o", text(&dot)]);
    assert!(
        std::fs::read_to_string(&dot)
            .unwrap()
            .starts_with("digraph")
    );
    let stderr = assert_exit(
        2,
        &[
            "timeline",
            text(&logs),
            "--human",
            "carol@example.com",
            "-o",
            text(&dir.path().join("carol.html")),
        ],
    );
    assert!(stderr.contains("timeline cannot write html"), "{stderr}");
}

#[test]
fn fail_on_says_which_findings_crossed_the_line() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let findings = document["findings"].as_array().unwrap();
    let high = findings.iter().filter(|f| f["severity"] == "high").count();
    let lost = findings
        .iter()
        .filter(|f| f["severity"] == "high" && f["kind"] == "identity_lost")
        .count();
    let (code, _, stderr) = finish(
        tip()
            .arg("scan")
            .arg(sample_logs())
            .args(["--fail-on", "high"]),
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("--fail-on high: {high} findings at high (")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{lost} high identity_lost")),
        "{stderr}"
    );
    let (code, _, stderr) = finish(
        tip()
            .arg("scan")
            .arg(sample_logs())
            .args(["--fail-on", "medium"]),
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--fail-on medium: ") && stderr.contains(" at medium or above ("),
        "{stderr}"
    );
}

#[test]
fn every_file_written_gets_a_receipt_and_quiet_keeps_only_errors() {
    let logs = sample_logs();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let sarif = dir.path().join("tip.sarif");
    let baseline = dir.path().join("baseline.json");
    let scan = |quiet: bool| {
        let mut cmd = tip();
        cmd.arg("scan")
            .arg(&logs)
            .arg("-o")
            .arg(&report)
            .arg("--export")
            .arg(format!("sarif={}", sarif.display()))
            .arg("--write-baseline")
            .arg(&baseline);
        if quiet {
            cmd.arg("--quiet");
        }
        finish(&mut cmd)
    };
    let (code, _, stderr) = scan(false);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("wrote {} (json report)", report.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("wrote {} (sarif report)", sarif.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("wrote {} (baseline of ", baseline.display())),
        "{stderr}"
    );
    let (code, _, stderr) = scan(true);
    assert_eq!(code, 0);
    assert_eq!(stderr, "", "--quiet");

    let policy = dir.path().join("tip-audit.toml");
    let (code, _, stderr) = finish(tip().arg("init").arg("-o").arg(&policy));
    assert_eq!(code, 0);
    assert!(
        stderr.contains(&format!(
            "wrote {} (policy file template)",
            policy.display()
        )),
        "{stderr}"
    );
    let again = dir.path().join("again.toml");
    let (code, _, stderr) = finish(tip().args(["--quiet", "init", "-o"]).arg(&again));
    assert_eq!(code, 0);
    assert_eq!(stderr, "", "--quiet before the command");

    // Errors are never silenced.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = finish(tip().arg("scan").arg(empty.path()).arg("--quiet"));
    assert_eq!(code, 2);
    assert!(stderr.contains("nothing audited"), "{stderr}");
}

#[test]
fn max_file_bytes_takes_sizes_with_units() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<Value> = (0..50)
        .map(|i| one_call(&format!("e1300000-0000-4000-8000-{i:012}"), APPS))
        .collect();
    let path = write_gzip(dir.path(), "big.json.gz", &trail_body(&many));
    let (code, document) = scan_json(&[&path], &["--max-file-bytes", "4KB"]);
    assert_eq!(code, 2);
    let reason = document["skipped"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("more than 4000 bytes (--max-file-bytes)"),
        "{reason}"
    );
    let (code, _) = scan_json(&[&path], &["--max-file-bytes", "4KiB"]);
    assert_eq!(code, 2);
    let (code, _) = scan_json(&[&path], &["--max-file-bytes", "2GiB"]);
    assert_eq!(code, 0);
    let stderr = assert_exit(2, &["scan", text(&path), "--max-file-bytes", "2 gigs"]);
    assert!(
        stderr.contains("--max-file-bytes") && stderr.contains("not a size"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_person_is_answered_with_the_closest_names() {
    let logs = sample_logs();
    let stderr = assert_exit(
        2,
        &["timeline", text(&logs), "--human", "carol@exmaple.com"],
    );
    assert!(
        stderr.contains("no person named \"carol@exmaple.com\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("the closest: carol@example.com"),
        "{stderr}"
    );
}
