//! Issue 13: one provenance block everywhere. The JSON documents (scan, chains, timeline) carry
//! `provenance`: the tool and its version, the inputs as given, the filters, the policy file and
//! its SHA-256; SARIF the same in `tool.driver` and `invocations`, the HTML page in its header.
//! No wall-clock time, so two runs over the same logs write the same bytes. A `tip-audit.toml`
//! picked up from the current directory is also named on standard error.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::util::*;

/// A policy that changes nothing.
const POLICY: &str = "# accepts nothing\nlink_window = \"15m\"\n";

/// The SHA-256 of a file's bytes, in hex.
fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn the_scan_document_names_the_tool_inputs_filters_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_file(dir.path(), "team/policy.toml", POLICY.as_bytes());
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    let (code, document) = run_json(&[
        "scan",
        logs,
        "--format",
        "json",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-02T23:00:00Z",
        "--account",
        "111122223333",
        "--region",
        "us-east-1",
        "--config",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let provenance = &document["provenance"];
    assert_eq!(
        provenance["tool"],
        json!({"name": "tip-audit", "version": env!("CARGO_PKG_VERSION")})
    );
    assert_eq!(provenance["inputs"], json!([logs]));
    assert_eq!(
        provenance["filters"],
        json!({
            "since": "2026-03-01T00:00:00Z",
            "until": "2026-03-02T23:00:00Z",
            "accounts": ["111122223333"],
            "regions": ["us-east-1"]
        }),
        "times as resolved: a date is its first second"
    );
    assert_eq!(
        provenance["policy"],
        json!({"path": policy.to_str().unwrap(), "sha256": sha256_of(&policy), "source": "given"})
    );
    let keys: BTreeSet<&str> = provenance
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["filters", "inputs", "policy", "tool"]),
        "nothing else, and no wall-clock time"
    );
}

#[test]
fn inputs_are_named_as_given_not_resolved() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_, document) = json_of(
        tip()
            .current_dir(root)
            .args(["scan", "./sample-logs/", "-", "--format", "json"])
            .write_stdin(""),
    );
    let provenance = &document["provenance"];
    assert_eq!(provenance["inputs"], json!(["./sample-logs/", "-"]));
    assert_eq!(
        provenance["filters"],
        json!({"since": null, "until": null, "accounts": [], "regions": []})
    );
    assert_eq!(
        provenance["policy"],
        Value::Null,
        "no --config, no ./tip-audit.toml"
    );
}

#[test]
fn a_policy_picked_up_from_the_current_directory_is_named_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_file(dir.path(), "tip-audit.toml", POLICY.as_bytes());
    let sha256 = sha256_of(&policy);
    let logs = sample_logs();
    let in_dir = |args: &[&str]| {
        let mut cmd = tip();
        cmd.current_dir(dir.path())
            .arg(args[0])
            .arg(&logs)
            .args(&args[1..]);
        finish(&mut cmd)
    };
    let (code, stdout, stderr) = in_dir(&["scan", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "tip-audit: using tip-audit.toml from the current directory as the policy file (sha256 {sha256})"
        )),
        "{stderr}"
    );
    let document: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        document["provenance"]["policy"],
        json!({"path": "tip-audit.toml", "sha256": sha256, "source": "current_directory"})
    );
    let (_, _, stderr) = in_dir(&["chains", "--format", "json"]);
    assert!(stderr.contains("from the current directory"), "{stderr}");
    let (_, _, stderr) = in_dir(&["scan", "--format", "json", "--quiet"]);
    assert_eq!(stderr, "", "--quiet silences it, like every note");
    let (_, stdout, stderr) = in_dir(&["scan", "--format", "json", "--config", "tip-audit.toml"]);
    assert_eq!(stderr, "", "named with --config: the command line says it");
    let document: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(document["provenance"]["policy"]["source"], "given");
    assert_eq!(document["provenance"]["policy"]["sha256"], sha256.as_str());
}

#[test]
fn two_runs_over_the_same_logs_write_the_same_bytes() {
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    for format in ["json", "sarif", "html"] {
        let args = ["scan", logs, "--format", format, "--since", "2026-03-02"];
        let (_, first) = run(&args);
        let (_, second) = run(&args);
        assert!(first.contains(env!("CARGO_PKG_VERSION")), "{format}");
        assert_eq!(first, second, "{format}: no time of day in the report");
    }
}

#[test]
fn sarif_carries_the_provenance_in_the_tool_and_the_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_file(dir.path(), "policy.toml", POLICY.as_bytes());
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    let policy_arg = policy.to_str().unwrap();
    let args = [
        "scan",
        logs,
        "--format",
        "sarif",
        "--since",
        "2026-03-01",
        "--config",
        policy_arg,
    ];
    let (code, sarif) = run_json(&args);
    assert_eq!(code, 0);
    let errors: Vec<String> = sarif_schema()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let sarif_run = &sarif["runs"][0];
    assert_eq!(sarif_run["tool"]["driver"]["name"], "tip-audit");
    assert_eq!(
        sarif_run["tool"]["driver"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    let invocation = &sarif_run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let arguments: Vec<&str> = std::iter::once("tip-audit")
        .chain(args.iter().copied())
        .collect();
    assert_eq!(
        invocation["arguments"],
        json!(arguments),
        "as given, the program named tip-audit"
    );
    let command_line = invocation["commandLine"].as_str().unwrap();
    assert!(
        command_line.starts_with("tip-audit scan ")
            && command_line.contains(" --since 2026-03-01 --config "),
        "{command_line}"
    );
    let (_, document) = run_json(&[
        "scan",
        logs,
        "--format",
        "json",
        "--since",
        "2026-03-01",
        "--config",
        policy_arg,
    ]);
    let provenance = &document["provenance"];
    let properties = &invocation["properties"];
    for key in ["inputs", "filters", "policy"] {
        assert_eq!(properties[key], provenance[key], "{key}");
    }
    assert_eq!(properties["policy"]["sha256"], sha256_of(&policy).as_str());
}

#[test]
fn chains_and_timeline_documents_carry_the_same_block() {
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    let with_filter = |args: &[&str]| run_json(&[args, &["--since", "2026-03-02"][..]].concat());
    let (_, scan) = with_filter(&["scan", logs, "--format", "json"]);
    assert_eq!(
        scan["provenance"]["filters"]["since"],
        "2026-03-02T00:00:00Z"
    );
    let (code, chains) = with_filter(&["chains", logs, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(chains["schema"], "tip-audit/chains/v1");
    assert_eq!(chains["provenance"], scan["provenance"]);
    let (code, timeline) = with_filter(&[
        "timeline",
        logs,
        "--human",
        "dave@example.com",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(timeline["schema"], "tip-audit/timeline/v1");
    assert_eq!(timeline["provenance"], scan["provenance"]);
}

#[test]
fn the_html_header_names_the_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_file(dir.path(), "policy.toml", POLICY.as_bytes());
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    let (code, html) = run(&[
        "scan",
        logs,
        "--format",
        "html",
        "--account",
        "444455556666",
        "--config",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let header = html
        .lines()
        .find(|line| line.contains("id=\"provenance\""))
        .expect("a provenance line");
    for part in [
        format!("tip-audit {}", env!("CARGO_PKG_VERSION")),
        format!("inputs: {logs}"),
        "filters: --account 444455556666".to_owned(),
        format!("policy: {}", policy.display()),
        sha256_of(&policy),
    ] {
        assert!(header.contains(&part), "{part} in {header}");
    }
    assert!(
        html.find("id=\"provenance\"") < html.find("<h2>"),
        "in the header, before the first section"
    );
}

#[test]
fn the_verify_document_names_the_tool_and_inputs() {
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    let (_, document) = run_json(&["verify", logs, "--format", "json"]);
    assert_eq!(document["schema"], "tip-audit/verify/v1");
    assert_eq!(
        document["provenance"],
        json!({
            "tool": {"name": "tip-audit", "version": env!("CARGO_PKG_VERSION")},
            "inputs": [logs],
            "filters": {"since": null, "until": null, "accounts": [], "regions": []},
            "policy": null
        })
    );
}
