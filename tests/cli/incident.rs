//! Incident response (issue 5): timelines, chains in four formats, people by name, the HTML report.

use std::path::Path;
use std::process::Command as Process;

use serde_json::{Value, json};

use crate::util::*;

/// `tip-audit <command> <sample logs> more…`: (exit code, stdout).
fn on_sample(command: &str, more: &[&str]) -> (i32, String) {
    let logs = sample_logs();
    run(&[&[command, logs.to_str().unwrap()][..], more].concat())
}

/// `tip-audit <command> <sample logs> more… --format json`, which must succeed: the document.
fn json_on_sample(command: &str, more: &[&str]) -> Value {
    let logs = sample_logs();
    let args = [
        &[command, logs.to_str().unwrap()][..],
        more,
        &["--format", "json"],
    ]
    .concat();
    let (code, document) = run_json(&args);
    assert_eq!(code, 0, "{args:?}");
    document
}

fn session_events(label: &str) -> usize {
    let answer = expected();
    answer["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == label)
        .unwrap()["events"]
        .as_u64()
        .unwrap() as usize
}

fn break_event(role: &str, human: &str) -> String {
    let answer = expected();
    answer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["kind"] == "identity_lost"
                && f["human"] == human
                && f["role_arn"].as_str().unwrap().ends_with(role)
        })
        .unwrap()["break_event_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Whether an external tool is here; in CI (`CI` set) it must be.
fn have(tool: &str) -> bool {
    let found = Process::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} must be installed in CI (.ci/run installs it)"
        );
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

#[test]
fn daves_timeline_shows_his_events_then_the_redshift_role_lost() {
    let document = json_on_sample("timeline", &["--human", "dave@example.com"]);
    let rows = document["events"].as_array().unwrap();
    // The portal call, the SAML sign-in, his permission-set session, then the shared role: one
    // chain rooted at the portal session (issue 12, item 1), so the sign-in is at depth 1, the
    // permission-set session at 2 and the shared role at 3.
    assert_eq!(
        rows.len(),
        2 + session_events("K_dave") + session_events("K_rs2")
    );
    let times: Vec<&str> = rows.iter().map(|r| r["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");
    let breaks: Vec<&Value> = rows.iter().filter(|r| r["is_break"] == true).collect();
    assert_eq!(breaks.len(), 1);
    assert_eq!(
        breaks[0]["event_id"],
        break_event("RedshiftSharedServiceRole", "dave@example.com")
    );
    let lost: Vec<&Value> = rows.iter().filter(|r| r["status"] == "lost").collect();
    assert_eq!(lost.len(), session_events("K_rs2"));
    for row in &lost {
        assert!(
            row["principal"]
                .as_str()
                .unwrap()
                .contains(":assumed-role/RedshiftSharedServiceRole/")
        );
        assert_eq!(row["evidence"], Value::Null, "a lost event names nobody");
        assert_eq!(row["depth"], 3);
        assert!(row["time"].as_str().unwrap() >= breaks[0]["time"].as_str().unwrap());
    }
    let statement = rows
        .iter()
        .find(|r| r["action"] == "ExecuteStatement")
        .unwrap();
    assert_eq!(statement["status"], "propagated");
    assert_eq!(statement["evidence"], "on_behalf_of");
    assert_eq!(statement["depth"], 2);
    let sign_in = rows
        .iter()
        .find(|r| r["action"] == "AssumeRoleWithSAML")
        .unwrap();
    assert_eq!(sign_in["depth"], 1);
    assert!(
        rows.iter()
            .all(|r| r["file"].as_str().unwrap().ends_with(".json.gz"))
    );
}

#[test]
fn carols_glue_timeline_in_every_format() {
    let expected_rows = 2 + session_events("K_carol") + session_events("K_glue");
    let document = json_on_sample("timeline", &["--human", "carol@example.com"]);
    assert_eq!(document["events"].as_array().unwrap().len(), expected_rows);
    let (_, lines) = on_sample(
        "timeline",
        &["--human", "carol@example.com", "--format", "jsonl"],
    );
    assert_eq!(lines.lines().count(), expected_rows);
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first, document["events"][0]);
    let (_, csv) = on_sample(
        "timeline",
        &["--human", "carol@example.com", "--format", "csv"],
    );
    assert!(csv.starts_with("time,event_id,account,region,service,action,principal,evidence,status,depth,error_code,break,chain_id,file\n"));
    assert_eq!(csv.lines().count(), expected_rows + 1);
    assert_eq!(
        csv.lines().filter(|l| l.contains(",lost,")).count(),
        session_events("K_glue")
    );
    let (_, table) = on_sample("timeline", &["--human", "carol@example.com"]);
    assert!(table.starts_with(&format!(
        "Timeline of carol@example.com: {expected_rows} events, {} after a break (lost)",
        session_events("K_glue")
    )));
    assert!(table.contains("lost (break)"));
}

#[test]
fn an_iam_user_is_found_by_name_across_accounts() {
    let document = json_on_sample("timeline", &["--human", "ci-deployer"]);
    let rows = document["events"].as_array().unwrap();
    assert_eq!(
        document["human"],
        "arn:aws:iam::111122223333:user/ci-deployer"
    );
    let depths: std::collections::BTreeSet<u64> =
        rows.iter().map(|r| r["depth"].as_u64().unwrap()).collect();
    assert_eq!(depths, [0, 1, 2].into());
    let accounts: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["account"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, ["111122223333", "444455556666"].into());
    assert!(
        rows.iter()
            .filter(|r| r["depth"] != 0)
            .all(|r| r["status"] == "reconstructable" && r["evidence"] == "lineage")
    );
}

#[test]
fn an_unknown_person_is_a_usage_error() {
    let logs = sample_logs();
    let stderr = assert_exit(
        2,
        &[
            "timeline",
            logs.to_str().unwrap(),
            "--human",
            "mallory@example.com",
        ],
    );
    assert!(stderr.contains("no person named \"mallory@example.com\""));
}

#[test]
fn users_export_names_people_and_finds_them_by_display_name_or_email() {
    let dir = tempfile::tempdir().unwrap();
    let users = json!({"Users": [
        {"IdentityStoreId": "d-9067a1b2c3", "UserId": "b2c3d4e5-6789-01ab-cdef-222222222222", "UserName": "alice.liddell",
         "DisplayName": "Alice Liddell", "Emails": [{"Value": "alice@example.com", "Type": "work", "Primary": true}]}]});
    let second_page = json!({"Users": [{"IdentityStoreId": "d-9067a1b2c3", "UserId": "c3d4e5f6-7890-12ab-cdef-333333333333",
        "UserName": "dave.bowman", "DisplayName": "Dave Bowman"}]});
    let path = write_file(
        dir.path(),
        "users.json",
        format!("{users}\n{second_page}\n").as_bytes(),
    );
    let logs = sample_logs();
    let (_, document) = scan_json(&[&logs], &["--users", path.to_str().unwrap()]);
    let humans = strings(&document, "findings", "human");
    assert!(
        humans.contains(&"alice.liddell") && humans.contains(&"dave.bowman"),
        "{humans:?}"
    );
    let timeline = json_on_sample(
        "timeline",
        &["--users", path.to_str().unwrap(), "--human", "Dave Bowman"],
    );
    assert_eq!(timeline["human"], "dave.bowman");
    assert_eq!(
        timeline["events"].as_array().unwrap().len(),
        2 + session_events("K_dave") + session_events("K_rs2")
    );
}

#[test]
fn chains_as_text_mark_the_break() {
    let (_, text) = on_sample("chains", &["--human", "frank@example.com"]);
    let lost = text
        .lines()
        .find(|l| l.contains("invoice-export-role/"))
        .unwrap();
    assert!(
        lost.contains("[lost]")
            && lost.contains("via scoped (exact)")
            && lost.ends_with("<- identity lost here"),
        "{lost}"
    );
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn chains_json_can_pick_one_chain() {
    let all = json_on_sample("chains", &[]);
    assert_eq!(all["schema"], "tip-audit/chains/v1");
    let (_, scan) = scan_json(&[&sample_logs()], &[]);
    let id = scan["findings"][0]["chain_id"].as_str().unwrap();
    let one = json_on_sample("chains", &["--chain", id]);
    let chains = one["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1);
    let nodes = chains[0]["nodes"].as_array().unwrap();
    let broken: Vec<&Value> = nodes.iter().filter(|n| n["is_break"] == true).collect();
    assert_eq!(
        broken[0]["first_event_id"],
        scan["findings"][0]["break_event_id"]
    );
    assert_eq!(broken[0]["link"], scan["findings"][0]["link"]);
    let logs = sample_logs();
    assert_exit(
        2,
        &[
            "chains",
            logs.to_str().unwrap(),
            "--chain",
            "ch-000000000000",
        ],
    );
}

#[test]
fn dot_output_renders_with_graphviz() {
    let (_, dot) = on_sample("chains", &["--format", "dot"]);
    assert!(dot.starts_with("digraph chains {"));
    assert!(dot.contains("penwidth=3"), "breaks stand out");
    if !have("dot") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = write_file(dir.path(), "chains.dot", dot.as_bytes());
    let rendered = Process::new("dot")
        .arg("-Tsvg")
        .arg(&source)
        .output()
        .unwrap();
    assert_success(&rendered);
    let svg = String::from_utf8(rendered.stdout).unwrap();
    assert!(svg.contains("<svg") && svg.contains("RedshiftSharedServiceRole"));
}

#[test]
fn mermaid_output_is_a_well_formed_flowchart() {
    let (_, text) = on_sample("chains", &["--format", "mermaid"]);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut defined = std::collections::BTreeSet::new();
    let mut depth = 0i32;
    for line in text.lines().skip(1) {
        let line = line.trim();
        if line.starts_with("subgraph ") {
            depth += 1;
        } else if line == "end" {
            depth -= 1;
        } else if let Some((id, _)) = line.split_once("[\"")
            && !line.contains("-->")
            && !line.contains("-.->")
        {
            defined.insert(id.to_owned());
        } else if line.contains("-->") || line.contains("-.->") {
            let from = line.split_whitespace().next().unwrap();
            let to = line.split_whitespace().last().unwrap();
            assert!(
                defined.contains(from) && defined.contains(to),
                "edge before its nodes: {line}"
            );
        } else {
            assert!(
                line.starts_with("class ") || line.starts_with("classDef "),
                "unexpected line: {line}"
            );
        }
        assert!(
            line.matches('"').count() % 2 == 0,
            "unbalanced quotes: {line}"
        );
        assert!(depth >= 0);
    }
    assert_eq!(depth, 0);
    assert!(text.contains("-.->"), "a break is drawn dashed");
    assert!(text.contains("classDef lost"));
}

#[test]
fn html_report_is_self_contained_and_draws_each_chain() {
    let logs = sample_logs();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    assert_exit(
        0,
        &[
            "scan",
            logs.to_str().unwrap(),
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<script") && !html.contains("http://")
            || html.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );
    assert!(!html.contains("https://"), "no network");
    let (_, scan) = scan_json(&[&logs], &[]);
    let with_chain = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["chain_id"].is_string())
        .count();
    assert_eq!(html.matches("<svg").count(), with_chain);
    assert_eq!(
        html.matches("class=\"finding\"").count(),
        scan["findings"].as_array().unwrap().len()
    );
    assert!(html.contains("identity lost here"));
    render_in_chromium(&page, dir.path());
}

#[test]
fn html_escapes_hostile_strings() {
    let dir = hostile_log("<b>evil</b>\"'&", "<img src=x onerror=alert(1)>");
    let (_, html) = run(&["scan", dir.path().to_str().unwrap(), "--format", "html"]);
    assert!(html.contains("&lt;b&gt;evil&lt;/b&gt;&quot;&#39;&amp;"));
    assert!(!html.contains("<b>evil</b>"));
}

/// Opens the page in headless Chromium: no console errors, the findings in the DOM, and a
/// screenshot under target/ for a person to look at.
fn render_in_chromium(page: &Path, scratch: &Path) {
    if !have("chromium") {
        return;
    }
    let url = format!("file://{}", page.display());
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile = format!("--user-data-dir={}", scratch.join("profile").display());
    let dom = Process::new("chromium")
        .args(base)
        .arg(&profile)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(&url)
        .output()
        .unwrap();
    assert_success(&dom);
    let text = String::from_utf8_lossy(&dom.stdout);
    assert!(text.contains("identity_lost") && text.contains("RedshiftSharedServiceRole"));
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE("),
        "script errors: {log}"
    );
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html-report.png");
    let screenshot = Process::new("chromium")
        .args(base)
        .arg(&profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1400,2400")
        .arg(&url)
        .output()
        .unwrap();
    assert_success(&screenshot);
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "a real picture"
    );
}
