//! Stolen machine credentials (issue 12, item 8): `exfiltrated_credentials` when an instance's,
//! task's or function's credentials are used from where the machine never calls, with the
//! negatives that must stay quiet: a person working on the instance with their own credentials,
//! a machine calling only from its own address, a thief on the machine's own network (the blind
//! spot the rule says it has). `--aws-ip-ranges` adds "outside AWS while the machine calls from
//! inside". The Stratus Red Team and invictus detonations of "steal EC2 instance credentials"
//! are scanned when `../shared/datasets` is present.
//!
//! Records are shaped as AWS writes them (Systems Manager and ECS Exec requests after the
//! stratus-red-team and invictus samples).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::*;

const WORKER_ROLE: &str = "arn:aws:iam::444455556666:role/orders-worker";
const INSTANCE: &str = "i-0a1b2c3d4e5f60718";
/// The instance's address, as its calls through the VPC endpoint show it.
const INSTANCE_ADDRESS: &str = "10.0.3.21";
const SSM_AGENT: &str = "aws-sdk-go/1.55.5 (go1.22.9; linux; amd64) amazon-ssm-agent/3.3.1142.0";
/// The AWS CLI as installed on the instance.
const INSTANCE_CLI: &str =
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023";
/// A script on a laptop.
const SCRIPT: &str = "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/macos#23.4.0 lang/python#3.12.2";

const CHECK_IN: (&str, &str) = ("ssm.amazonaws.com", "UpdateInstanceInformation");
const LIST_BUCKETS: (&str, &str) = ("s3.amazonaws.com", "ListBuckets");
const GET_OBJECT: (&str, &str) = ("s3.amazonaws.com", "GetObject");
const PUT_OBJECT: (&str, &str) = ("s3.amazonaws.com", "PutObject");
const QUERY: (&str, &str) = ("dynamodb.amazonaws.com", "Query");
const DESCRIBE_INSTANCES: (&str, &str) = ("ec2.amazonaws.com", "DescribeInstances");
const WHO_AM_I: (&str, &str) = ("sts.amazonaws.com", "GetCallerIdentity");
const LAPTOP: (&str, &str) = (PERSON_ADDRESS, PERSON_AGENT);

/// An `eventID` of story `story`, event `n`.
fn id(story: u32, n: u32) -> String {
    format!("{story:08x}-7c1e-4d2a-8b3f-{n:012x}")
}

/// A time on 2 March 2026.
fn t(hms: &str) -> String {
    format!("2026-03-02T{hms}Z")
}

/// alice's Identity Center permission-set session (named `alice@example.com` in findings).
fn alice() -> Value {
    sso_session(
        DATA,
        "alice@example.com",
        "5c7e2a90-41d3-4b6f-9e8a-0000000005e0",
        "ASIAWO645SY5ALICE001",
        "2026-03-02T08:30:12Z",
    )
}

/// bob's permission-set session.
fn bob() -> Value {
    sso_session(
        DATA,
        "bob@example.com",
        "5c7e2a90-41d3-4b6f-9e8a-0000000005e1",
        "ASIAWO645SY5BOB00001",
        "2026-03-02T08:31:40Z",
    )
}

/// The worker instance's instance-profile session (`ec2RoleDelivery`), key `key`.
fn delivered_to_instance(key: &str) -> Value {
    let mut identity = role_session(WORKER_ROLE, INSTANCE, key, "2026-03-02T08:00:02Z");
    identity["sessionContext"]["ec2RoleDelivery"] = json!("2.0");
    identity
}

/// The worker instance's session as newer events show it: `inScopeOf` the instance.
fn in_scope_of_instance(key: &str) -> Value {
    let mut identity = role_session(WORKER_ROLE, INSTANCE, key, "2026-03-02T08:00:02Z");
    identity["inScopeOf"] = json!({"issuerType": "AWS::EC2::Instance",
        "credentialsIssuedTo": format!("arn:aws:ec2:us-east-1:{DATA}:instance/{INSTANCE}")});
    identity
}

/// Call `name` of `source` by `who` at `time`, from `address` with the tools `agent`.
fn call(
    id: &str,
    time: &str,
    who: &Value,
    (source, name): (&str, &str),
    (address, agent): (&str, &str),
) -> Value {
    let mut e = event(id, time, source, name, DATA, who.clone());
    e["sourceIPAddress"] = json!(address);
    e["userAgent"] = json!(agent);
    e
}

/// `ssm:SendCommand` of a shell script to `instance` by `who`, from the person's laptop.
fn send_command(id: &str, time: &str, who: &Value, instance: &str) -> Value {
    let mut e = call(id, time, who, ("ssm.amazonaws.com", "SendCommand"), LAPTOP);
    e["readOnly"] = json!(false);
    e["requestParameters"] = json!({"documentName": "AWS-RunShellScript",
        "instanceIds": [instance], "interactive": false,
        "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS"});
    e["responseElements"] = json!({"command": {
        "commandId": "f6887251-cdde-4251-a026-f50a25f521f7", "documentName": "AWS-RunShellScript",
        "documentVersion": "$DEFAULT", "instanceIds": [instance], "targets": [],
        "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS", "status": "Pending",
        "statusDetails": "Pending", "targetCount": 1, "timeoutSeconds": 3600,
        "requestedDateTime": "Mar 2, 2026, 9:12:00 AM"}});
    e
}

/// `ssm:StartSession` on `instance` by `who`, from the person's laptop.
fn start_session(id: &str, time: &str, who: &Value, instance: &str) -> Value {
    let mut e = call(id, time, who, ("ssm.amazonaws.com", "StartSession"), LAPTOP);
    e["readOnly"] = json!(false);
    e["requestParameters"] = json!({"target": instance});
    e["responseElements"] = json!({"sessionId": "alice@example.com-0f3c6e9a2b5d8e1f4",
        "streamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/alice@example.com-0f3c6e9a2b5d8e1f4?role=publish_subscribe",
        "tokenValue": "Value hidden due to security reasons."});
    e
}

/// Writes `records` as one trail file and scans it as JSON, with `extra` arguments.
fn scan_story(records: &[Value], extra: &[&str]) -> (TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), DATA, "1200", records);
    let (code, document) = scan_json(&[dir.path()], extra);
    assert_eq!(code, 0, "{document:#}");
    (dir, document)
}

/// The `exfiltrated_credentials` findings of a scan.
fn stolen(document: &Value) -> Vec<Value> {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "exfiltrated_credentials")
        .cloned()
        .collect()
}

#[test]
fn instance_credentials_used_from_the_laptop_that_reached_the_instance() {
    // The worker instance checks in with Systems Manager and reads S3 from its own address.
    // alice sends it a shell command from her laptop; two minutes later the instance's
    // credentials call STS and S3 from her laptop, with her tools.
    let s = 1;
    let instance = delivered_to_instance("ASIAWO645SY5WORKER01");
    let agent = (INSTANCE_ADDRESS, SSM_AGENT);
    let records = vec![
        call(&id(s, 1), &t("09:00:00"), &instance, CHECK_IN, agent),
        call(&id(s, 2), &t("09:05:00"), &instance, CHECK_IN, agent),
        call(&id(s, 3), &t("09:06:10"), &instance, GET_OBJECT, agent),
        call(
            &id(s, 4),
            &t("09:10:00"),
            &alice(),
            DESCRIBE_INSTANCES,
            LAPTOP,
        ),
        send_command(&id(s, 5), &t("09:12:00"), &alice(), INSTANCE),
        call(&id(s, 6), &t("09:14:30"), &instance, WHO_AM_I, LAPTOP),
        call(&id(s, 7), &t("09:15:02"), &instance, LIST_BUCKETS, LAPTOP),
    ];
    let (_dir, document) = scan_story(&records, &[]);
    let found = stolen(&document);
    assert_eq!(found.len(), 1, "{document:#}");
    let f = &found[0];
    assert_eq!(f["severity"], "high");
    assert_eq!(f["human"], "alice@example.com");
    assert_eq!(f["principal_kind"], "person");
    assert_eq!(f["link"], "exact", "the command came from the same address");
    assert_eq!(
        f["break_event_id"],
        id(s, 6),
        "the first call away from the instance"
    );
    assert_eq!(f["break_time"], t("09:14:30"));
    assert_eq!(f["service"], "sts.amazonaws.com");
    assert_eq!(f["role_arn"], WORKER_ROLE);
    assert_eq!(f["machine"], json!({"kind": "instance", "id": INSTANCE}));
    assert_eq!(f["source_address"], PERSON_ADDRESS);
    assert_eq!(f["user_agents"], json!([PERSON_AGENT]));
    assert_eq!(
        f["reasons"],
        json!(["person_address", "person_user_agent", "reached_from"])
    );
    assert_eq!(f["machine_addresses"], json!([INSTANCE_ADDRESS]));
    assert_eq!(f["reached_by"]["call"], "ssm:SendCommand");
    assert_eq!(f["reached_by"]["event_id"], id(s, 5));
    assert_eq!(f["reached_by"]["human"], "alice@example.com");
    assert_eq!(f["reached_by"]["source_address"], PERSON_ADDRESS);
    assert_eq!(f["events_after_break"], 5, "the instance session's events");
    assert!(f["chain_id"].as_str().is_some_and(|c| c.starts_with("ch-")));
    assert!(f.get("candidates").is_none(), "only alice was there: {f:#}");
    assert_eq!(document["summary"]["machine_sessions"], 1);
    assert_eq!(document["summary"]["outside_aws_test"], "skipped");
}

#[test]
fn a_person_using_their_own_credentials_on_the_instance_is_not_exfiltration() {
    // alice opens a shell on the instance from her laptop and runs the CLI there with her own
    // credentials; a cron job on the instance runs the same CLI with the instance's. Both call
    // from the instance's address, where the instance was calling (its SSM agent) before her.
    let s = 2;
    let instance = delivered_to_instance("ASIAWO645SY5WORKER02");
    let agent = (INSTANCE_ADDRESS, SSM_AGENT);
    let cli = (INSTANCE_ADDRESS, INSTANCE_CLI);
    let records = vec![
        call(&id(s, 1), &t("09:00:00"), &instance, CHECK_IN, agent),
        call(&id(s, 2), &t("09:05:00"), &instance, CHECK_IN, agent),
        start_session(&id(s, 3), &t("09:20:00"), &alice(), INSTANCE),
        call(&id(s, 4), &t("09:22:00"), &alice(), LIST_BUCKETS, cli),
        call(&id(s, 5), &t("09:23:00"), &alice(), GET_OBJECT, cli),
        call(&id(s, 6), &t("09:25:00"), &instance, PUT_OBJECT, cli),
    ];
    let (_dir, document) = scan_story(&records, &[]);
    assert_eq!(stolen(&document), Vec::<Value>::new(), "{document:#}");
    assert_eq!(document["summary"]["machine_sessions"], 1);
}

#[test]
fn working_on_the_instance_right_after_reaching_it_is_not_exfiltration() {
    // No call of the instance's own is in these logs. alice starts a session on it from her
    // laptop; within a minute her own credentials and the instance's (the default profile on
    // the box) call from the instance's address with the same CLI. She reached the instance from
    // elsewhere just before, so that address is the instance's.
    let s = 3;
    let instance = in_scope_of_instance("ASIAWO645SY5WORKER03");
    let cli = (INSTANCE_ADDRESS, INSTANCE_CLI);
    let records = vec![
        start_session(&id(s, 1), &t("09:20:00"), &alice(), INSTANCE),
        call(&id(s, 2), &t("09:21:00"), &alice(), LIST_BUCKETS, cli),
        call(&id(s, 3), &t("09:22:00"), &instance, GET_OBJECT, cli),
    ];
    let (_dir, document) = scan_story(&records, &[]);
    assert_eq!(stolen(&document), Vec::<Value>::new(), "{document:#}");
    assert_eq!(document["summary"]["machine_sessions"], 1);
}

const FUNCTION: &str = "arn:aws:lambda:us-east-1:444455556666:function:orders-export";
const FUNCTION_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/orders-export-role";
/// A Lambda execution environment's address, in the test ranges below.
const LAMBDA_ADDRESS: &str = "3.80.12.34";
const LAMBDA_AGENT: &str =
    "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.226 exec-env/AWS_Lambda_python3.12";

/// The function's session: `inScopeOf` the function.
fn in_function(key: &str) -> Value {
    let mut identity = role_session(FUNCTION_ROLE, "orders-export", key, "2026-03-02T09:59:58Z");
    identity["inScopeOf"] = json!({"issuerType": "AWS::Lambda::Function",
        "credentialsIssuedTo": format!("{FUNCTION}:$LATEST")});
    identity
}

#[test]
fn a_machine_calling_only_from_its_own_address_raises_nothing() {
    // The instance (known by its session name, after EC2's AssumeRole) calls from its address
    // with the SSM agent; the function from its environment; alice from her laptop.
    let s = 4;
    let key = "ASIAWO645SY5WORKER04";
    let instance = role_session(WORKER_ROLE, INSTANCE, key, "2026-03-02T08:00:02Z");
    let function = in_function("ASIAWO645SY5LAMBDA04");
    let agent = (INSTANCE_ADDRESS, SSM_AGENT);
    let lambda = (LAMBDA_ADDRESS, LAMBDA_AGENT);
    let records = vec![
        assume_role(
            &id(s, 1),
            "2026-03-02T08:00:02Z",
            DATA,
            aws_service("ec2.amazonaws.com"),
            WORKER_ROLE,
            INSTANCE,
            key,
        ),
        call(&id(s, 2), &t("09:00:00"), &instance, CHECK_IN, agent),
        call(&id(s, 3), &t("09:05:00"), &instance, CHECK_IN, agent),
        call(&id(s, 4), &t("10:00:00"), &function, QUERY, lambda),
        call(&id(s, 5), &t("10:00:01"), &function, PUT_OBJECT, lambda),
        call(&id(s, 6), &t("10:05:00"), &alice(), LIST_BUCKETS, LAPTOP),
    ];
    let (dir, document) = scan_story(&records, &[]);
    assert_eq!(stolen(&document), Vec::<Value>::new(), "{document:#}");
    assert_eq!(
        document["summary"]["machine_sessions"], 2,
        "{:#}",
        document["summary"]
    );
    assert_eq!(document["summary"]["outside_aws_test"], "skipped");
    let (_, table) = run(&["scan", dir.path().to_str().unwrap()]);
    assert!(
        table.contains(
            "2 machine sessions checked for stolen credentials; calls from outside AWS not tested (no --aws-ip-ranges)"
        ),
        "the report says the outside-AWS test was skipped: {table}"
    );
}

/// A small `ip-ranges.json` in the published shape.
fn ip_ranges(dir: &Path) -> PathBuf {
    let body = json!({
        "syncToken": "1772409600",
        "createDate": "2026-03-01-22-13-05",
        "prefixes": [
            {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "AMAZON",
             "network_border_group": "us-east-1"},
            {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "EC2",
             "network_border_group": "us-east-1"},
            {"ip_prefix": "52.94.0.0/22", "region": "us-east-1", "service": "AMAZON",
             "network_border_group": "us-east-1"}
        ],
        "ipv6_prefixes": [
            {"ipv6_prefix": "2600:1f18::/33", "region": "us-east-1", "service": "EC2",
             "network_border_group": "us-east-1"}
        ]
    });
    write_file(dir, "ip-ranges.json", body.to_string().as_bytes())
}

#[test]
fn function_credentials_used_outside_aws_are_found_only_with_the_ranges() {
    // The function calls from its environment inside AWS. An hour later its credentials (read
    // from its environment) are used from a laptop on the internet that no person in these
    // logs calls from: only the published ranges tell it is not AWS.
    let s = 5;
    let function = in_function("ASIAWO645SY5LAMBDA05");
    let lambda = (LAMBDA_ADDRESS, LAMBDA_AGENT);
    let elsewhere = ("192.0.2.77", SCRIPT);
    let records = vec![
        call(&id(s, 1), &t("10:00:00"), &function, QUERY, lambda),
        call(&id(s, 2), &t("10:00:01"), &function, PUT_OBJECT, lambda),
        call(
            &id(s, 3),
            &t("11:30:00"),
            &function,
            LIST_BUCKETS,
            elsewhere,
        ),
        call(&id(s, 4), &t("11:30:05"), &function, GET_OBJECT, elsewhere),
        call(&id(s, 5), &t("11:40:00"), &alice(), LIST_BUCKETS, LAPTOP),
    ];
    let (dir, document) = scan_story(&records, &[]);
    assert_eq!(stolen(&document), Vec::<Value>::new(), "{document:#}");
    assert_eq!(document["summary"]["outside_aws_test"], "skipped");

    let elsewhere_dir = tempfile::tempdir().unwrap();
    let ranges = ip_ranges(elsewhere_dir.path());
    let (code, document) = scan_json(
        &[dir.path()],
        &["--aws-ip-ranges", ranges.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    assert_eq!(document["summary"]["outside_aws_test"], "ran");
    let found = stolen(&document);
    assert_eq!(found.len(), 1, "{document:#}");
    let f = &found[0];
    assert_eq!(f["reasons"], json!(["outside_aws"]));
    assert_eq!(f["machine"], json!({"kind": "function", "id": FUNCTION}));
    assert_eq!(f["source_address"], "192.0.2.77");
    assert_eq!(f["machine_addresses"], json!([LAMBDA_ADDRESS]));
    assert_eq!(f["break_event_id"], id(s, 3));
    assert!(f["human"].is_null(), "no person calls from there: {f:#}");
    assert!(f["link"].is_null());
    assert!(f.get("reached_by").is_none());
}

#[test]
fn task_credentials_used_from_the_laptop_that_ran_ecs_exec() {
    // bob opens a shell in an ECS task with ECS Exec and copies the task role's credentials
    // from its credential endpoint; a script on his laptop then calls with them.
    const TASK_ROLE: &str = "arn:aws:iam::444455556666:role/orders-api-task";
    const TASK: &str = "6a4e2c8f0b1d3f5a7c9e1b3d5f7a9c0e";
    let s = 6;
    let key = "ASIAWO645SY5TASK0006";
    let task = role_session(TASK_ROLE, TASK, key, "2026-03-02T09:58:00Z");
    let fargate = (
        "10.0.7.9",
        "aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 exec-env/AWS_ECS_FARGATE",
    );
    let script = (PERSON_ADDRESS, SCRIPT);
    let task_arn = format!("arn:aws:ecs:us-east-1:{DATA}:task/orders/{TASK}");
    let exec_command = ("ecs.amazonaws.com", "ExecuteCommand");
    let mut exec = call(&id(s, 4), &t("10:10:00"), &bob(), exec_command, LAPTOP);
    exec["readOnly"] = json!(false);
    exec["requestParameters"] = json!({"cluster": "orders", "container": "api",
        "command": "/bin/sh", "interactive": true, "task": task_arn});
    exec["responseElements"] = json!({"clusterArn": format!("arn:aws:ecs:us-east-1:{DATA}:cluster/orders"),
        "containerName": "api", "interactive": true, "taskArn": task_arn,
        "session": {"sessionId": "ecs-execute-command-0f1e2d3c4b5a69788",
            "streamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/ecs-execute-command-0f1e2d3c4b5a69788?role=publish_subscribe",
            "tokenValue": "HIDDEN_DUE_TO_SECURITY_REASONS"}});
    let records = vec![
        assume_role(
            &id(s, 1),
            "2026-03-02T09:58:00Z",
            DATA,
            aws_service("ecs-tasks.amazonaws.com"),
            TASK_ROLE,
            TASK,
            key,
        ),
        call(&id(s, 2), &t("10:00:00"), &task, QUERY, fargate),
        call(&id(s, 3), &t("10:02:00"), &task, QUERY, fargate),
        exec,
        call(&id(s, 5), &t("10:12:00"), &task, LIST_BUCKETS, script),
    ];
    let (_dir, document) = scan_story(&records, &[]);
    let found = stolen(&document);
    assert_eq!(found.len(), 1, "{document:#}");
    let f = &found[0];
    assert_eq!(f["human"], "bob@example.com");
    assert_eq!(f["link"], "exact");
    assert_eq!(f["machine"], json!({"kind": "task", "id": TASK}));
    assert_eq!(f["reasons"], json!(["person_address", "reached_from"]));
    assert_eq!(f["machine_addresses"], json!(["10.0.7.9"]));
    assert_eq!(f["reached_by"]["call"], "ecs:ExecuteCommand");
    assert_eq!(f["break_event_id"], id(s, 5));
}

#[test]
fn a_thief_on_the_machines_own_network_is_not_seen_and_the_rule_says_so() {
    // The instance's credentials are used with alice's tools, but from the instance's own
    // address (the same NAT gateway, or the instance itself): the rule cannot tell that from
    // the instance, and its help says so.
    let s = 7;
    let instance = delivered_to_instance("ASIAWO645SY5WORKER07");
    let records = vec![
        call(
            &id(s, 1),
            &t("09:00:00"),
            &instance,
            CHECK_IN,
            (INSTANCE_ADDRESS, SSM_AGENT),
        ),
        call(
            &id(s, 2),
            &t("09:10:00"),
            &alice(),
            DESCRIBE_INSTANCES,
            LAPTOP,
        ),
        call(
            &id(s, 3),
            &t("09:30:00"),
            &instance,
            LIST_BUCKETS,
            (INSTANCE_ADDRESS, PERSON_AGENT),
        ),
    ];
    let (dir, document) = scan_story(&records, &[]);
    assert_eq!(stolen(&document), Vec::<Value>::new(), "{document:#}");
    let (_, text) = run(&["scan", dir.path().to_str().unwrap(), "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "TIP005")
        .expect("a SARIF rule for exfiltrated_credentials")
        .clone();
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    let help = rule["help"]["text"].as_str().unwrap();
    assert!(help.contains("same NAT gateway"), "{help}");
}

#[test]
fn a_file_that_is_not_ip_ranges_json_is_refused() {
    let s = 8;
    let records = vec![call(
        &id(s, 1),
        &t("09:00:00"),
        &alice(),
        LIST_BUCKETS,
        LAPTOP,
    )];
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), DATA, "0905", &records);
    let elsewhere = tempfile::tempdir().unwrap();
    let bogus = write_file(elsewhere.path(), "ranges.json", br#"{"Users": []}"#);
    let stderr = assert_exit(
        2,
        &[
            "scan",
            dir.path().to_str().unwrap(),
            "--aws-ip-ranges",
            bogus.to_str().unwrap(),
        ],
    );
    assert!(stderr.contains("ip-ranges.json"), "{stderr}");
}

/// A public dataset under `../shared/datasets`, when this checkout has one next to it.
fn dataset(path: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets")
        .join(path);
    path.exists().then_some(path)
}

#[test]
fn the_stratus_steal_instance_credentials_detonation_is_found() {
    // Stratus Red Team `aws.credential-access.ec2-steal-instance-credentials`: christophe sends
    // a shell command to the instance, then uses its credentials himself. The stolen calls come
    // from his own address with his own user agent, and the instance makes no call of its own in
    // these logs: a person's address the machine's own calls never use.
    let Some(file) = dataset(
        "stratus-red-team-detonation-logs/docs/detonation-logs/aws.credential-access.ec2-steal-instance-credentials.json",
    ) else {
        eprintln!("skipped: ../shared/datasets is not here");
        return;
    };
    let (_, document) = scan_json(&[&file], &[]);
    let found = stolen(&document);
    assert_eq!(found.len(), 1, "{document:#}");
    let f = &found[0];
    assert_eq!(f["human"], "arn:aws:iam::017622104382:user/christophe");
    assert_eq!(f["link"], "exact");
    assert_eq!(f["break_event_id"], "b379479b-05c9-4c3c-af4b-cbd43acf29e1");
    assert_eq!(f["source_address"], "18.236.253.47");
    assert_eq!(f["machine"]["kind"], "instance");
    assert_eq!(f["machine"]["id"], "i-786a3a8b5c0d92ef4");
    assert_eq!(f["machine_addresses"], json!([]));
    assert_eq!(f["reasons"], json!(["person_address", "reached_from"]));
    assert_eq!(f["reached_by"]["call"], "ssm:SendCommand");
    assert_eq!(
        f["reached_by"]["event_id"],
        "2a5178c8-b4c7-44ba-b066-1ecc79b7087c"
    );
    assert_eq!(f["events_after_break"], 2);
}

#[test]
fn the_invictus_instance_credential_theft_is_found() {
    // The invictus attack simulation runs the same technique in a live account: there the
    // instance's SSM agent calls from its own address, and the stolen credentials from the
    // address bert-jan works from.
    let Some(dir) = dataset("invictus-aws-dataset") else {
        eprintln!("skipped: ../shared/datasets is not here");
        return;
    };
    let (_, document) = scan_json(&[&dir], &[]);
    let found = stolen(&document);
    assert_eq!(found.len(), 1, "{:#}", json!(found));
    let f = &found[0];
    assert_eq!(f["machine"]["id"], "i-0dbc91f429e48eeed");
    assert_eq!(f["human"], "arn:aws:iam::123837392027:user/bert-jan");
    assert_eq!(f["source_address"], "192.168.10.20");
    assert_eq!(f["machine_addresses"], json!(["3.225.16.109"]));
    assert_eq!(f["reached_by"]["call"], "ssm:SendCommand");
}
