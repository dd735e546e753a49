//! Console sign-ins (issue 12, item 3): each `ConsoleLogin` starts a sign-in of its own; a
//! person's events with neither access key nor `creationDate` go to the sign-in before them
//! (within 12 hours), else to a session per day; console credentials whose `creationDate` is a
//! sign-in's time belong to it.

use serde_json::{Value, json};

use crate::util::*;

const ROOT: &str = "arn:aws:iam::444455556666:root";

fn root(key: Option<&str>, created: Option<&str>) -> Value {
    let mut identity = json!({"type": "Root", "principalId": DATA, "arn": ROOT, "accountId": DATA});
    if let Some(key) = key {
        identity["accessKeyId"] = json!(key);
    }
    if let Some(created) = created {
        identity["sessionContext"] = json!({"sessionIssuer": {}, "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "true"}});
    }
    identity
}

fn console_login(id: &str, time: &str) -> Value {
    let mut e = event(
        id,
        time,
        "signin.amazonaws.com",
        "ConsoleLogin",
        DATA,
        root(None, None),
    );
    e["readOnly"] = json!(false);
    e["responseElements"] = json!({"ConsoleLogin": "Success"});
    e["additionalEventData"] = json!({"LoginTo": "https://console.aws.amazon.com/console/home",
        "MobileVersion": "No", "MFAUsed": "Yes"});
    e
}

fn keyless(id: &str, time: &str, name: &str) -> Value {
    event(id, time, "iam.amazonaws.com", name, DATA, root(None, None))
}

#[test]
fn three_sign_ins_are_three_chains() {
    let records = vec![
        console_login(
            "e9000000-0000-4000-8000-000000000001",
            "2026-03-02T08:00:00Z",
        ),
        keyless(
            "e9000000-0000-4000-8000-000000000002",
            "2026-03-02T08:05:00Z",
            "GetAccountSummary",
        ),
        keyless(
            "e9000000-0000-4000-8000-000000000003",
            "2026-03-02T08:10:00Z",
            "ListUsers",
        ),
        console_login(
            "e9000000-0000-4000-8000-000000000004",
            "2026-03-02T19:00:00Z",
        ),
        keyless(
            "e9000000-0000-4000-8000-000000000005",
            "2026-03-02T19:03:00Z",
            "ListRoles",
        ),
        console_login(
            "e9000000-0000-4000-8000-000000000006",
            "2026-03-03T09:00:00Z",
        ),
        event(
            "e9000000-0000-4000-8000-000000000007",
            "2026-03-03T09:01:00Z",
            "ec2.amazonaws.com",
            "DescribeInstances",
            DATA,
            root(Some("ASIAWO645SY5ROOTCON1"), Some("2026-03-03T09:00:00Z")),
        ),
        // Two days later, with no sign-in in the logs: a session of its own for that day.
        keyless(
            "e9000000-0000-4000-8000-000000000008",
            "2026-03-05T10:00:00Z",
            "ListUsers",
        ),
        keyless(
            "e9000000-0000-4000-8000-000000000009",
            "2026-03-05T11:00:00Z",
            "ListRoles",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    write_trail_file(
        dir.path(),
        &trail_key(DATA, "0905", "0000000000000000"),
        &records,
    );
    let (code, document) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{document:#}");
    let s = &document["summary"];
    assert_eq!(
        s["sessions"], 5,
        "three sign-ins, their console key, one day: {s:#}"
    );
    assert_eq!(s["chains"], 4, "{s:#}");
    assert_eq!(s["humans"], 1);

    let output = tip()
        .args(["chains", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let chains: Value = serde_json::from_slice(&output.stdout).unwrap();
    let third = chains["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["nodes"].as_array().unwrap().len() == 2)
        .unwrap_or_else(|| panic!("the third sign-in holds its console key: {chains:#}"));
    assert_eq!(third["nodes"][1]["edge"], "signed_in", "{third:#}");
}
