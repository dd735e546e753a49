//! CI compliance gate (issue 6): SARIF validated against the official schema, JSON Lines, CSV,
//! Markdown, several formats in one run, the policy file, baselines.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::util::*;

fn logs() -> String {
    sample_logs().to_str().unwrap().to_owned()
}

#[test]
fn sarif_validates_and_lists_every_finding_with_stable_fingerprints() {
    let (code, text) = run(&["scan", &logs(), "--format", "sarif"]);
    assert_eq!(code, 0);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let findings = document["findings"].as_array().unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 5, "one rule per finding kind");
    assert!(
        rules
            .iter()
            .all(|r| r["help"]["text"].as_str().is_some_and(|t| t.len() > 40))
    );
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(
            result["partialFingerprints"]["tipAudit/v1"],
            finding["fingerprint"]
        );
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["name"],
            finding["break_event_id"]
        );
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.ends_with(".json.gz") && uri.contains("AWSLogs/"),
            "{uri}"
        );
        let level = match finding["severity"].as_str().unwrap() {
            "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], level);
    }
    let (_, again) = run(&["scan", &logs(), "--format", "sarif"]);
    assert_eq!(again, text, "the same bytes on every run");
    // Another command line is another invocation, and the same report (issue 13).
    let (_, other) = run(&["scan", &logs(), "--format", "sarif", "--threads", "1"]);
    assert_ne!(other, text, "the invocation's arguments are as given");
    assert_eq!(
        without_provenance(serde_json::from_str(&other).unwrap()),
        without_provenance(sarif.clone()),
        "everything but the provenance is the same"
    );
}

#[test]
fn jsonl_csv_and_markdown_carry_the_same_findings() {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let findings = document["findings"].as_array().unwrap();
    let (_, lines) = run(&["scan", &logs(), "--format", "jsonl"]);
    let parsed: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&parsed, findings);
    let (_, csv) = run(&["scan", &logs(), "--format", "csv"]);
    assert_eq!(csv.lines().count(), findings.len() + 1);
    assert!(csv.starts_with("severity,kind,human,evidence,chain_id,break_event_id,"));
    let (_, markdown) = run(&["scan", &logs(), "--format", "markdown"]);
    assert!(markdown.starts_with(&format!(
        "## tip-audit: {} findings (4 high)",
        findings.len()
    )));
    assert_eq!(
        markdown
            .lines()
            .filter(|l| l.starts_with("| high |")
                || l.starts_with("| medium |")
                || l.starts_with("| low |"))
            .count(),
        findings.len()
    );
}

const NIGHTLY_EXPORT_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/NightlyExportRole";

/// Delivers into `dir` a Glue job that `person` starts at 13:40 and Glue runs under a role of its
/// own, `NIGHTLY_EXPORT_ROLE`: an identity break whose first lost event is `f9…03`.
fn write_nightly_export(dir: &Path, person: Value) {
    let runner = RoleSession::new(
        NIGHTLY_EXPORT_ROLE,
        "GlueJobRunnerSession",
        "ASIAWO645SY5NIGHTLY1",
        "2026-03-02T13:40:40Z",
    );
    let mut start = event(
        "f9000000-0000-4000-8000-000000000001",
        "2026-03-02T13:40:00Z",
        "glue.amazonaws.com",
        "StartJobRun",
        DATA,
        person,
    );
    start["requestParameters"] = json!({"jobName": "nightly-export"});
    deliver(
        dir,
        DATA,
        "1345",
        &[
            start,
            runner.assumed_by(
                "f9000000-0000-4000-8000-000000000002",
                aws_service("glue.amazonaws.com"),
            ),
            runner.call(
                "f9000000-0000-4000-8000-000000000003",
                "2026-03-02T13:41:00Z",
                "s3.amazonaws.com",
                "PutObject",
            ),
        ],
    );
}

#[test]
fn csv_and_markdown_defuse_hostile_names() {
    // Real session names are [\w+=,.@-]; a forged log can hold anything but a '/' (the ARN separator).
    let evil = "=HYPERLINK(\"evil.example\"|x)";
    let dir = tempfile::tempdir().unwrap();
    write_nightly_export(
        dir.path(),
        sso_session(
            DATA,
            evil,
            "d4e5f6a7-8901-23ab-cdef-999999999999",
            "ASIAWO645SY5EVILSSO1",
            "2026-03-02T08:30:12Z",
        ),
    );
    let path = dir.path().to_str().unwrap();
    let (_, csv) = run(&["scan", path, "--format", "csv"]);
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"evil.example\"\"|x)\""),
        "{csv}"
    );
    let (_, markdown) = run(&["scan", path, "--format", "markdown"]);
    assert!(
        markdown.contains("=HYPERLINK(\"evil.example\"\\|x)"),
        "{markdown}"
    );
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("tip.sarif");
    let markdown = dir.path().join("summary.md");
    let json_out = dir.path().join("report.json");
    let (code, stdout) = run(&[
        "scan",
        &logs(),
        "--fail-on",
        "high",
        "-o",
        json_out.to_str().unwrap(),
        "--export",
        &format!("sarif={}", sarif.display()),
        "--export",
        &format!("markdown={}", markdown.display()),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "the report went to -o");
    let document: Value = serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    assert_eq!(
        document["schema"], "tip-audit/scan/v1",
        "-o without --format writes what the file name says (issue 13)"
    );
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert!(sarif_schema().is_valid(&sarif));
    assert!(
        std::fs::read_to_string(&markdown)
            .unwrap()
            .starts_with("## tip-audit:")
    );
    assert_exit(2, &["scan", &logs(), "--export", "yaml=x.yaml"]);
}

/// Writes the policy `text` to a file in a directory of its own: (the directory, the file).
fn policy(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "tip-audit.toml", text.as_bytes());
    (dir, path)
}

/// Scans the sample estate under the policy file `config`, with `extra` options.
fn scan_sample_under(config: &Path, extra: &[&str]) -> (i32, Value) {
    scan_json(
        &[&sample_logs()],
        &[&["--config", config.to_str().unwrap()][..], extra].concat(),
    )
}

#[test]
fn the_policy_silences_a_shared_role_and_counts_it() {
    let (_dir, config) =
        policy("fail_on = \"high\"\n[allow]\nroles = [\"RedshiftSharedServiceRole\"]\n");
    let (code, document) = scan_sample_under(&config, &[]);
    assert_eq!(
        code, 1,
        "fail_on from the policy: carol's and frank's breaks remain"
    );
    assert!(
        strings(&document, "findings", "role_arn")
            .iter()
            .all(|r| !r.ends_with("RedshiftSharedServiceRole"))
    );
    assert_eq!(document["summary"]["silenced"], 2);
    assert_eq!(document["summary"]["silenced_shared_roles"], 1);
    assert!(
        document["shared_roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["role_arn"]
                .as_str()
                .unwrap()
                .ends_with("RedshiftSharedServiceRole"))
    );
    let (_, table) = run(&["scan", &logs(), "--config", config.to_str().unwrap()]);
    assert!(table.contains("the policy silenced 2 findings and 1 shared role;"));
}

#[test]
fn the_policy_sets_severities_kinds_and_the_cli_wins() {
    let (_dir, config) = policy(
        "fail_on = \"medium\"\n[severity]\nidentity_lost = \"low\"\nlineage_only = \"low\"\nlong_lived_key = \"low\"\n",
    );
    let (code, document) = scan_sample_under(&config, &[]);
    assert_eq!(code, 0, "nothing is medium or above any more");
    assert!(
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "low")
    );
    let (code, _) = scan_sample_under(&config, &["--fail-on", "low"]);
    assert_eq!(code, 1, "--fail-on wins over the file");
    let (_kinds_dir, kinds) =
        policy("[allow]\nkinds = [\"long_lived_key\", \"unattributed_session\"]\n");
    let (_, document) = scan_sample_under(&kinds, &[]);
    assert_eq!(document["summary"]["silenced"], 2);
}

#[test]
fn an_unknown_key_names_the_key_and_the_line() {
    let (_dir, config) = policy("[allow]\nroles = []\nrole = [\"typo\"]\n");
    let message = assert_exit(2, &["scan", &logs(), "--config", config.to_str().unwrap()]);
    assert!(
        message.contains("unknown field `role`") && message.contains("line 3"),
        "{message}"
    );
}

#[test]
fn extra_triggers_and_the_link_window_come_from_the_policy() {
    let pipes = RoleSession::new(
        "arn:aws:iam::444455556666:role/service-role/PipesRole",
        "pipes",
        "ASIAWO645SY5PIPESP01",
        "2026-03-02T09:20:00Z",
    );
    let mut start = event(
        "f8000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:00Z",
        "pipes.amazonaws.com",
        "StartPipe",
        DATA,
        sso_session(
            DATA,
            "alice@example.com",
            "b2c3d4e5-6789-01ab-cdef-222222222222",
            "ASIAWO645SY5ALICE009",
            "2026-03-02T08:30:12Z",
        ),
    );
    start["requestParameters"] = json!({"name": "orders"});
    let dir = tempfile::tempdir().unwrap();
    deliver(
        dir.path(),
        DATA,
        "0935",
        &[
            start,
            pipes.assumed_by(
                "f8000000-0000-4000-8000-000000000002",
                aws_service("pipes.amazonaws.com"),
            ),
            pipes.call(
                "f8000000-0000-4000-8000-000000000003",
                "2026-03-02T09:20:01Z",
                "sqs.amazonaws.com",
                "ReceiveMessage",
            ),
        ],
    );
    let (_, document) = scan_json(&[dir.path()], &[]);
    assert_eq!(document["findings"], json!([]), "not a built-in trigger");
    let config = write_file(dir.path(), "policy/tip-audit.toml",
        b"link_window = \"30m\"\n[[trigger]]\nevent_source = \"pipes.amazonaws.com\"\nevent_names = [\"StartPipe\"]\nprincipals = [\"pipes.amazonaws.com\"]\n");
    let (_, document) = scan_json(&[dir.path()], &["--config", config.to_str().unwrap()]);
    assert_eq!(
        column(&document, "findings", "kind"),
        ["identity_lost"],
        "20 minutes is inside the policy's 30-minute window"
    );
    let (_, document) = scan_json(
        &[dir.path()],
        &["--config", config.to_str().unwrap(), "--link-window", "10m"],
    );
    assert_eq!(
        document["findings"],
        json!([]),
        "--link-window wins over the file"
    );
}

#[test]
fn a_baseline_accepts_todays_findings_and_fails_on_a_new_break() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    assert_exit(
        0,
        &[
            "scan",
            &logs(),
            "--format",
            "json",
            "--write-baseline",
            baseline.to_str().unwrap(),
        ],
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    assert_eq!(written["schema"], "tip-audit/baseline/v1");
    let (code, document) = scan_json(
        &[&sample_logs()],
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(code, 0, "every finding is in the baseline");
    assert_eq!(document["summary"]["baselined"], 7);
    // A previous JSON report works as a baseline too.
    let report = write_file(
        dir.path(),
        "previous.json",
        serde_json::to_string(&scan_json(&[&sample_logs()], &[]).1)
            .unwrap()
            .as_bytes(),
    );
    let (code, _) = scan_json(
        &[&sample_logs()],
        &["--baseline", report.to_str().unwrap(), "--fail-on", "high"],
    );
    assert_eq!(code, 0);

    // A copy of the estate with one new break: a Glue job under a new role, started by erin.
    let copy = dir.path().join("estate");
    copy_dir(&sample_logs(), &copy);
    let erin = sso_session(
        DATA,
        "erin@example.com",
        "a1b2c3d4-5678-90ab-cdef-111111111111",
        "ASIAWO645SY5ERINNEW1",
        "2026-03-02T13:30:00Z",
    );
    write_nightly_export(&copy, erin);
    let (code, document) = scan_json(
        &[&copy],
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(code, 1);
    let new: Vec<&Value> = document["findings"].as_array().unwrap().iter().collect();
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(
        new[0]["break_event_id"],
        "f9000000-0000-4000-8000-000000000003"
    );
    assert_eq!(new[0]["role_arn"], NIGHTLY_EXPORT_ROLE);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn init_writes_a_policy_that_scans_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tip-audit.toml");
    tip().args(["init", "-o"]).arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[allow]") && text.contains("[[trigger]]"));
    tip().args(["init", "-o"]).arg(&path).assert().code(2);
    tip()
        .args(["init", "--force", "-o"])
        .arg(&path)
        .assert()
        .success();
    let (code, _) = scan_sample_under(&path, &[]);
    assert_eq!(code, 0);
}
