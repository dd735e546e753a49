//! Issue 17: delegated vendor access. A call a product provider made with temporary delegated
//! access carries `userIdentity.invokedByDelegate` (IAM user guide,
//! `temporary-delegation-cloudtrail`): an `AssumedRole` identity of the customer's account, with
//! `invokedByDelegate: {"accountId": <the provider's account>}`. The provider acted, not the
//! customer's person: `scan`, `who`, `timeline` and `chains` name the provider
//! (`delegate:<account id>`, evidence `delegate`), and never the customer's person, even when the
//! provider works in the same role as that person, and even when a log shows it with that person's
//! very credentials.
//!
//! The estate: ops-admin (an IAM user of the customer) assumes `PartnerOnboardingRole` and lists
//! the roles; the vendor, account 999988887777, works in the same role with credentials of its own
//! (from `sts:GetDelegatedAccessToken`, a call of the vendor's, not in the customer's logs): reads
//! ops-admin's inline policy (the user guide's example call) and starts a Glue job, whose session
//! Glue then takes over.

use serde_json::{Value, json};

use crate::util::*;

/// The product provider's account.
const VENDOR: &str = "999988887777";
/// How the provider is named as the one behind its calls.
const VENDOR_NAMED: &str = "delegate:999988887777";
/// The customer's person.
const ADMIN: &str = "arn:aws:iam::111122223333:user/ops-admin";
const ADMIN_KEY: &str = "AKIAWO645SY5OPSADMN1";
/// The role both work in.
const ROLE: &str = "arn:aws:iam::111122223333:role/PartnerOnboardingRole";
/// ops-admin's session of it, issued by the `AssumeRole` in the logs.
const ADMIN_ROLE_KEY: &str = "ASIAWO645SY5OPSROLE1";
const ADMIN_CREATED: &str = "2026-03-02T09:00:02Z";
/// The vendor's credentials for it, issued outside the customer's logs.
const VENDOR_KEY: &str = "ASIAWO645SY5VENDOR01";
const VENDOR_CREATED: &str = "2026-03-02T09:00:40Z";
/// Where the vendor calls from, and with what.
const VENDOR_ADDRESS: &str = "192.0.2.45";
const VENDOR_AGENT: &str = "aws-sdk-java/2.25.40 Linux/5.10.223 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE";
/// The Glue job's role and the session Glue takes for it.
const GLUE_ROLE: &str = "arn:aws:iam::111122223333:role/service-role/AWSGlueServiceRole-partner";
const GLUE_KEY: &str = "ASIAWO645SY5GLUEJOB1";
const GLUE_CREATED: &str = "2026-03-02T09:02:16Z";

/// Event `n` of the story.
fn id(n: u32) -> String {
    format!("de1e9a7e-5b3e-4c1d-9a7f-{n:012x}")
}

/// ops-admin's events: `GetCallerIdentity`, the `AssumeRole`, `ListRoles` with the role.
fn customer_ids() -> Vec<String> {
    vec![id(1), id(2), id(3)]
}

/// The vendor's events: `GetUserPolicy`, `StartJobRun`.
fn vendor_ids() -> Vec<String> {
    vec![id(4), id(5)]
}

/// The Glue job's call, made after Glue took the role for the vendor's run.
fn glue_id() -> String {
    id(7)
}

/// The estate, the vendor's calls made with `vendor_key` as session `vendor_session` created at
/// `vendor_created`: its own credentials, or (a log no one should trust blindly) ops-admin's.
fn estate(vendor_key: &str, vendor_session: &str, vendor_created: &str) -> tempfile::TempDir {
    let admin = iam_user(APPS, "ops-admin", ADMIN_KEY);
    let role = RoleSession::new(ROLE, "ops-admin", ADMIN_ROLE_KEY, ADMIN_CREATED);
    let mut list = role.call(
        &id(3),
        "2026-03-02T09:01:30Z",
        "iam.amazonaws.com",
        "ListRoles",
    );
    list["requestParameters"] = json!({"pathPrefix": "/partner/"});

    // The shape of the IAM user guide's example: the customer's role session, and the
    // provider's account in `invokedByDelegate`.
    let mut vendor = role_session(ROLE, vendor_session, vendor_key, vendor_created);
    vendor["invokedByDelegate"] = json!({"accountId": VENDOR});
    let call = |n: u32, time: &str, source: &str, name: &str| {
        let mut e = event(&id(n), time, source, name, APPS, vendor.clone());
        e["eventVersion"] = json!("1.09");
        e["sourceIPAddress"] = json!(VENDOR_ADDRESS);
        e["userAgent"] = json!(VENDOR_AGENT);
        e
    };
    let mut policy = call(
        4,
        "2026-03-02T09:01:44Z",
        "iam.amazonaws.com",
        "GetUserPolicy",
    );
    policy["requestParameters"] =
        json!({"userName": "ops-admin", "policyName": "ops-admin-inline"});
    let mut start = call(
        5,
        "2026-03-02T09:02:10Z",
        "glue.amazonaws.com",
        "StartJobRun",
    );
    start["requestParameters"] =
        json!({"jobName": "partner-ingest", "workerType": "G.1X", "numberOfWorkers": 2});
    start["responseElements"] =
        json!({"jobRunId": "jr_5f0c3e7a9b1d2f4e6a8c0b2d4f6e8a0c1e3f5a7b9d1c3e5f7a9b1d3c5e7f9a1b"});
    start["readOnly"] = json!(false);

    // Glue takes the job's role for the run.
    let mut glue_assume = assume_role(
        &id(6),
        GLUE_CREATED,
        APPS,
        aws_service("glue.amazonaws.com"),
        GLUE_ROLE,
        "GlueJobRunnerSession",
        GLUE_KEY,
    );
    glue_assume["sourceIPAddress"] = json!("glue.amazonaws.com");
    glue_assume["userAgent"] = json!("glue.amazonaws.com");
    let glue = RoleSession::new(GLUE_ROLE, "GlueJobRunnerSession", GLUE_KEY, GLUE_CREATED);
    let mut table = glue.call(
        &glue_id(),
        "2026-03-02T09:02:31Z",
        "glue.amazonaws.com",
        "GetTable",
    );
    table["sourceIPAddress"] = json!("10.0.14.37");
    table["userAgent"] = json!(MACHINE_AGENT);
    table["requestParameters"] = json!({"databaseName": "partner", "name": "ingest"});

    let records = vec![
        event(
            &id(1),
            "2026-03-02T09:00:00Z",
            "sts.amazonaws.com",
            "GetCallerIdentity",
            APPS,
            admin.clone(),
        ),
        role.assumed_by(&id(2), admin),
        list,
        policy,
        start,
        glue_assume,
        table,
    ];
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), APPS, "0905", &records);
    dir
}

/// The vendor with credentials of its own, in ops-admin's role.
fn own_credentials() -> tempfile::TempDir {
    estate(VENDOR_KEY, "partner-setup", VENDOR_CREATED)
}

/// The vendor's calls logged with ops-admin's very session (same key, name and creation date).
fn admins_credentials() -> tempfile::TempDir {
    estate(ADMIN_ROLE_KEY, "ops-admin", ADMIN_CREATED)
}

/// `tip-audit args…`, which must succeed: its JSON document.
fn ok_json(args: &[&str]) -> Value {
    let (code, document) = run_json(args);
    assert_eq!(code, 0, "{args:?}: {document:#}");
    document
}

/// `who <dir> args… --format json`: the subjects of its only answer.
fn who(dir: &tempfile::TempDir, args: &[&str]) -> Vec<Value> {
    let path = dir.path().to_str().unwrap();
    let all = [&["who", path][..], args, &["--format", "json"][..]].concat();
    let document = ok_json(&all);
    let answers = document["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1, "{document:#}");
    answers[0]["subjects"].as_array().unwrap().clone()
}

/// `timeline <dir> args… --format json`: its events.
fn timeline(dir: &tempfile::TempDir, args: &[&str]) -> Vec<Value> {
    let path = dir.path().to_str().unwrap();
    let all = [&["timeline", path][..], args, &["--format", "json"][..]].concat();
    ok_json(&all)["events"].as_array().unwrap().clone()
}

/// The event ids of some timeline rows, sorted.
fn ids_of(rows: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = rows
        .iter()
        .map(|r| r["event_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Whatever credentials the vendor's calls name, the vendor is behind them, never ops-admin.
fn assert_the_vendor_acted(dir: &tempfile::TempDir) {
    let path = dir.path().to_str().unwrap();

    // scan: the vendor's hand-off to Glue is the vendor's lost identity; nothing of the
    // vendor's is ops-admin's.
    let (_, scan) = scan_json(&[dir.path()], &[]);
    let findings = scan["findings"].as_array().unwrap();
    let lost: Vec<&Value> = findings
        .iter()
        .filter(|f| f["kind"] == "identity_lost")
        .collect();
    assert_eq!(lost.len(), 1, "{scan:#}");
    assert_eq!(lost[0]["human"], VENDOR_NAMED);
    assert_eq!(lost[0]["principal_kind"], "delegate");
    assert_eq!(lost[0]["evidence"], "delegate");
    assert_eq!(lost[0]["break_event_id"], glue_id());
    assert_eq!(lost[0]["service"], "glue.amazonaws.com");
    for finding in findings {
        if finding["human"] == ADMIN {
            let at = finding["break_event_id"].as_str().unwrap().to_owned();
            assert!(customer_ids().contains(&at), "{finding:#}");
            assert!(
                finding["events_after_break"].as_u64().unwrap() <= 3,
                "ops-admin made three calls: {finding:#}"
            );
        }
    }
    assert_eq!(scan["summary"]["humans"], 1, "ops-admin is the only person");
    assert_eq!(scan["summary"]["workloads"], 0, "a provider is no workload");

    // who, by event: the vendor, named by the event itself; no path up to ops-admin.
    for vendor_event in vendor_ids() {
        let subjects = who(dir, &["--event", vendor_event.as_str()]);
        assert_eq!(subjects.len(), 1);
        let subject = &subjects[0];
        assert_eq!(subject["event"]["delegate"], VENDOR, "{subject:#}");
        assert_eq!(subject["person"], VENDOR_NAMED, "{subject:#}");
        assert_eq!(subject["principal_kind"], "delegate");
        assert_eq!(subject["evidence"], "delegate");
        assert_eq!(subject["status"], "propagated");
        assert_eq!(subject["link"], Value::Null, "the event names them itself");
        let path = subject["path"].as_array().unwrap();
        assert_eq!(path.len(), 1, "{subject:#}");
        assert_eq!(path[0]["delegates"], json!([VENDOR]));
        assert_eq!(path[0]["evidence"], "delegate");
        assert!(
            path.iter().all(|hop| hop["principal"] != ADMIN),
            "{subject:#}"
        );
        assert_eq!(subject["session"]["delegates"], json!([VENDOR]));
    }
    // The Glue run the vendor started: the vendor's, lost at Glue.
    let glue = who(dir, &["--event", glue_id().as_str()]).remove(0);
    assert_eq!(glue["person"], VENDOR_NAMED, "{glue:#}");
    assert_eq!(glue["status"], "lost");
    assert_eq!(glue["lost_at"]["hop"], 1);
    let edges: Vec<Value> = glue["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hop| hop["edge"].clone())
        .collect();
    assert_eq!(edges, [Value::Null, json!("service_trigger")]);
    assert_eq!(glue["path"][0]["delegates"], json!([VENDOR]));
    assert_eq!(glue["path"][1]["via"]["event_id"], id(5));

    // ops-admin's own calls stay ops-admin's, in a chain of their own.
    let admin = who(dir, &["--event", id(3).as_str()]).remove(0);
    assert_eq!(admin["person"], ADMIN, "{admin:#}");
    assert_eq!(admin["principal_kind"], "person");
    assert_eq!(admin["session"]["delegates"], json!([]));
    let vendor_chain = who(dir, &["--event", id(4).as_str()])[0]["chain_id"].clone();
    assert!(vendor_chain.is_string());
    assert_ne!(admin["chain_id"], vendor_chain);

    // who, by address: from the vendor's, only the vendor's session.
    let from_vendor = who(dir, &["--ip", VENDOR_ADDRESS]);
    assert_eq!(from_vendor.len(), 1);
    assert_eq!(from_vendor[0]["person"], VENDOR_NAMED);
    let from_admin = who(dir, &["--ip", PERSON_ADDRESS]);
    assert!(!from_admin.is_empty());
    assert!(
        from_admin.iter().all(|s| s["person"] == ADMIN),
        "{from_admin:#?}"
    );

    // The text says who acted, and that they are not the customer's.
    let (code, text, stderr) = finish(tip().args(["who", path, "--event", id(4).as_str()]));
    assert_eq!(code, 0, "{stderr}");
    for shown in [
        "made by a product provider, account 999988887777 (invokedByDelegate)",
        "Person: delegate:999988887777 (a product provider with delegated access, not the customer's person)",
        "named by it (delegate)",
    ] {
        assert!(text.contains(shown), "{shown:?} is not in:\n{text}");
    }
    assert!(!text.contains(ADMIN), "{text}");

    // timeline: ops-admin's is his three calls; the vendor's, its calls and the Glue run.
    let admins = timeline(dir, &["--human", "ops-admin"]);
    assert_eq!(ids_of(&admins), customer_ids());
    assert!(admins.iter().all(|r| r["delegate"].is_null()));
    let vendors = timeline(dir, &["--human", VENDOR_NAMED]);
    let mut expected = vendor_ids();
    expected.push(glue_id());
    assert_eq!(ids_of(&vendors), expected);
    assert!(
        vendors.iter().all(|r| r["person"] == VENDOR_NAMED),
        "{vendors:#?}"
    );
    for row in &vendors {
        if vendor_ids().contains(&row["event_id"].as_str().unwrap().to_owned()) {
            assert_eq!(row["delegate"], VENDOR, "{row:#}");
            assert_eq!(row["evidence"], "delegate");
            assert_eq!(row["status"], "propagated");
        } else {
            assert_eq!(row["status"], "lost");
            assert_eq!(row["is_break"], true);
        }
    }
    // The account id alone names the provider too.
    assert_eq!(ids_of(&timeline(dir, &["--human", VENDOR])), expected);
    // Timesketch lines carry it flat.
    let (code, lines, stderr) = finish(tip().args([
        "timeline",
        path,
        "--human",
        VENDOR_NAMED,
        "--format",
        "timesketch",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["event_id"], id(4));
    assert_eq!(first["person"], VENDOR_NAMED);
    assert_eq!(first["delegate"], VENDOR);
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .ends_with(", by delegate account 999988887777"),
        "{first}"
    );

    // chains: the vendor's chain is the provider's; ops-admin's holds nothing of it.
    let chains = ok_json(&["chains", path, "--format", "json"]);
    let chains = chains["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 2, "{chains:#?}");
    let vendor = chains.iter().find(|c| c["human"] == VENDOR_NAMED).unwrap();
    assert_eq!(vendor["principal_kind"], "delegate");
    assert_eq!(vendor["evidence"], "delegate");
    let delegates: Vec<Value> = vendor["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["delegates"].clone())
        .collect();
    assert_eq!(
        delegates,
        [json!([VENDOR]), json!([])],
        "the provider, then Glue"
    );
    let admin = chains.iter().find(|c| c["human"] == ADMIN).unwrap();
    assert_eq!(admin["principal_kind"], "person");
    for node in admin["nodes"].as_array().unwrap() {
        assert_eq!(node["delegates"], json!([]), "{node:#}");
    }
    let (code, text, stderr) = finish(tip().args(["chains", path]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.contains("delegate:999988887777 (delegate, 2 sessions)"),
        "{text}"
    );
    assert!(text.contains("(delegate account 999988887777)"), "{text}");
    for format in ["dot", "mermaid"] {
        let (code, drawing, stderr) = finish(tip().args(["chains", path, "--format", format]));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            drawing.contains("delegate account 999988887777"),
            "{format}:\n{drawing}"
        );
    }
}

#[test]
fn a_vendors_delegated_calls_in_a_customers_role_are_never_the_customers_person() {
    let dir = own_credentials();
    assert_the_vendor_acted(&dir);

    // Its key: the vendor, and the answer says the STS call that issued it is not in the logs
    // (the provider's `GetDelegatedAccessToken` is the provider's).
    let by_key = who(&dir, &["--key", VENDOR_KEY]);
    assert_eq!(by_key.len(), 1);
    assert_eq!(by_key[0]["person"], VENDOR_NAMED);
    assert_eq!(by_key[0]["issuing_call"], Value::Null);
    assert_eq!(
        by_key[0]["note"],
        "the STS call that issued this key is not in these logs"
    );
    // ops-admin's key of the same role: ops-admin, issued by his AssumeRole.
    let by_key = who(&dir, &["--key", ADMIN_ROLE_KEY]);
    assert_eq!(by_key.len(), 1);
    assert_eq!(by_key[0]["person"], ADMIN);
    assert_eq!(by_key[0]["evidence"], "lineage");
    assert_eq!(by_key[0]["issuing_call"]["event_id"], id(2));
    assert_eq!(by_key[0]["issuing_call"]["action"], "AssumeRole");
    assert_eq!(by_key[0]["note"], Value::Null);

    // The HTML report draws the provider's chain with its account.
    let (_, html) = run(&["scan", dir.path().to_str().unwrap(), "--format", "html"]);
    assert!(html.contains("delegate account 999988887777"), "{html}");
}

#[test]
fn a_vendors_calls_logged_with_the_customers_own_session_are_still_the_vendors() {
    let dir = admins_credentials();
    assert_the_vendor_acted(&dir);

    // One key, two sets of credentials: ops-admin's, and the vendor's use of it.
    let by_key = who(&dir, &["--key", ADMIN_ROLE_KEY]);
    let people: Vec<&str> = by_key
        .iter()
        .map(|s| s["person"].as_str().unwrap())
        .collect();
    assert_eq!(people, [ADMIN, VENDOR_NAMED]);
    assert_ne!(
        by_key[0]["session"]["session_id"],
        by_key[1]["session"]["session_id"]
    );
    assert_eq!(
        by_key[0]["session"]["events"], 1,
        "ops-admin's ListRoles only"
    );
    assert_eq!(by_key[1]["session"]["events"], 2);
    assert_eq!(
        by_key[1]["path"].as_array().unwrap().len(),
        1,
        "no hop up to ops-admin"
    );
}
