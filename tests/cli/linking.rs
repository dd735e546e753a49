use serde_json::{Value, json};

use crate::util::*;

const ALICE_ID: &str = "b2c3d4e5-6789-01ab-cdef-222222222222";
const BOB_ID: &str = "c3d4e5f6-7890-12ab-cdef-333333333333";
const ENGINE_ROLE: &str = "arn:aws:iam::444455556666:role/AthenaRuntime";
const REGISTRATION: &str = "arn:aws:iam::444455556666:role/LFRegistrationRole";

fn alice() -> Value {
    sso_session(
        DATA,
        "alice@example.com",
        ALICE_ID,
        "ASIAWO645SY5ALICE001",
        "2026-03-02T08:30:12Z",
    )
}

fn bob() -> Value {
    sso_session(
        DATA,
        "bob@example.com",
        BOB_ID,
        "ASIAWO645SY5BOBBOB01",
        "2026-03-02T08:40:00Z",
    )
}

/// Writes each (delivery time, events) as a trail file of the data account and scans them all.
fn scan_events(files: &[(&str, Vec<Value>)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    for (hhmm, events) in files {
        deliver(dir.path(), DATA, hhmm, events);
    }
    scan_json(&[dir.path()], &[]).1
}

fn only_finding(document: &Value, kind: &str) -> Value {
    let matching: Vec<&Value> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect();
    assert_eq!(matching.len(), 1, "{:#}", document);
    matching[0].clone()
}

/// Asserts that every session was tied to someone: no `unattributed_session` finding.
fn assert_all_attributed(document: &Value, why: &str) {
    assert!(
        !column(document, "findings", "kind").contains(&"unattributed_session"),
        "{why}: {:#}",
        document["findings"]
    );
}

/// The identity of a Lake Formation credential for its registration role, vended for a query
/// engine running as `engine_role`: the source identity `V2.<account>.<engine role id>` names it.
fn vended_for(engine_role: &RoleSession, session: &str, key: &str) -> Value {
    let engine_role_id = engine_role.identity()["sessionContext"]["sessionIssuer"]["principalId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut vended = role_session(REGISTRATION, session, key, "2026-03-02T09:00:06Z");
    vended["sessionContext"]["sourceIdentity"] = json!(format!("V2.{DATA}.{engine_role_id}"));
    vended
}

#[test]
fn a_role_handed_to_a_service_links_exactly() {
    // alice starts a SageMaker training job and names its execution role; SageMaker assumes it.
    let role = "arn:aws:iam::444455556666:role/service-role/SageMakerTrainingRole";
    let mut train = event(
        "e2000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:00Z",
        "sagemaker.amazonaws.com",
        "CreateTrainingJob",
        DATA,
        alice(),
    );
    train["requestParameters"] = json!({
        "trainingJobName": "churn-2026-03-02",
        "roleArn": role,
        "algorithmSpecification": {"trainingInputMode": "File"}
    });
    let runner = RoleSession::new(
        role,
        "SageMaker",
        "ASIAWO645SY5SAGEMKR1",
        "2026-03-02T09:01:00Z",
    );
    let document = scan_events(&[(
        "0905",
        vec![
            train,
            runner.assumed_by(
                "e2000000-0000-4000-8000-000000000002",
                aws_service("sagemaker.amazonaws.com"),
            ),
            runner.call(
                "e2000000-0000-4000-8000-000000000003",
                "2026-03-02T09:01:05Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
        ],
    )]);
    let lost = only_finding(&document, "identity_lost");
    assert_eq!(lost["human"], "alice@example.com");
    assert_eq!(lost["link"], "exact", "one call named the role");
    assert_eq!(lost["service"], "sagemaker.amazonaws.com");
    assert_eq!(
        lost["break_event_id"],
        "e2000000-0000-4000-8000-000000000003"
    );
}

#[test]
fn a_role_named_in_configuration_is_not_a_cause() {
    // alice defines a Glue job with its role (configuration); later Glue assumes the role on
    // its own schedule with no StartJobRun in the logs: nobody's request continued.
    let role = "arn:aws:iam::444455556666:role/service-role/GlueJobRole";
    let mut create = event(
        "e2000000-0000-4000-8000-000000000011",
        "2026-03-02T09:00:00Z",
        "glue.amazonaws.com",
        "CreateJob",
        DATA,
        alice(),
    );
    create["requestParameters"] =
        json!({"name": "orders", "role": role, "command": {"name": "glueetl"}});
    let runner = RoleSession::new(
        role,
        "GlueJobRunnerSession",
        "ASIAWO645SY5GLUEJOB1",
        "2026-03-02T09:01:00Z",
    );
    let document = scan_events(&[(
        "0905",
        vec![
            create,
            runner.assumed_by(
                "e2000000-0000-4000-8000-000000000012",
                aws_service("glue.amazonaws.com"),
            ),
            runner.call(
                "e2000000-0000-4000-8000-000000000013",
                "2026-03-02T09:01:05Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
        ],
    )]);
    let kinds: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert!(!kinds.contains(&"identity_lost"), "{document:#}");
    assert_eq!(document["summary"]["coverage"]["service"], 2);
}

#[test]
fn a_trigger_two_people_could_have_caused_is_ambiguous() {
    let athena = RoleSession::new(
        "arn:aws:iam::444455556666:role/service-role/AthenaSharedRole",
        "athena",
        "ASIAWO645SY5ATHENA01",
        "2026-03-02T09:00:40Z",
    );
    let query = |id: &str, time: &str, who: Value| {
        let mut e = event(
            id,
            time,
            "athena.amazonaws.com",
            "StartQueryExecution",
            DATA,
            who,
        );
        e["requestParameters"] = json!({"queryString": "SELECT 1", "workGroup": "primary"});
        e
    };
    let document = scan_events(&[(
        "0905",
        vec![
            query(
                "e3000000-0000-4000-8000-000000000001",
                "2026-03-02T09:00:00Z",
                alice(),
            ),
            query(
                "e3000000-0000-4000-8000-000000000002",
                "2026-03-02T09:00:30Z",
                bob(),
            ),
            athena.assumed_by(
                "e3000000-0000-4000-8000-000000000003",
                aws_service("athena.amazonaws.com"),
            ),
            athena.call(
                "e3000000-0000-4000-8000-000000000004",
                "2026-03-02T09:00:41Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
        ],
    )]);
    let lost = only_finding(&document, "identity_lost");
    assert_eq!(lost["link"], "ambiguous");
    assert_eq!(
        lost["human"], "bob@example.com",
        "the closest trigger is chosen"
    );
}

#[test]
fn a_service_assumption_outside_the_window_is_service_work() {
    let athena = RoleSession::new(
        "arn:aws:iam::444455556666:role/service-role/AthenaSharedRole",
        "athena",
        "ASIAWO645SY5ATHENA02",
        "2026-03-02T10:00:00Z",
    );
    let mut query = event(
        "e4000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:00Z",
        "athena.amazonaws.com",
        "StartQueryExecution",
        DATA,
        alice(),
    );
    query["requestParameters"] = json!({"queryString": "SELECT 1"});
    let document = scan_events(&[(
        "1005",
        vec![
            query,
            athena.assumed_by(
                "e4000000-0000-4000-8000-000000000002",
                aws_service("athena.amazonaws.com"),
            ),
            athena.call(
                "e4000000-0000-4000-8000-000000000003",
                "2026-03-02T10:00:01Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
        ],
    )]);
    assert_eq!(document["findings"], json!([]));
    assert_eq!(document["summary"]["coverage"]["service"], 2);
}

#[test]
fn the_sts_call_may_arrive_in_a_later_file() {
    let chained = RoleSession::new(
        "arn:aws:iam::444455556666:role/Chained",
        "chained",
        "ASIAWO645SY5CHAINED1",
        "2026-03-02T09:00:02Z",
    );
    let used = chained.call(
        "e5000000-0000-4000-8000-000000000002",
        "2026-03-02T09:00:05Z",
        "s3.amazonaws.com",
        "PutObject",
    );
    let issued = chained.assumed_by("e5000000-0000-4000-8000-000000000001", alice());
    // File names sort the use first; linking waits for every file.
    let document = scan_events(&[("0905", vec![used]), ("0955", vec![issued])]);
    let lineage = only_finding(&document, "lineage_only");
    assert_eq!(lineage["human"], "alice@example.com");
    assert_eq!(lineage["evidence"], "on_behalf_of");
    assert_eq!(lineage["link"], "exact");
}

#[test]
fn the_owner_side_copy_is_joined_by_shared_event_id() {
    let role = "arn:aws:iam::444455556666:role/CrossAccount";
    let cross = RoleSession::new(role, "x", "ASIAWO645SY5CROSSAC1", "2026-03-02T09:00:02Z");
    let user = iam_user(APPS, "ci", "AKIAWO645SY5CICICIC2");
    let mut caller_side = assume_role(
        "e6000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:02Z",
        APPS,
        user,
        role,
        "x",
        "ASIAWO645SY5CROSSAC1",
    );
    // The caller-side copy lost its response (over 100 KB, or redacted); only the owner side has the key.
    caller_side["responseElements"] = Value::Null;
    caller_side["sharedEventID"] = json!("5a5a5a5a-0000-4000-8000-000000000001");
    let mut owner_side = cross.assumed_by(
        "e6000000-0000-4000-8000-000000000002",
        json!({"type": "AWSAccount", "principalId": "AIDAQEXAMPLEUSER0001", "accountId": APPS}),
    );
    owner_side["sharedEventID"] = json!("5a5a5a5a-0000-4000-8000-000000000001");
    let used = cross.call(
        "e6000000-0000-4000-8000-000000000003",
        "2026-03-02T09:00:09Z",
        "s3.amazonaws.com",
        "PutObject",
    );
    let document = scan_events(&[("0905", vec![caller_side, owner_side, used])]);
    let lineage = only_finding(&document, "lineage_only");
    assert_eq!(lineage["human"], "arn:aws:iam::111122223333:user/ci");
    assert_eq!(
        document["summary"]["coverage"]["unattributed"], 0,
        "the owner-side copy counts with its caller"
    );
}

#[test]
fn pre_2025_identity_center_events_of_type_unknown_name_the_user() {
    let portal = event(
        "e7000000-0000-4000-8000-000000000001",
        "2024-11-02T08:30:11Z",
        "sso.amazonaws.com",
        "ListAccounts",
        APPS,
        json!({"type": "Unknown", "principalId": "90677f325d-ffd9565d-1111-2222-3333-444444444444", "accountId": APPS,
               "userName": "legacy.user@example.com", "credentialId": "7c1d0e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f"}),
    );
    let document = scan_events(&[("0835", vec![portal])]);
    assert_eq!(document["summary"]["humans"], 1);
    assert_eq!(document["summary"]["coverage"]["propagated"], 1);
}

#[test]
fn a_lake_formation_source_identity_is_followed_to_the_role() {
    let engine = RoleSession::new(
        ENGINE_ROLE,
        "alice-query",
        "ASIAWO645SY5ENGINE01",
        "2026-03-02T09:00:02Z",
    );
    let mut vended = vended_for(
        &engine,
        "AWSLF-00-AT-444455556666-1",
        "ASIAWO645SY5LFVEND01",
    );
    vended["invokedBy"] = json!("athena.amazonaws.com");
    let document = scan_events(&[(
        "0905",
        vec![
            engine.assumed_by("e8000000-0000-4000-8000-000000000001", alice()),
            engine.call(
                "e8000000-0000-4000-8000-000000000002",
                "2026-03-02T09:00:04Z",
                "athena.amazonaws.com",
                "GetQueryResults",
            ),
            event(
                "e8000000-0000-4000-8000-000000000003",
                "2026-03-02T09:00:07Z",
                "s3.amazonaws.com",
                "GetObject",
                DATA,
                vended,
            ),
        ],
    )]);
    assert_all_attributed(
        &document,
        "the V2 source identity is a role reference, resolved",
    );
    assert_eq!(document["summary"]["coverage"]["reconstructable"], 2);
}

#[test]
fn a_forward_access_session_keeps_the_person() {
    let mut fas = alice();
    fas["invokedBy"] = json!("s3.amazonaws.com");
    let document = scan_events(&[(
        "0905",
        vec![
            event(
                "e9000000-0000-4000-8000-000000000001",
                "2026-03-02T09:00:00Z",
                "s3.amazonaws.com",
                "GetObject",
                DATA,
                alice(),
            ),
            event(
                "e9000000-0000-4000-8000-000000000002",
                "2026-03-02T09:00:00Z",
                "kms.amazonaws.com",
                "Decrypt",
                DATA,
                fas,
            ),
        ],
    )]);
    assert_eq!(document["findings"], json!([]));
    assert_eq!(document["summary"]["coverage"]["propagated"], 2);
    assert_eq!(document["summary"]["sessions"], 1, "same key, same session");
}

#[test]
fn a_lambda_function_invoked_by_a_person_loses_them_exactly() {
    let function = "arn:aws:lambda:us-east-1:444455556666:function:invoice-export";
    let mut invoke = event(
        "ea000000-0000-4000-8000-000000000001",
        "2026-03-02T13:10:00Z",
        "lambda.amazonaws.com",
        "Invoke",
        DATA,
        alice(),
    );
    invoke["requestParameters"] =
        json!({"functionName": format!("{function}:live"), "invocationType": "RequestResponse"});
    invoke["eventCategory"] = json!("Data");
    let mut identity = role_session(
        "arn:aws:iam::444455556666:role/service-role/invoice-export-role",
        "invoice-export",
        "ASIAWO645SY5INVOICE1",
        "2026-03-02T13:09:58Z",
    );
    identity["inScopeOf"] = json!({"issuerType": "AWS::Lambda::Function", "credentialsIssuedTo": format!("{function}:$LATEST")});
    // The function's AssumeRole is not in these logs: the inScopeOf join alone links it.
    let document = scan_events(&[(
        "1315",
        vec![
            invoke,
            event(
                "ea000000-0000-4000-8000-000000000002",
                "2026-03-02T13:10:02Z",
                "dynamodb.amazonaws.com",
                "Query",
                DATA,
                identity,
            ),
        ],
    )]);
    let lost = only_finding(&document, "identity_lost");
    assert_eq!(lost["link"], "exact");
    assert_eq!(lost["service"], "lambda.amazonaws.com");
}

#[test]
fn a_service_linked_role_refreshed_after_a_trigger_is_not_a_break() {
    let slr = RoleSession::new(
        "arn:aws:iam::444455556666:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift",
        "RedshiftSLR",
        "ASIAWO645SY5SLRSLR01",
        "2026-03-02T09:00:05Z",
    );
    let mut statement = event(
        "eb000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:00Z",
        "redshift-data.amazonaws.com",
        "ExecuteStatement",
        DATA,
        alice(),
    );
    statement["requestParameters"] =
        json!({"workgroupName": "analytics", "database": "dev", "sql": "select 1"});
    let document = scan_events(&[(
        "0905",
        vec![
            statement,
            slr.assumed_by(
                "eb000000-0000-4000-8000-000000000002",
                aws_service("redshift.amazonaws.com"),
            ),
            slr.call(
                "eb000000-0000-4000-8000-000000000003",
                "2026-03-02T09:00:06Z",
                "ec2.amazonaws.com",
                "DescribeVpcs",
            ),
        ],
    )]);
    assert_eq!(document["findings"], json!([]));
}

#[test]
fn a_failed_trigger_started_nothing() {
    let runner = RoleSession::new(
        "arn:aws:iam::444455556666:role/service-role/GlueJobRole",
        "GlueJobRunnerSession",
        "ASIAWO645SY5GLUESCH1",
        "2026-03-02T10:05:00Z",
    );
    let mut run = event(
        "ec000000-0000-4000-8000-000000000001",
        "2026-03-02T09:58:00Z",
        "glue.amazonaws.com",
        "StartJobRun",
        DATA,
        alice(),
    );
    run["errorCode"] = json!("AccessDenied");
    run["errorMessage"] = json!("User is not authorized to perform: glue:StartJobRun");
    let document = scan_events(&[(
        "1005",
        vec![
            run,
            runner.assumed_by(
                "ec000000-0000-4000-8000-000000000002",
                aws_service("glue.amazonaws.com"),
            ),
            runner.call(
                "ec000000-0000-4000-8000-000000000003",
                "2026-03-02T10:05:02Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
        ],
    )]);
    assert_eq!(
        document["findings"],
        json!([]),
        "a scheduled run is the service's own work"
    );
}

#[test]
fn an_assume_root_session_belongs_to_whoever_asked_for_it() {
    let admin = iam_user(APPS, "org-admin", "AKIAWO645SY5ORGADM22");
    let mut call = event(
        "ed000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:00Z",
        "sts.amazonaws.com",
        "AssumeRoot",
        APPS,
        admin,
    );
    call["requestParameters"] = json!({"targetPrincipal": DATA, "taskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"}});
    call["responseElements"] = json!({"credentials": {"accessKeyId": "ASIAWO645SY5ROOTRT01", "sessionToken": "x", "expiration": "Mar 2, 2026, 9:15:00 AM"}});
    let root = json!({"type": "Root", "principalId": DATA, "arn": format!("arn:aws:iam::{DATA}:root"), "accountId": DATA,
        "accessKeyId": "ASIAWO645SY5ROOTRT01",
        "sessionContext": {"attributes": {"creationDate": "2026-03-02T09:00:00Z", "mfaAuthenticated": "false"}, "assumedRoot": "true"}});
    let document = scan_events(&[(
        "0905",
        vec![
            call,
            event(
                "ed000000-0000-4000-8000-000000000002",
                "2026-03-02T09:00:10Z",
                "iam.amazonaws.com",
                "DeleteLoginProfile",
                DATA,
                root,
            ),
        ],
    )]);
    assert_eq!(
        only_finding(&document, "lineage_only")["human"],
        "arn:aws:iam::111122223333:user/org-admin"
    );
}

#[test]
fn a_role_event_without_its_key_joins_the_keyed_session() {
    let chained = RoleSession::new(
        "arn:aws:iam::444455556666:role/Chained",
        "chained",
        "ASIAWO645SY5KEYLES01",
        "2026-03-02T09:00:02Z",
    );
    let mut keyless = chained.identity();
    keyless["accessKeyId"] = json!("");
    let document = scan_events(&[(
        "0905",
        vec![
            chained.assumed_by("ee000000-0000-4000-8000-000000000001", alice()),
            chained.call(
                "ee000000-0000-4000-8000-000000000002",
                "2026-03-02T09:00:05Z",
                "s3.amazonaws.com",
                "PutObject",
            ),
            event(
                "ee000000-0000-4000-8000-000000000003",
                "2026-03-02T09:00:06Z",
                "signin.amazonaws.com",
                "GetSigninToken",
                DATA,
                keyless,
            ),
        ],
    )]);
    assert_all_attributed(&document, "the keyless event joins the keyed session");
    assert_eq!(
        only_finding(&document, "lineage_only")["events_after_break"],
        2
    );
}

#[test]
fn since_keeps_the_sts_call_that_explains_a_later_session() {
    let late = RoleSession::new(
        "arn:aws:iam::444455556666:role/Chained",
        "late",
        "ASIAWO645SY5LATELA01",
        "2026-03-01T23:50:00Z",
    );
    let dir = tempfile::tempdir().unwrap();
    write_trail_file(
        dir.path(),
        &trail_key(DATA, "2355", "aaaaaaaaaaaaaaaa")
            .replace("/02/", "/01/")
            .replace("20260302", "20260301"),
        &[late.assumed_by("ef000000-0000-4000-8000-000000000001", alice())],
    );
    deliver(
        dir.path(),
        DATA,
        "0005",
        &[late.call(
            "ef000000-0000-4000-8000-000000000002",
            "2026-03-02T00:01:00Z",
            "s3.amazonaws.com",
            "GetObject",
        )],
    );
    let (_, document) = scan_json(&[dir.path()], &["--since", "2026-03-02T00:00:00Z"]);
    assert_eq!(document["summary"]["events"], 1);
    assert_eq!(document["summary"]["filtered"], 1);
    assert_eq!(
        only_finding(&document, "lineage_only")["human"],
        "alice@example.com"
    );
}

#[test]
fn a_break_is_the_first_event_inside_the_window() {
    // A role session whose calls span 09:00–11:00: scanned from 10:00, its break is its first
    // call at or after 10:00, and it counts only the calls inside the window. A second session
    // seen only before 10:00 explains nothing in the window and gives no finding.
    let late = RoleSession::new(
        "arn:aws:iam::444455556666:role/Chained",
        "late",
        "ASIAWO645SY5WINDOW01",
        "2026-03-02T09:00:02Z",
    );
    let early = RoleSession::new(
        "arn:aws:iam::444455556666:role/Chained",
        "early",
        "ASIAWO645SY5WINDOW02",
        "2026-03-02T09:01:00Z",
    );
    let dir = tempfile::tempdir().unwrap();
    deliver(
        dir.path(),
        DATA,
        "0905",
        &[
            late.assumed_by("e1000000-0000-4000-8000-000000000001", alice()),
            late.call(
                "e1000000-0000-4000-8000-000000000002",
                "2026-03-02T09:00:05Z",
                "s3.amazonaws.com",
                "ListBuckets",
            ),
            early.assumed_by("e1000000-0000-4000-8000-000000000003", bob()),
            early.call(
                "e1000000-0000-4000-8000-000000000004",
                "2026-03-02T09:01:05Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
        ],
    );
    deliver(
        dir.path(),
        DATA,
        "1005",
        &[
            late.call(
                "e1000000-0000-4000-8000-000000000005",
                "2026-03-02T10:00:30Z",
                "s3.amazonaws.com",
                "GetObject",
            ),
            late.call(
                "e1000000-0000-4000-8000-000000000006",
                "2026-03-02T10:59:00Z",
                "s3.amazonaws.com",
                "PutObject",
            ),
        ],
    );
    let (_, whole) = scan_json(&[dir.path()], &[]);
    let (_, window) = scan_json(
        &[dir.path()],
        &[
            "--since",
            "2026-03-02T10:00:00Z",
            "--until",
            "2026-03-02T12:00:00Z",
        ],
    );
    assert_eq!(
        whole["findings"].as_array().unwrap().len(),
        2,
        "unfiltered, both sessions are reported"
    );
    let finding = only_finding(&window, "lineage_only");
    assert_eq!(finding["human"], "alice@example.com");
    assert_eq!(
        finding["break_event_id"],
        "e1000000-0000-4000-8000-000000000005"
    );
    assert_eq!(finding["break_time"], "2026-03-02T10:00:30Z");
    assert_eq!(finding["events_after_break"], 2);
}

#[test]
fn a_lake_formation_role_shared_by_two_people_is_ambiguous() {
    let engine_alice = RoleSession::new(
        ENGINE_ROLE,
        "q-alice",
        "ASIAWO645SY5ENGALI01",
        "2026-03-02T09:00:02Z",
    );
    let engine_bob = RoleSession::new(
        ENGINE_ROLE,
        "q-bob",
        "ASIAWO645SY5ENGBOB01",
        "2026-03-02T09:00:03Z",
    );
    let vended = vended_for(
        &engine_alice,
        "AWSLF-00-AT-444455556666-2",
        "ASIAWO645SY5LFVEND02",
    );
    let document = scan_events(&[(
        "0905",
        vec![
            engine_alice.assumed_by("f0000000-0000-4000-8000-000000000001", alice()),
            engine_bob.assumed_by("f0000000-0000-4000-8000-000000000002", bob()),
            engine_alice.call(
                "f0000000-0000-4000-8000-000000000003",
                "2026-03-02T09:00:04Z",
                "athena.amazonaws.com",
                "GetQueryResults",
            ),
            engine_bob.call(
                "f0000000-0000-4000-8000-000000000004",
                "2026-03-02T09:00:05Z",
                "athena.amazonaws.com",
                "GetQueryResults",
            ),
            event(
                "f0000000-0000-4000-8000-000000000005",
                "2026-03-02T09:00:07Z",
                "s3.amazonaws.com",
                "GetObject",
                DATA,
                vended,
            ),
        ],
    )]);
    let links: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role_arn"].as_str() == Some(REGISTRATION))
        .filter_map(|f| f["link"].as_str())
        .collect();
    assert_eq!(links, ["ambiguous"], "{:#}", document["findings"]);
}

#[test]
fn an_owner_side_copy_that_shows_a_service_does_not_hide_the_caller() {
    let role = "arn:aws:iam::444455556666:role/CrossAccount";
    let cross = RoleSession::new(role, "x", "ASIAWO645SY5CROSSAC2", "2026-03-02T09:00:02Z");
    let caller_side = assume_role(
        "f1000000-0000-4000-8000-000000000001",
        "2026-03-02T09:00:02Z",
        APPS,
        alice(),
        role,
        "x",
        "ASIAWO645SY5CROSSAC2",
    );
    let owner_side = cross.assumed_by(
        "f1000000-0000-4000-8000-000000000000",
        aws_service("sts.amazonaws.com"),
    );
    let used = cross.call(
        "f1000000-0000-4000-8000-000000000003",
        "2026-03-02T09:00:09Z",
        "s3.amazonaws.com",
        "PutObject",
    );
    let document = scan_events(&[("0905", vec![caller_side, owner_side, used])]);
    assert_eq!(
        only_finding(&document, "lineage_only")["human"],
        "alice@example.com"
    );
}
