//! Issue 17: from an indicator to the person. `who` names the person behind an event, an access
//! key, a session or an address, with the path from their sign-in hop by hop and where the
//! identity was lost; an indicator the logs do not hold is an error. `timeline` pivots on keys,
//! sessions, addresses and user agents, and writes JSON Lines Timesketch imports as they are.
//! Delegated vendor access (`invokedByDelegate`) has tests of its own (`delegate.rs`).
//!
//! The stories are the sample estate's: dave's Redshift hand-off (a lost identity on the path),
//! ci-deployer's cross-account role (a key issued by an STS call in the logs), the shared Redshift
//! role used by alice and by dave (one session ARN and one address for two people), the data
//! portal acting for an Identity Center user, and the legacy automation role whose key no call in
//! the logs issued.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::util::*;

/// dave's first call under the shared Redshift role: where his identity was lost.
const DAVE_BREAK: &str = "633cd96f-f501-5275-8135-e33e2154935f";
/// dave's `ExecuteStatement`, the trigger that Redshift's session is linked to by timing.
const DAVE_STATEMENT: &str = "f115ecd8-e234-5c16-84e6-df904125a355";
/// dave's portal request for role credentials, the first hop's link.
const DAVE_PORTAL: &str = "596b03fb-5386-5cb3-b81f-73de8546115f";
/// Identity Center's `AssumeRoleWithSAML` for dave, which issued his permission-set session.
const DAVE_SIGN_IN: &str = "59baeeac-bea6-5be7-a409-51da156f7611";
/// dave's session under the shared Redshift role.
const DAVE_REDSHIFT_KEY: &str = "ASIAWO645SY5F4X3LMG2";
/// The shared Redshift role's session, used for alice and for dave.
const REDSHIFT_SESSION: &str =
    "arn:aws:sts::444455556666:assumed-role/RedshiftSharedServiceRole/RedshiftIamRoleSession";
/// The cross-account deploy role's key, issued by ci-deployer's `AssumeRole`.
const DEPLOY_KEY: &str = "ASIAWO645SY5OBDC2QF2";
/// ci-deployer's `AssumeRole` that issued it.
const DEPLOY_ASSUME: &str = "a8afbfad-95bf-5fd2-84f0-ffa5c879fc2f";
/// ci-deployer's own long-term key.
const DEPLOYER_KEY: &str = "AKIARTX3GSDSZUDG5YV2";
const DEPLOYER: &str = "arn:aws:iam::111122223333:user/ci-deployer";
/// The data portal's address: its own session, and the two it opened for an Identity Center user.
const PORTAL_ADDRESS: &str = "198.51.100.24";
const PORTAL_USER: &str = "a1b2c3d4-5678-90ab-cdef-111111111111";
/// Where the shared Redshift role's calls come from.
const REDSHIFT_ADDRESS: &str = "203.0.113.150";
/// alice's session under the shared Redshift role.
const ALICE_REDSHIFT_KEY: &str = "ASIAWO645SY5NOITKTPV";
/// Redshift's `AssumeRole` that issued dave's key under the shared role.
const DAVE_REDSHIFT_ASSUME: &str = "760e46c5-ad00-5ca3-a322-6b819cc45100";
/// The legacy automation role's key: used, but issued by no call in the logs.
const LEGACY_KEY: &str = "ASIAWO645SY5CPIBMITS";
const LEGACY_SESSION: &str =
    "arn:aws:sts::444455556666:assumed-role/LegacyAutomationRole/cron-sync";

/// `tip-audit who <sample logs> args… --format json`: (exit code, document).
fn who_json(args: &[&str]) -> (i32, Value) {
    let logs = sample_logs();
    let all = [
        &["who", logs.to_str().unwrap()][..],
        args,
        &["--format", "json"][..],
    ]
    .concat();
    run_json(&all)
}

/// `who … --format json`, which must succeed: the document.
fn who_ok(args: &[&str]) -> Value {
    let (code, document) = who_json(args);
    assert_eq!(code, 0, "who {args:?}: {document:#}");
    document
}

/// The subjects of the only answer of a document.
fn subjects(document: &Value) -> Vec<Value> {
    let answers = document["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1, "{document:#}");
    answers[0]["subjects"].as_array().unwrap().clone()
}

/// The one subject of the only answer.
fn only_subject(document: &Value) -> Value {
    let all = subjects(document);
    assert_eq!(all.len(), 1, "{document:#}");
    all[0].clone()
}

/// `field` of each hop of a subject's path (`null` as `-`).
fn hops(subject: &Value, field: &str) -> Vec<String> {
    subject["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hop| hop[field].as_str().unwrap_or("-").to_owned())
        .collect()
}

/// `tip-audit timeline <sample logs> args… --format json`, which must succeed: the document.
fn timeline_json(args: &[&str]) -> Value {
    let logs = sample_logs();
    let all = [
        &["timeline", logs.to_str().unwrap()][..],
        args,
        &["--format", "json"][..],
    ]
    .concat();
    let (code, document) = run_json(&all);
    assert_eq!(code, 0, "timeline {args:?}: {document:#}");
    document
}

/// The event ids of a timeline document, in order.
fn event_ids(document: &Value) -> Vec<String> {
    document["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_event_after_a_break_names_the_person_the_path_and_where_the_identity_was_lost() {
    let document = who_ok(&["--event", DAVE_BREAK]);
    assert_eq!(document["schema"], "tip-audit/who/v1");
    assert_eq!(document["answers"][0]["selector"], "event");
    assert_eq!(document["answers"][0]["value"], DAVE_BREAK);
    let subject = only_subject(&document);

    // The event itself, as logged.
    let event = &subject["event"];
    assert_eq!(event["event_id"], DAVE_BREAK);
    assert_eq!(event["service"], "glue.amazonaws.com");
    assert_eq!(event["action"], "GetTable");
    assert_eq!(event["source_address"], REDSHIFT_ADDRESS);
    assert_eq!(event["access_key"], DAVE_REDSHIFT_KEY);
    assert!(
        event["principal"]
            .as_str()
            .unwrap()
            .ends_with(":assumed-role/RedshiftSharedServiceRole/RedshiftIamRoleSession")
    );

    // The person, although the event names nobody: the link that ties them is by timing.
    assert_eq!(subject["person"], "dave@example.com");
    assert_eq!(subject["principal_kind"], "person");
    assert_eq!(subject["status"], "lost");
    assert_eq!(
        subject["evidence"],
        Value::Null,
        "a lost event names nobody"
    );
    assert_eq!(subject["chain_id"], "ch-576ca0e1be2b");
    assert_eq!(subject["link"], "inferred");
    assert_eq!(subject["candidates_total"], 1);
    assert_eq!(
        subject["candidates"],
        json!([{"person": "dave@example.com", "event_id": DAVE_STATEMENT, "seconds_before": 5}])
    );

    // The path from his portal sign-in: every hop with its edge, confidence and linking event.
    assert_eq!(
        hops(&subject, "edge"),
        ["-", "role_credentials", "issued", "service_trigger"]
    );
    assert_eq!(
        hops(&subject, "link"),
        ["-", "inferred", "exact", "inferred"]
    );
    assert_eq!(
        hops(&subject, "status"),
        ["propagated", "propagated", "propagated", "lost"]
    );
    assert_eq!(
        hops(&subject, "account"),
        [
            "111122223333",
            "444455556666",
            "444455556666",
            "444455556666"
        ]
    );
    let path = subject["path"].as_array().unwrap();
    assert_eq!(
        path[0]["principal"],
        "IdentityCenterUser c3d4e5f6-7890-12ab-cdef-333333333333"
    );
    assert_eq!(path[0]["via"], Value::Null);
    let via: Vec<&str> = path[1..]
        .iter()
        .map(|hop| hop["via"]["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(via, [DAVE_PORTAL, DAVE_SIGN_IN, DAVE_STATEMENT]);
    assert_eq!(path[3]["via"]["action"], "ExecuteStatement");
    assert_eq!(path[3]["service"], "redshift.amazonaws.com");
    assert_eq!(path[3]["access_key"], DAVE_REDSHIFT_KEY);
    let breaks: Vec<bool> = path
        .iter()
        .map(|hop| hop["is_break"].as_bool().unwrap())
        .collect();
    assert_eq!(breaks, [false, false, false, true]);

    // The STS call that issued the key it was made with: Redshift's, for itself.
    assert_eq!(subject["issuing_call"]["event_id"], DAVE_REDSHIFT_ASSUME);
    assert_eq!(subject["issuing_call"]["action"], "AssumeRole");
    assert_eq!(subject["note"], Value::Null);

    // Where it was lost on that path.
    assert_eq!(subject["lost_at"]["hop"], 3);
    assert_eq!(subject["lost_at"]["event_id"], DAVE_BREAK);
    assert_eq!(subject["lost_at"]["service"], "redshift.amazonaws.com");
    assert_eq!(
        subject["lost_at"]["role"],
        "arn:aws:iam::444455556666:role/service-role/RedshiftSharedServiceRole"
    );

    // The same for people.
    let logs = sample_logs();
    let (code, text, stderr) =
        finish(tip().args(["who", logs.to_str().unwrap(), "--event", DAVE_BREAK]));
    assert_eq!(code, 0, "{stderr}");
    for shown in [
        "--event 633cd96f-f501-5275-8135-e33e2154935f: 1 event",
        "Person: dave@example.com (chain ch-576ca0e1be2b)",
        "link inferred",
        "Lost at hop 3",
        "taken over by redshift.amazonaws.com",
        "service_trigger",
        "role_credentials",
        "lost (break)",
    ] {
        assert!(text.contains(shown), "{shown:?} is not in:\n{text}");
    }
}

#[test]
fn an_sts_issued_key_is_traced_to_the_person_who_assumed_the_role() {
    let subject = only_subject(&who_ok(&["--key", DEPLOY_KEY]));
    assert_eq!(subject["person"], DEPLOYER);
    assert_eq!(subject["evidence"], "lineage");
    assert_eq!(subject["status"], "reconstructable");
    assert_eq!(subject["link"], "exact");
    assert_eq!(subject["candidates"], json!([]));
    assert_eq!(subject["lost_at"], Value::Null);
    assert_eq!(subject["event"], Value::Null);
    assert_eq!(subject["session"]["access_key"], DEPLOY_KEY);
    assert!(
        subject["session"]["session_id"]
            .as_str()
            .unwrap()
            .starts_with("se-")
    );
    assert_eq!(hops(&subject, "edge"), ["-", "issued"]);
    assert_eq!(hops(&subject, "principal")[0], DEPLOYER);
    assert_eq!(subject["path"][1]["via"]["event_id"], DEPLOY_ASSUME);
    assert_eq!(subject["path"][1]["via"]["action"], "AssumeRole");
    assert_eq!(subject["path"][1]["account"], "444455556666");
    // The call that issued it: the caller's copy of the cross-account AssumeRole.
    assert_eq!(subject["issuing_call"]["event_id"], DEPLOY_ASSUME);
    assert_eq!(subject["issuing_call"]["account"], "111122223333");
    assert_eq!(subject["note"], Value::Null);

    // The long-term key that made the call names its user itself.
    let subject = only_subject(&who_ok(&["--key", DEPLOYER_KEY]));
    assert_eq!(subject["person"], DEPLOYER);
    assert_eq!(subject["evidence"], "principal");
    assert_eq!(subject["status"], "propagated");
    assert_eq!(subject["link"], Value::Null, "it names the person itself");
    assert_eq!(subject["path"].as_array().unwrap().len(), 1);
    // No STS call issues a long-term key, and the answer says so.
    assert_eq!(subject["issuing_call"], Value::Null);
    assert_eq!(
        subject["note"],
        "a long-term access key: no STS call issues it"
    );

    // The text names the issuing call under the session.
    let logs = sample_logs();
    let (code, text, stderr) =
        finish(tip().args(["who", logs.to_str().unwrap(), "--key", DEPLOY_KEY]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.contains(&format!(
            "  key issued by AssumeRole {DEPLOY_ASSUME} at 2026-03-02T09:00:02Z in 111122223333"
        )),
        "{text}"
    );
}

#[test]
fn a_key_whose_issuing_call_is_not_in_the_logs_says_so() {
    // The legacy automation role's session: four calls, and no STS call in the logs that issued
    // its key, so nobody can be named behind it.
    let subject = only_subject(&who_ok(&["--key", LEGACY_KEY]));
    assert_eq!(subject["session"]["principal"], LEGACY_SESSION);
    assert_eq!(subject["session"]["access_key"], LEGACY_KEY);
    assert_eq!(subject["session"]["events"], 4);
    assert_eq!(subject["issuing_call"], Value::Null);
    assert_eq!(
        subject["note"],
        "the STS call that issued this key is not in these logs"
    );
    assert_eq!(subject["person"], Value::Null);
    assert_eq!(subject["status"], "unattributed");
    assert_eq!(subject["chain_id"], Value::Null);
    assert_eq!(hops(&subject, "principal"), [LEGACY_SESSION]);
    assert_eq!(
        hops(&subject, "edge"),
        ["-"],
        "nothing above it in the logs"
    );

    // Asked by its session ARN, the same session has no issuing call either (and no note: the
    // note answers a question about the key).
    let by_session = only_subject(&who_ok(&["--session", LEGACY_SESSION]));
    assert_eq!(by_session["issuing_call"], Value::Null);
    assert_eq!(by_session["note"], Value::Null);

    // The text says it.
    let logs = sample_logs();
    let (code, text, stderr) =
        finish(tip().args(["who", logs.to_str().unwrap(), "--key", LEGACY_KEY]));
    assert_eq!(code, 0, "{stderr}");
    for shown in [
        "--key ASIAWO645SY5CPIBMITS: 1 session",
        "Person: nobody the logs can name; unattributed",
        "Note: the STS call that issued this key is not in these logs",
    ] {
        assert!(text.contains(shown), "{shown:?} is not in:\n{text}");
    }
    assert!(!text.contains("key issued by"), "{text}");
}

#[test]
fn an_address_shared_by_two_people_lists_each_session_with_its_person() {
    // The shared Redshift role calls from Redshift's address for whoever ran the statement:
    // alice at 09:10, dave at 11:30. Both sessions are listed, each with its own person and chain.
    let all = subjects(&who_ok(&["--ip", REDSHIFT_ADDRESS]));
    assert_eq!(all.len(), 2, "{all:#?}");
    let column = |field: &str| -> Vec<Value> { all.iter().map(|s| s[field].clone()).collect() };
    assert_eq!(
        column("person"),
        [json!("alice@example.com"), json!("dave@example.com")]
    );
    assert_eq!(
        column("chain_id"),
        [json!("ch-650bc4aa4e34"), json!("ch-576ca0e1be2b")]
    );
    assert_eq!(column("status"), [json!("lost"), json!("lost")]);
    let keys: Vec<&str> = all
        .iter()
        .map(|s| s["session"]["access_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [ALICE_REDSHIFT_KEY, DAVE_REDSHIFT_KEY]);
    assert_ne!(
        all[0]["session"]["session_id"],
        all[1]["session"]["session_id"]
    );
    for subject in &all {
        // One role session ARN, two sets of credentials.
        assert_eq!(subject["session"]["principal"], REDSHIFT_SESSION);
        assert_eq!(subject["lost_at"]["hop"], 3, "{subject:#}");
        let from = &subject["seen_from"];
        assert_eq!(from["address"], REDSHIFT_ADDRESS);
        let agents = from["user_agents"].as_array().unwrap();
        assert_eq!(agents.len(), 1);
        assert!(agents[0].as_str().unwrap().starts_with("aws-sdk-cpp/"));
    }
    let seen: Vec<(&str, &str)> = all
        .iter()
        .map(|s| {
            (
                s["seen_from"]["first_event_id"].as_str().unwrap(),
                s["seen_from"]["first_time"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "dfa877e3-c695-58a4-9932-bd2e7310e8d8",
                "2026-03-02T09:10:06Z"
            ),
            (DAVE_BREAK, "2026-03-02T11:30:07Z"),
        ]
    );

    // One row per session, each with its person.
    let logs = sample_logs();
    let (code, text, stderr) =
        finish(tip().args(["who", logs.to_str().unwrap(), "--ip", REDSHIFT_ADDRESS]));
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with("--ip 203.0.113.150: 2 sessions"), "{text}");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("RedshiftSharedServiceRole"))
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[0].contains("alice@example.com") && rows[0].contains("ch-650bc4aa4e34"));
    assert!(rows[1].contains("dave@example.com") && rows[1].contains("ch-576ca0e1be2b"));
}

#[test]
fn a_session_arn_used_for_two_people_names_both() {
    let all = subjects(&who_ok(&["--session", REDSHIFT_SESSION]));
    let people: Vec<&str> = all.iter().map(|s| s["person"].as_str().unwrap()).collect();
    // In the order the sessions started: alice's at 09:10, dave's at 11:30.
    assert_eq!(people, ["alice@example.com", "dave@example.com"]);
    for subject in &all {
        assert_eq!(subject["status"], "lost", "{subject:#}");
        assert_eq!(subject["lost_at"]["hop"], 3, "{subject:#}");
        assert_eq!(subject["session"]["principal"], REDSHIFT_SESSION);
        assert_eq!(hops(subject, "edge").last().unwrap(), "service_trigger");
    }
    let keys: BTreeSet<&str> = all
        .iter()
        .map(|s| s["session"]["access_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 2, "two sets of credentials");
}

#[test]
fn an_address_lists_each_session_seen_from_it_with_its_person() {
    let all = subjects(&who_ok(&["--ip", PORTAL_ADDRESS]));
    let principals: Vec<&str> = all
        .iter()
        .map(|s| s["session"]["principal"].as_str().unwrap())
        .collect();
    assert_eq!(
        principals,
        [
            "arn:aws:sts::111122223333:assumed-role/DataPortalAppRole/data-portal-backend",
            "arn:aws:sts::111122223333:assumed-role/SharedAnalyticsRole/portal-7f3c2a91",
            "arn:aws:sts::111122223333:assumed-role/S3AGLocationRole/access-grants-0d82a52b-9ec6-5b4e-96d5-7447b07b5942",
        ]
    );
    // The application's own session names nobody; the two it opened for the user carry them.
    let people: Vec<Value> = all.iter().map(|s| s["person"].clone()).collect();
    assert_eq!(
        people,
        [Value::Null, json!(PORTAL_USER), json!(PORTAL_USER)]
    );
    let statuses: Vec<&str> = all.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["service", "propagated", "propagated"]);
    let mut firsts = Vec::new();
    for subject in &all {
        let from = &subject["seen_from"];
        assert_eq!(from["address"], PORTAL_ADDRESS);
        let agents = from["user_agents"].as_array().unwrap();
        assert!(!agents.is_empty(), "{subject:#}");
        // S3 data events bracket their user agent: the tools are named without the brackets.
        assert!(
            agents
                .iter()
                .all(|a| a.as_str().unwrap().starts_with("aws-sdk-rust/")),
            "{subject:#}"
        );
        firsts.push(from["first_time"].as_str().unwrap().to_owned());
    }
    assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "first seen first");

    // The table has a row per session.
    let logs = sample_logs();
    let (code, text, stderr) =
        finish(tip().args(["who", logs.to_str().unwrap(), "--ip", PORTAL_ADDRESS]));
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with("--ip 198.51.100.24: 3 sessions"), "{text}");
    assert!(text.contains(PORTAL_USER) && text.contains("DataPortalAppRole"));
}

#[test]
fn an_indicator_that_is_not_in_the_logs_is_an_error_never_an_empty_success() {
    let logs = sample_logs();
    let logs = logs.to_str().unwrap();
    for (flag, value, reason) in [
        (
            "--event",
            "00000000-0000-4000-8000-000000000000",
            "no event with this eventID",
        ),
        (
            "--key",
            "ASIAWO645SY5NOTHERE1",
            "no call made with this access key",
        ),
        (
            "--session",
            "arn:aws:sts::444455556666:assumed-role/NoSuchRole/nobody",
            "no session with this principal ARN",
        ),
        ("--ip", "192.0.2.1", "no session called from this address"),
    ] {
        let (code, stdout, stderr) = finish(tip().args(["who", logs, flag, value]));
        assert_eq!(code, 2, "{flag} {value}: {stderr}");
        assert!(stdout.is_empty(), "{flag} {value}: printed\n{stdout}");
        assert!(
            stderr.contains(&format!("{flag} {value}: not in ")) && stderr.contains(reason),
            "{flag} {value}: {stderr}"
        );
    }

    // With something found, the answers are printed and what is missing is listed, still exit 2.
    let missing = "00000000-0000-4000-8000-000000000000";
    let (code, document) = who_json(&["--key", DEPLOY_KEY, "--event", missing]);
    assert_eq!(code, 2);
    let answers = document["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["selector"], "key");
    assert_eq!(
        document["not_found"],
        json!([{"selector": "event", "value": missing, "reason": "no event with this eventID"}])
    );

    // What is not an indicator at all is a usage error.
    let stderr = assert_exit(2, &["who", logs, "--ip", "not-an-address"]);
    assert!(stderr.contains("not an IP address"), "{stderr}");
    assert_exit(2, &["who", logs]);
    // timeline pivots alike.
    let stderr = assert_exit(2, &["timeline", logs, "--key", "ASIAWO645SY5NOTHERE1"]);
    assert!(
        stderr.contains("--key ASIAWO645SY5NOTHERE1: not in "),
        "{stderr}"
    );
    let stderr = assert_exit(2, &["timeline", logs, "--ip", "192.0.2.1"]);
    assert!(stderr.contains("--ip 192.0.2.1: not in "), "{stderr}");
}

#[test]
fn several_indicators_are_answered_at_once_in_the_order_of_their_kinds() {
    let document = who_ok(&[
        "--ip",
        REDSHIFT_ADDRESS,
        "--key",
        DEPLOY_KEY,
        "--event",
        DAVE_BREAK,
        "--key",
        DEPLOY_KEY,
    ]);
    let asked: Vec<(&str, &str)> = document["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["selector"].as_str().unwrap(),
                a["value"].as_str().unwrap(),
            )
        })
        .collect();
    // Events, keys, sessions, addresses; the same indicator twice is answered once.
    assert_eq!(
        asked,
        [
            ("event", DAVE_BREAK),
            ("key", DEPLOY_KEY),
            ("ip", REDSHIFT_ADDRESS)
        ]
    );
    assert_eq!(document["not_found"], json!([]));
    let by_address = &document["answers"][2]["subjects"];
    let people: Vec<&str> = by_address
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["person"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["alice@example.com", "dave@example.com"]);
}

#[test]
fn the_who_document_is_named_and_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("who.json");
    let logs = sample_logs();
    let (code, _, stderr) = finish(tip().args([
        "who",
        logs.to_str().unwrap(),
        "--event",
        DAVE_BREAK,
        "--ip",
        PORTAL_ADDRESS,
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    // The file name chose JSON.
    let document: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let keys = |value: &Value| -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| (*n).to_owned()).collect() };
    assert_eq!(
        keys(&document),
        set(&["schema", "provenance", "answers", "not_found"])
    );
    assert_eq!(document["schema"], "tip-audit/who/v1");
    for answer in document["answers"].as_array().unwrap() {
        assert_eq!(keys(answer), set(&["selector", "value", "subjects"]));
        for subject in answer["subjects"].as_array().unwrap() {
            assert_eq!(
                keys(subject),
                set(&[
                    "event",
                    "session",
                    "person",
                    "principal_kind",
                    "evidence",
                    "status",
                    "chain_id",
                    "link",
                    "candidates",
                    "candidates_total",
                    "path",
                    "lost_at",
                    "seen_from",
                    "issuing_call",
                    "note",
                ])
            );
            if !subject["issuing_call"].is_null() {
                assert_eq!(
                    keys(&subject["issuing_call"]),
                    set(&["event_id", "time", "service", "action", "account"])
                );
            }
            assert_eq!(
                keys(&subject["session"]),
                set(&[
                    "session_id",
                    "principal",
                    "role",
                    "access_key",
                    "accounts",
                    "events",
                    "first_event_id",
                    "first_time",
                    "last_time",
                    "delegates",
                ])
            );
            for hop in subject["path"].as_array().unwrap() {
                assert_eq!(
                    keys(hop),
                    set(&[
                        "session_id",
                        "principal",
                        "role",
                        "access_key",
                        "account",
                        "status",
                        "evidence",
                        "edge",
                        "link",
                        "service",
                        "via",
                        "is_break",
                        "delegates",
                    ])
                );
            }
        }
    }
    let event = &document["answers"][0]["subjects"][0]["event"];
    assert_eq!(
        keys(event),
        set(&[
            "event_id",
            "time",
            "account",
            "region",
            "service",
            "action",
            "principal",
            "access_key",
            "source_address",
            "user_agent",
            "error_code",
            "delegate",
        ])
    );
    assert_eq!(event["time"], "2026-03-02T11:30:07Z");
    assert_eq!(
        keys(&document["answers"][1]["subjects"][0]["seen_from"]),
        set(&[
            "address",
            "user_agents",
            "first_event_id",
            "first_time",
            "last_time"
        ])
    );
}

#[test]
fn timeline_pivots_on_a_key_a_session_an_address_and_a_user_agent() {
    let daves = event_ids(&timeline_json(&["--human", "dave@example.com"]));
    let alices = event_ids(&timeline_json(&["--human", "alice@example.com"]));

    // A key brings the whole chain around its session: here dave's.
    let by_key = timeline_json(&["--key", DAVE_REDSHIFT_KEY]);
    assert_eq!(event_ids(&by_key), daves);
    assert_eq!(by_key["human"], Value::Null);
    assert_eq!(
        by_key["pivots"],
        json!([{"selector": "key", "value": DAVE_REDSHIFT_KEY}])
    );

    // A session ARN used for two people brings both chains.
    let by_session = timeline_json(&["--session", REDSHIFT_SESSION]);
    let mut both: Vec<String> = daves.iter().chain(&alices).cloned().collect();
    both.sort();
    both.dedup();
    let mut got = event_ids(&by_session);
    got.sort();
    assert_eq!(got, both);

    // An address picks its events one by one, each labelled with its chain.
    let by_address = timeline_json(&["--ip", REDSHIFT_ADDRESS]);
    let rows = by_address["events"].as_array().unwrap();
    assert_eq!(rows.len(), 7, "{by_address:#}");
    assert!(rows.iter().all(|r| r["source_address"] == REDSHIFT_ADDRESS));
    assert!(
        rows.iter()
            .all(|r| r["status"] == "lost" && r["depth"] == 3)
    );
    let people: Vec<&str> = rows.iter().map(|r| r["person"].as_str().unwrap()).collect();
    assert_eq!(
        people.iter().filter(|p| **p == "alice@example.com").count(),
        4
    );
    assert_eq!(
        people.iter().filter(|p| **p == "dave@example.com").count(),
        3
    );
    let breaks: Vec<&str> = rows
        .iter()
        .filter(|r| r["is_break"] == true)
        .map(|r| r["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(breaks, ["dfa877e3-c695-58a4-9932-bd2e7310e8d8", DAVE_BREAK]);
    assert!(
        rows.iter()
            .all(|r| r["session_id"].as_str().unwrap().starts_with("se-"))
    );

    // A user agent, case ignored: the same events (only Redshift calls with the C++ SDK).
    let by_agent = timeline_json(&["--user-agent", "AWS-SDK-CPP"]);
    assert_eq!(event_ids(&by_agent), event_ids(&by_address));
    assert!(by_agent["events"].as_array().unwrap().iter().all(|r| {
        r["user_agent"]
            .as_str()
            .unwrap()
            .starts_with("aws-sdk-cpp/")
    }));

    // Pivots add up with a person: dave, and the events from alice's Redshift session.
    let mixed = timeline_json(&["--human", "dave@example.com", "--ip", REDSHIFT_ADDRESS]);
    assert_eq!(mixed["events"].as_array().unwrap().len(), daves.len() + 4);
    assert_eq!(mixed["human"], "dave@example.com");

    // The table says what it is a timeline of.
    let logs = sample_logs();
    let (code, text, stderr) =
        finish(tip().args(["timeline", logs.to_str().unwrap(), "--ip", REDSHIFT_ADDRESS]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.starts_with("Timeline of ip 203.0.113.150: 7 events, 7 after a break (lost)"),
        "{text}"
    );
}

#[test]
fn timeline_writes_timesketch_json_lines_with_the_required_columns_and_flat_attribution() {
    let expected = timeline_json(&["--human", "dave@example.com"]);
    let logs = sample_logs();
    let (code, text, stderr) = finish(tip().args([
        "timeline",
        logs.to_str().unwrap(),
        "--human",
        "dave@example.com",
        "--format",
        "timesketch",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), expected["events"].as_array().unwrap().len());
    for (line, row) in lines.iter().zip(expected["events"].as_array().unwrap()) {
        // Timesketch's three required columns.
        assert!(!line["message"].as_str().unwrap().is_empty(), "{line}");
        let datetime = line["datetime"].as_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(datetime)
            .unwrap_or_else(|e| panic!("{datetime} is not ISO 8601 ({e})"));
        assert!(datetime.ends_with("+00:00"), "{datetime}");
        assert_eq!(line["timestamp_desc"], "Event Time");
        assert_eq!(line["timestamp"], parsed.timestamp_micros());
        assert_eq!(
            parsed
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            row["time"].as_str().unwrap()
        );
        // The attribution, flat: every value a string, number, boolean or null.
        for field in [
            "event_id",
            "person",
            "evidence",
            "status",
            "is_break",
            "chain_id",
            "hop",
            "session_id",
            "principal",
            "access_key",
            "account",
            "region",
            "service",
            "action",
            "source_address",
            "user_agent",
            "error_code",
            "delegate",
            "file",
        ] {
            assert!(line.get(field).is_some(), "no {field} in {line}");
        }
        assert!(
            line.as_object()
                .unwrap()
                .values()
                .all(|v| !v.is_object() && !v.is_array()),
            "{line}"
        );
        assert_eq!(line["event_id"], row["event_id"]);
        assert_eq!(line["person"], "dave@example.com");
        assert_eq!(line["status"], row["status"]);
        assert_eq!(line["hop"], row["depth"]);
        assert_eq!(line["chain_id"], "ch-576ca0e1be2b");
        assert_eq!(line["account"], row["account"]);
        assert_eq!(line["service"], row["service"]);
        assert_eq!(line["source_address"], row["source_address"]);
        assert_eq!(line["user_agent"], row["user_agent"]);
    }
    let first = &lines[0];
    assert_eq!(first["datetime"], "2026-03-02T11:20:14+00:00");
    assert_eq!(first["timestamp"], 1_772_450_414_000_000_i64);
    assert_eq!(first["evidence"], "on_behalf_of");
    let lost: Vec<&Value> = lines.iter().filter(|l| l["is_break"] == true).collect();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0]["event_id"], DAVE_BREAK);
    let message = lost[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("glue.amazonaws.com GetTable by arn:aws:sts::")
            && message.contains("lost, in dave@example.com's chain (break)"),
        "{message}"
    );
}
