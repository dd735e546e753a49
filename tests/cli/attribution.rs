//! Naming the right person (issue 11): causes precede effects, tokens make links exact, one call
//! starts one session, refreshes inherit their cause, standing configuration is the service's own
//! work, rivals are shown, the break event is chosen by time then event id, and a policy can ask
//! for exact links before a finding fails the gate.
//!
//! Every story is a small estate of hand-built CloudTrail records shaped as AWS writes them
//! (requests and responses after the invictus and stratus-red-team samples, and the Lake
//! Formation samples of aws-lakeformation-best-practices).

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::*;

// People, ids, times ----------------------------------------------------------------------------

/// The people of these stories, Identity Center users of the `DataAnalyst` permission set.
const PEOPLE: [&str; 10] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
];

/// How a person is named in findings: their Identity Center user name.
fn email(name: &str) -> String {
    format!("{name}@example.com")
}

/// `name`'s permission-set session, carrying `onBehalfOf`.
fn person(name: &str) -> Value {
    let i = PEOPLE.iter().position(|p| *p == name).unwrap();
    sso_session(
        DATA,
        &email(name),
        &format!("5c7e2a90-41d3-4b6f-9e8a-{:012x}", 0x5e0 + i),
        &key(&name.to_uppercase()),
        "2026-03-02T08:30:12Z",
    )
}

/// A temporary access key id, `ASIA` and sixteen more characters (`tag` is padded with `X`).
fn key(tag: &str) -> String {
    let key = format!("ASIAWO645SY5{tag:X<8}");
    assert_eq!(key.len(), 20, "{key}");
    key
}

/// An `eventID` shaped like CloudTrail's: `story` tells the test, `n` the event.
fn uuid(story: u32, n: u32) -> String {
    format!("{story:08x}-5b3e-4c1d-9a7f-{n:012x}")
}

/// A time on the day of the stories, `2026-03-02T<hms>Z`.
fn t(hms: &str) -> String {
    format!("2026-03-02T{hms}Z")
}

fn parse(time: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(time)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// `time` moved by `seconds`.
fn later(time: &str, seconds: i64) -> String {
    (parse(time) + chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `time` moved by `seconds`, as response elements write dates: `Mar 2, 2026, 10:00:02 AM`.
fn aws_date(time: &str, seconds: i64) -> String {
    (parse(time) + chrono::Duration::seconds(seconds))
        .format("%b %-d, %Y, %-I:%M:%S %p")
        .to_string()
}

// Calls people make ------------------------------------------------------------------------------

/// A successful call by `who` with its request and response.
fn request(
    id: &str,
    time: &str,
    who: Value,
    source: &str,
    name: &str,
    parameters: Value,
    response: Value,
) -> Value {
    let mut e = event(id, time, source, name, DATA, who);
    e["requestParameters"] = parameters;
    e["responseElements"] = response;
    e["readOnly"] = json!(false);
    e
}

const GLUE_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/AWSGlueServiceRole-orders";

/// Glue `StartJobRun` of the `orders-nightly` job (the request does not name the job's role).
fn start_job_run(id: &str, time: &str, who: Value) -> Value {
    request(
        id,
        time,
        who,
        "glue.amazonaws.com",
        "StartJobRun",
        json!({"jobName": "orders-nightly", "workerType": "G.1X", "numberOfWorkers": 10}),
        json!({"jobRunId": format!("jr_{}", id.replace('-', "").repeat(2))}),
    )
}

const STATE_MACHINE: &str = "arn:aws:states:us-east-1:444455556666:stateMachine:orders-refresh";
const STATES_ROLE: &str =
    "arn:aws:iam::444455556666:role/service-role/StepFunctions-orders-refresh-role-1c2d3e4f";

/// Step Functions `StartExecution` of `orders-refresh`.
fn start_execution(id: &str, time: &str, who: Value, execution: &str) -> Value {
    request(
        id,
        time,
        who,
        "states.amazonaws.com",
        "StartExecution",
        json!({"stateMachineArn": STATE_MACHINE, "name": execution,
               "input": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
        json!({"executionArn": format!("arn:aws:states:us-east-1:{DATA}:execution:orders-refresh:{execution}"),
               "startDate": aws_date(time, 0)}),
    )
}

const FUNCTION: &str = "arn:aws:lambda:us-east-1:444455556666:function:invoice-export";
const FUNCTION_ROLE: &str =
    "arn:aws:iam::444455556666:role/service-role/invoice-export-role-8h2kq1zp";

/// A Lambda `Invoke` data event of `invoice-export`; `kind` is `RequestResponse` or `Event`.
fn invoke(id: &str, time: &str, who: Value, kind: &str) -> Value {
    let mut e = request(
        id,
        time,
        who,
        "lambda.amazonaws.com",
        "Invoke",
        json!({"functionName": FUNCTION, "invocationType": kind}),
        Value::Null,
    );
    e["additionalEventData"] = json!({"functionVersion": format!("{FUNCTION}:$LATEST")});
    e["resources"] = json!([{"accountId": DATA, "type": "AWS::Lambda::Function", "ARN": FUNCTION}]);
    e["eventCategory"] = json!("Data");
    e["managementEvent"] = json!(false);
    e
}

const TASK_ROLE: &str = "arn:aws:iam::444455556666:role/orders-export-task";
const EXECUTION_ROLE: &str = "arn:aws:iam::444455556666:role/ecsTaskExecutionRole";

/// ECS `RunTask` of `orders-export` on Fargate; the response holds the task ARN, ending in `task`.
fn run_task(id: &str, time: &str, who: Value, task: &str) -> Value {
    let task_arn = format!("arn:aws:ecs:us-east-1:{DATA}:task/etl/{task}");
    request(
        id,
        time,
        who,
        "ecs.amazonaws.com",
        "RunTask",
        json!({"cluster": "etl", "count": 1, "launchType": "FARGATE",
               "taskDefinition": "orders-export:7", "enableECSManagedTags": true,
               "enableExecuteCommand": false,
               "networkConfiguration": {"awsvpcConfiguration": {
                   "subnets": ["subnet-0b8d2e4f6a1c3e5d7"], "securityGroups": ["sg-0e4c2a0f8d6b4a2c1"],
                   "assignPublicIp": "DISABLED"}}}),
        json!({"failures": [], "tasks": [{
            "attachments": [{"id": "1c9e7d5b-3a1f-4e2d-8c6b-4a2e0f8d6c4b", "type": "ElasticNetworkInterface",
                             "status": "PRECREATED",
                             "details": [{"name": "subnetId", "value": "subnet-0b8d2e4f6a1c3e5d7"}]}],
            "availabilityZone": "us-east-1a",
            "clusterArn": format!("arn:aws:ecs:us-east-1:{DATA}:cluster/etl"),
            "containers": [{"containerArn": format!("arn:aws:ecs:us-east-1:{DATA}:container/etl/{task}/5a7c9e1b-3d5f-4a7c-9e1b-3d5f7a9c1e3b"),
                            "taskArn": task_arn, "name": "export",
                            "image": format!("{DATA}.dkr.ecr.us-east-1.amazonaws.com/orders-export:1.4.2"),
                            "lastStatus": "PENDING", "networkInterfaces": [], "cpu": "0"}],
            "cpu": "512", "memory": "1024", "createdAt": aws_date(time, 0),
            "desiredStatus": "RUNNING", "enableExecuteCommand": false, "group": "family:orders-export",
            "lastStatus": "PROVISIONING", "launchType": "FARGATE", "platformVersion": "1.4.0",
            "platformFamily": "Linux", "taskArn": task_arn,
            "taskDefinitionArn": format!("arn:aws:ecs:us-east-1:{DATA}:task-definition/orders-export:7"),
            "version": 1, "ephemeralStorage": {"sizeInGiB": 20}}]}),
    )
}

const BUILD_ROLE: &str =
    "arn:aws:iam::444455556666:role/service-role/codebuild-orders-build-service-role";

/// CodeBuild `StartBuild` of `orders-build`; the response's build id is `orders-build:<build>`.
fn start_build(id: &str, time: &str, who: Value, build: &str, number: u32) -> Value {
    request(
        id,
        time,
        who,
        "codebuild.amazonaws.com",
        "StartBuild",
        json!({"projectName": "orders-build"}),
        json!({"build": {
            "id": format!("orders-build:{build}"),
            "arn": format!("arn:aws:codebuild:us-east-1:{DATA}:build/orders-build:{build}"),
            "buildNumber": number, "startTime": aws_date(time, 0), "currentPhase": "QUEUED",
            "buildStatus": "IN_PROGRESS", "projectName": "orders-build",
            "phases": [{"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "startTime": aws_date(time, 0),
                        "endTime": aws_date(time, 0), "durationInSeconds": 0}],
            "source": {"type": "CODECOMMIT", "gitCloneDepth": 1, "insecureSsl": false,
                       "location": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/orders"},
            "artifacts": {"location": ""}, "cache": {"type": "NO_CACHE"},
            "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                            "computeType": "BUILD_GENERAL1_SMALL", "environmentVariables": [],
                            "privilegedMode": false, "imagePullCredentialsType": "CODEBUILD"},
            "serviceRole": BUILD_ROLE, "timeoutInMinutes": 60, "queuedTimeoutInMinutes": 480,
            "buildComplete": false,
            "encryptionKey": format!("arn:aws:kms:us-east-1:{DATA}:alias/aws/s3")}}),
    )
}

const EMR_APPLICATION: &str = "00fhc2k3q1r9a80l";
const EMR_ROLE: &str = "arn:aws:iam::444455556666:role/EmrServerlessRuntimeRole";

/// EMR Serverless `StartJobRun` (the request names the runtime role; the response the job run id).
fn emr_job_run(id: &str, time: &str, who: Value, job_run: &str) -> Value {
    request(
        id,
        time,
        who,
        "emr-serverless.amazonaws.com",
        "StartJobRun",
        json!({"applicationId": EMR_APPLICATION, "clientToken": id, "executionRoleArn": EMR_ROLE,
               "name": "aggregate-orders",
               "jobDriver": {"sparkSubmit": {"entryPoint": "s3://orders-jobs/scripts/aggregate.py",
                   "sparkSubmitParameters": "--conf spark.executor.cores=2 --conf spark.executor.memory=4g"}}}),
        json!({"applicationId": EMR_APPLICATION, "jobRunId": job_run,
               "arn": format!("arn:aws:emr-serverless:us-east-1:{DATA}:/applications/{EMR_APPLICATION}/jobruns/{job_run}")}),
    )
}

const LF_ROLE: &str = "arn:aws:iam::444455556666:role/LakeFormationDataAccessRole";

/// Athena `StartQueryExecution` by `who`.
fn start_query(id: &str, time: &str, who: Value, query: &str) -> Value {
    request(
        id,
        time,
        who,
        "athena.amazonaws.com",
        "StartQueryExecution",
        json!({"queryString": "SELECT order_id, total FROM sales.orders WHERE dt = '2026-03-01'",
               "queryExecutionContext": {"catalog": "AwsDataCatalog", "database": "sales"},
               "workGroup": "primary"}),
        json!({"queryExecutionId": query}),
    )
}

/// Lake Formation `GetDataAccess` that Athena makes with `who`'s own credentials (a forward
/// access session) for query `query`; Lake Formation vends `lf_session` credentials.
fn get_data_access(id: &str, time: &str, mut who: Value, query: &str, lf_session: &str) -> Value {
    who["invokedBy"] = json!("athena.amazonaws.com");
    let principal = who["sessionContext"]["sessionIssuer"]["arn"].clone();
    let mut e = request(
        id,
        time,
        who,
        "lakeformation.amazonaws.com",
        "GetDataAccess",
        json!({"tableArn": format!("arn:aws:glue:us-east-1:{DATA}:table/sales/orders"),
               "permissions": ["SELECT"],
               "auditContext": {"additionalAuditContext": format!("{{queryId: {query}}}")},
               "cellLevelSecurityEnforced": true,
               "expectedTableId": "6f1e2d3c4b5a69788796a5b4c3d2e1f0"}),
        Value::Null,
    );
    e["additionalEventData"] = json!({"requesterService": "ATHENA",
        "LakeFormationTrustedCallerInvocation": "true",
        "lakeFormationPrincipal": principal,
        "lakeFormationRoleSessionName": lf_session});
    e["readOnly"] = json!(true);
    e["sourceIPAddress"] = json!("athena.amazonaws.com");
    e["userAgent"] = json!("athena.amazonaws.com");
    e
}

const INSTANCE_ROLE: &str = "arn:aws:iam::444455556666:role/orders-worker-instance";

/// EC2 `RunInstances` of one worker; the response lists `instance`.
fn run_instances(id: &str, time: &str, who: Value, instance: &str, ip: &str) -> Value {
    let launched = parse(time).timestamp_millis();
    request(
        id,
        time,
        who,
        "ec2.amazonaws.com",
        "RunInstances",
        json!({"instancesSet": {"items": [{"imageId": "ami-0c7217cdde317cfec", "minCount": 1, "maxCount": 1}]},
               "instanceType": "t3.medium", "blockDeviceMapping": {}, "monitoring": {"enabled": false},
               "disableApiTermination": false, "disableApiStop": false,
               "clientToken": id.to_uppercase(),
               "subnetId": "subnet-0b8d2e4f6a1c3e5d7",
               "iamInstanceProfile": {"name": "orders-worker-instance"},
               "ebsOptimized": false, "hibernationOptions": {"configured": false}}),
        json!({"requestId": format!("req-{id}"), "reservationId": "r-0f1e2d3c4b5a69788",
               "ownerId": DATA, "groupSet": {},
               "instancesSet": {"items": [{
                   "instanceId": instance, "imageId": "ami-0c7217cdde317cfec",
                   "currentInstanceBootMode": "legacy-bios",
                   "instanceState": {"code": 0, "name": "pending"},
                   "privateDnsName": format!("ip-{}.ec2.internal", ip.replace('.', "-")),
                   "amiLaunchIndex": 0, "productCodes": {}, "instanceType": "t3.medium",
                   "launchTime": launched,
                   "placement": {"availabilityZone": "us-east-1a", "tenancy": "default"},
                   "monitoring": {"state": "disabled"}, "subnetId": "subnet-0b8d2e4f6a1c3e5d7",
                   "vpcId": "vpc-06a1b2c3d4e5f6071", "privateIpAddress": ip,
                   "stateReason": {"code": "pending", "message": "pending"},
                   "architecture": "x86_64", "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda",
                   "blockDeviceMapping": {}, "virtualizationType": "hvm", "hypervisor": "xen",
                   "groupSet": {"items": [{"groupId": "sg-0e4c2a0f8d6b4a2c1"}]},
                   "sourceDestCheck": true,
                   "iamInstanceProfile": {"arn": format!("arn:aws:iam::{DATA}:instance-profile/orders-worker-instance"),
                                          "id": "AIPAWO645SY5ORDERSWK"},
                   "ebsOptimized": false, "enaSupport": true,
                   "metadataOptions": {"state": "pending", "httpTokens": "required",
                                       "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled"}}]}}),
    )
}

// Sessions AWS services start --------------------------------------------------------------------

const SDK_AGENT: &str = "aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc.";

/// A role session an AWS service starts for itself: its `AssumeRole`, then calls made with it.
struct ServiceSession {
    /// The service principal that assumes the role (`invokedBy` of the `AssumeRole`).
    by: &'static str,
    role: &'static str,
    name: String,
    key: String,
    /// The `AssumeRole` time, which is also the session's `creationDate`.
    created: String,
    /// How long the credentials last, in seconds.
    lifetime: i64,
    /// The `userIdentity` of its calls.
    identity: Value,
    source_ip: &'static str,
    user_agent: &'static str,
}

/// `by` assumes `role` as session `name` at `created`, and is issued the key tagged `key_tag`.
fn started(
    by: &'static str,
    role: &'static str,
    name: &str,
    key_tag: &str,
    created: &str,
) -> ServiceSession {
    ServiceSession {
        by,
        role,
        name: name.to_owned(),
        key: key(key_tag),
        created: created.to_owned(),
        lifetime: 3600,
        identity: role_session(role, name, &key(key_tag), created),
        source_ip: "10.0.14.37",
        user_agent: SDK_AGENT,
    }
}

impl ServiceSession {
    fn lasting(mut self, seconds: i64) -> Self {
        self.lifetime = seconds;
        self
    }

    /// Credentials issued to a resource (`inScopeOf`): a Lambda function, an EC2 instance.
    fn in_scope_of(mut self, issuer_type: &str, resource: &str) -> Self {
        self.identity["inScopeOf"] =
            json!({"issuerType": issuer_type, "credentialsIssuedTo": resource});
        self
    }

    /// An EC2 instance-profile session, delivered by IMDS version `version`.
    fn delivered(mut self, version: &str) -> Self {
        self.identity["sessionContext"]["ec2RoleDelivery"] = json!(version);
        self
    }

    /// Its calls are made by the service itself (`invokedBy`), from the service's address.
    fn made_by_the_service(mut self) -> Self {
        self.identity["invokedBy"] = json!(self.by);
        self.source_ip = self.by;
        self.user_agent = self.by;
        self
    }

    /// The service's `AssumeRole`, as AWS logs it.
    fn assume_role(&self, id: &str) -> Value {
        let mut e = assume_role(
            id,
            &self.created,
            DATA,
            aws_service(self.by),
            self.role,
            &self.name,
            &self.key,
        );
        e["sourceIPAddress"] = json!(self.by);
        e["userAgent"] = json!(self.by);
        e["requestParameters"]["durationSeconds"] = json!(self.lifetime);
        e["responseElements"]["credentials"]["expiration"] =
            json!(aws_date(&self.created, self.lifetime));
        e["sharedEventID"] = json!(format!("5a5a5a5a{}", &id[8..]));
        e
    }

    /// A call made with the session.
    fn call(&self, id: &str, time: &str, source: &str, name: &str) -> Value {
        let mut e = event(id, time, source, name, DATA, self.identity.clone());
        e["sourceIPAddress"] = json!(self.source_ip);
        e["userAgent"] = json!(self.user_agent);
        e
    }

    /// An S3 read (a data event) made with the session.
    fn read(&self, id: &str, time: &str) -> Value {
        let object = "curated/orders/dt=2026-03-01/part-00000.snappy.parquet";
        let mut e = self.call(id, time, "s3.amazonaws.com", "GetObject");
        e["requestParameters"] = json!({"bucketName": "orders-lake", "key": object,
            "Host": "orders-lake.s3.us-east-1.amazonaws.com"});
        e["additionalEventData"] = json!({"SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0,
            "AuthenticationMethod": "AuthHeader", "bytesTransferredOut": 48213,
            "x-amz-id-2": "k3R0c2FtcGxlLWlkLTI9PW9yZGVycy1sYWtlLWdldG9iamVjdA=="});
        e["resources"] = json!([
            {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::orders-lake/{object}")},
            {"accountId": DATA, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::orders-lake"}
        ]);
        e["eventCategory"] = json!("Data");
        e["managementEvent"] = json!(false);
        e
    }
}

/// A run of the `orders-nightly` Glue job: Glue's session name is always `GlueJobRunnerSession`.
fn glue_job(key_tag: &str, created: &str) -> ServiceSession {
    started(
        "glue.amazonaws.com",
        GLUE_ROLE,
        "GlueJobRunnerSession",
        key_tag,
        created,
    )
}

/// An execution of `orders-refresh`: Step Functions names its sessions with 32 random letters.
fn execution(name: &str, key_tag: &str, created: &str) -> ServiceSession {
    started("states.amazonaws.com", STATES_ROLE, name, key_tag, created)
}

/// An execution environment of `invoice-export`: named after the function, scoped to it.
fn function_environment(key_tag: &str, created: &str) -> ServiceSession {
    started(
        "lambda.amazonaws.com",
        FUNCTION_ROLE,
        "invoice-export",
        key_tag,
        created,
    )
    .lasting(7200)
    .in_scope_of("AWS::Lambda::Function", FUNCTION)
}

/// An ECS task's session of `role`, named after the task id; ECS credentials last six hours.
fn task_session(role: &'static str, task: &str, key_tag: &str, created: &str) -> ServiceSession {
    started("ecs-tasks.amazonaws.com", role, task, key_tag, created).lasting(21600)
}

/// Sessions `by` starts of `role`, one for each (session name, key tag, `hms` it is created at).
fn sessions_of<const N: usize>(
    by: &'static str,
    role: &'static str,
    each: [(&str, &str, &str); N],
) -> [ServiceSession; N] {
    each.map(|(name, key_tag, hms)| started(by, role, name, key_tag, &t(hms)))
}

// Running the tool -------------------------------------------------------------------------------

/// Writes each `(HHMM, records)` as one trail file of account DATA.
fn estate(files: &[(&str, Vec<Value>)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, (hhmm, records)) in files.iter().enumerate() {
        write_trail_file(
            dir.path(),
            &trail_key(DATA, hhmm, &format!("{i:0>16}")),
            records,
        );
    }
    dir
}

/// `scan --format json`, which must audit something and (without `--fail-on`) exit 0.
fn scan(dir: &TempDir, extra: &[&str]) -> Value {
    let (code, document) = scan_json(&[dir.path()], extra);
    assert_eq!(code, 0, "{document:#}");
    document
}

fn run_json(args: &[&str]) -> Value {
    let output = tip().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `chains --format json`.
fn chains(dir: &TempDir) -> Value {
    let path = dir.path().to_str().unwrap();
    run_json(&["chains", path, "--format", "json", "--threads", "2"])
}

/// The events of `human`'s timeline (`timeline --format json`).
fn timeline(dir: &TempDir, human: &str) -> Vec<Value> {
    let path = dir.path().to_str().unwrap();
    let document = run_json(&["timeline", path, "--human", human, "--format", "json"]);
    document["events"].as_array().unwrap().clone()
}

fn identity_lost(document: &Value) -> Vec<Value> {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "identity_lost")
        .cloned()
        .collect()
}

/// The one `identity_lost` finding.
fn only_lost(document: &Value) -> Value {
    let lost = identity_lost(document);
    assert_eq!(lost.len(), 1, "{:#}", document["findings"]);
    lost[0].clone()
}

/// The people named by `identity_lost` findings, sorted.
fn lost_humans(document: &Value) -> Vec<String> {
    let mut humans: Vec<String> = identity_lost(document)
        .iter()
        .map(|f| f["human"].as_str().unwrap_or("-").to_owned())
        .collect();
    humans.sort();
    humans
}

/// The finding (any kind) about the session whose first event is `break_event`.
fn finding_at(document: &Value, break_event: &str) -> Option<Value> {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["break_event_id"] == break_event)
        .cloned()
}

/// A finding's candidates as (person, event id, seconds before), in the order given.
fn candidates(finding: &Value) -> Vec<(String, String, i64)> {
    finding["candidates"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| {
                    (
                        c["human"].as_str().unwrap().to_owned(),
                        c["event_id"].as_str().unwrap().to_owned(),
                        c["seconds_before"].as_i64().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The session whose first event is `break_event` is `who`'s, by an exact link with no rivals.
fn assert_exact(document: &Value, break_event: &str, who: &str) {
    let finding = finding_at(document, break_event)
        .unwrap_or_else(|| panic!("no finding at {break_event}: {:#}", document["findings"]));
    assert_eq!(finding["human"], email(who), "{finding:#}");
    assert_eq!(finding["link"], "exact", "{finding:#}");
    assert!(
        finding["candidates"].as_array().is_none_or(Vec::is_empty),
        "an exact link has no rivals: {finding:#}"
    );
}

/// The session whose first event is `break_event` is not linked exactly to anyone.
fn assert_not_exact(document: &Value, break_event: &str) {
    if let Some(finding) = finding_at(document, break_event) {
        assert_ne!(finding["link"], "exact", "no token matched: {finding:#}");
    }
}

/// Scans `dir` of story `story`: each session whose first event is `uuid(story, n)` of `exact`
/// is `who`'s by an exact link, and the one whose first event is `uuid(story, unmatched)` is not
/// linked exactly to anyone.
fn assert_token_links(dir: &TempDir, story: u32, exact: &[(u32, &str)], unmatched: u32) {
    let document = scan(dir, &[]);
    for (n, who) in exact {
        assert_exact(&document, &uuid(story, *n), who);
    }
    assert_not_exact(&document, &uuid(story, unmatched));
}

/// No `identity_lost` finding and no lost event.
fn assert_nothing_lost(document: &Value) {
    assert_eq!(identity_lost(document), Vec::<Value>::new());
    assert_eq!(document["summary"]["coverage"]["lost"], 0);
}

/// Every chain node of the session with access key `key`, with the person of its chain.
fn nodes_of(chains: &Value, key: &str) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for chain in chains["chains"].as_array().unwrap() {
        for node in chain["nodes"].as_array().unwrap() {
            if node["access_key"] == key {
                found.push((chain["human"].as_str().unwrap().to_owned(), node.clone()));
            }
        }
    }
    found
}

/// Nobody's request goes on in the sessions with these keys: no `identity_lost`, no lost event,
/// and wherever a chain shows them they are `service`.
fn assert_service_work(dir: &TempDir, keys: &[&str]) {
    assert_nothing_lost(&scan(dir, &[]));
    let chains = chains(dir);
    for key in keys {
        for (human, node) in nodes_of(&chains, key) {
            assert_eq!(node["status"], "service", "in {human}'s chain: {node:#}");
        }
    }
}

// Causes precede effects --------------------------------------------------------------------------

#[test]
fn a_cause_precedes_its_effect_and_a_later_call_is_only_a_rival() {
    // alice starts the nightly Glue job at 09:00:00 and Glue assumes the job's role at 09:00:02.
    // bob starts the same job at 09:02:02, two minutes after the session existed: his call (an
    // asynchronous start, logged as soon as it returned) cannot have caused it. He is listed as a
    // rival, logged 120 s after the effect (a generous --link-skew keeps him in range).
    let job = glue_job("GLUEJOB1", &t("09:00:02"));
    let (alice_run, bob_run) = (uuid(0x11, 1), uuid(0x11, 4));
    let session = vec![
        job.assume_role(&uuid(0x11, 2)),
        job.read(&uuid(0x11, 3), &t("09:00:06")),
    ];
    let mut both = session.clone();
    both.push(start_job_run(&alice_run, &t("09:00:00"), person("alice")));
    both.push(start_job_run(&bob_run, &t("09:02:02"), person("bob")));
    let document = scan(&estate(&[("0905", both)]), &["--link-skew", "3m"]);
    let lost = only_lost(&document);
    assert_eq!(lost["human"], email("alice"), "{lost:#}");
    assert_eq!(lost["break_event_id"], uuid(0x11, 3));
    assert!(
        lost["link"] == "inferred" || lost["link"] == "ambiguous",
        "{lost:#}"
    );
    let rivals = candidates(&lost);
    assert_eq!(
        rivals.first(),
        Some(&(email("alice"), alice_run, 2)),
        "the chosen candidate comes first: {lost:#}"
    );
    assert!(
        rivals.contains(&(email("bob"), bob_run.clone(), -120)),
        "{lost:#}"
    );
    assert_eq!(lost["candidates_total"], 2);

    // With nobody before the session, the call logged just after it is the only cause left.
    let mut only_bob = session;
    only_bob.push(start_job_run(&bob_run, &t("09:02:02"), person("bob")));
    let lost = only_lost(&scan(
        &estate(&[("0905", only_bob)]),
        &["--link-skew", "3m"],
    ));
    assert_eq!(lost["human"], email("bob"), "{lost:#}");
    assert_eq!(candidates(&lost).first().map(|c| c.2), Some(-120));
}

#[test]
fn a_synchronous_invoke_may_be_logged_long_after_the_session_it_caused() {
    // alice's synchronous Invoke ran for 14 minutes: Lambda assumed the function's role at
    // 13:06:00, the function worked, and CloudTrail logged her call when it returned, at 13:20:00.
    // A synchronous call may be logged up to the trigger's max_lag (15 minutes) after its effect.
    let environment = function_environment("LAMBDALG", &t("13:06:00"));
    let session = vec![
        environment.assume_role(&uuid(0x41, 1)),
        environment.read(&uuid(0x41, 2), &t("13:06:01")),
    ];
    let mut within = session.clone();
    within.push(invoke(
        &uuid(0x41, 3),
        &t("13:20:00"),
        person("alice"),
        "RequestResponse",
    ));
    let lost = only_lost(&scan(&estate(&[("1320", within)]), &[]));
    assert_eq!(lost["human"], email("alice"), "{lost:#}");
    assert_eq!(lost["break_event_id"], uuid(0x41, 2));
    assert_eq!(lost["service"], "lambda.amazonaws.com");

    // 25 minutes is past any synchronous call's limit: that Invoke did not start this session.
    let mut beyond = session;
    beyond.push(invoke(
        &uuid(0x41, 4),
        &t("13:31:00"),
        person("alice"),
        "RequestResponse",
    ));
    let document = scan(&estate(&[("1335", beyond)]), &[]);
    assert_eq!(identity_lost(&document), Vec::<Value>::new());
}

#[test]
fn an_asynchronous_start_logged_after_the_session_did_not_cause_it() {
    // StartJobRun returns as soon as the run is queued, so it is logged before Glue assumes the
    // job's role, give or take clock skew. A call logged five minutes after the session began
    // came too late to have caused it. Widening --link-skew to 10 minutes accepts it.
    let job = glue_job("GLUELATE", &t("09:00:00"));
    let dir = estate(&[(
        "0910",
        vec![
            job.assume_role(&uuid(0x42, 1)),
            job.read(&uuid(0x42, 2), &t("09:00:05")),
            start_job_run(&uuid(0x42, 3), &t("09:05:00"), person("alice")),
        ],
    )]);
    assert_nothing_lost(&scan(&dir, &[]));
    let lost = only_lost(&scan(&dir, &["--link-skew", "10m"]));
    assert_eq!(lost["human"], email("alice"), "{lost:#}");
}

// One cause, one effect ---------------------------------------------------------------------------

#[test]
fn each_call_starts_at_most_one_session() {
    // alice starts the orders-refresh state machine at 09:00:00 and bob at 09:00:05; Step
    // Functions then assumes the state machine's role twice (random session names: no token), at
    // 09:00:06 and 09:00:08. bob's call is the nearest before both, but it started one
    // execution, not two: one session is alice's and the other bob's.
    let first = execution(
        "hRkqPzVwYtLmNbXcJdFsGaQeUiOpZxCv",
        "SFNEXEC1",
        &t("09:00:06"),
    );
    let second = execution(
        "tWqErTyUiOpAsDfGhJkLzXcVbNmQwErT",
        "SFNEXEC2",
        &t("09:00:08"),
    );
    let dir = estate(&[(
        "0905",
        vec![
            start_execution(
                &uuid(0x21, 1),
                &t("09:00:00"),
                person("alice"),
                "9f1c2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
            ),
            start_execution(
                &uuid(0x21, 2),
                &t("09:00:05"),
                person("bob"),
                "2d3e4f5a-6b7c-4d8e-9fa0-b1c2d3e4f5a6",
            ),
            first.assume_role(&uuid(0x21, 3)),
            first.read(&uuid(0x21, 4), &t("09:00:07")),
            second.assume_role(&uuid(0x21, 5)),
            second.read(&uuid(0x21, 6), &t("09:00:09")),
        ],
    )]);
    let document = scan(&dir, &[]);
    assert_eq!(
        lost_humans(&document),
        [email("alice"), email("bob")],
        "{:#}",
        document["findings"]
    );
}

#[test]
fn a_session_whose_only_cause_is_taken_is_nobodys() {
    // One StartExecution by alice, then two sessions of the state machine's role: the first is
    // her execution's; for the second no call is left, so it is the service's own work.
    let first = execution(
        "qAzWsXeDcRfVtGbYhNuJmIkOlPpLoKiJ",
        "SFNONE01",
        &t("09:00:01"),
    );
    let second = execution(
        "mNbVcXzLkJhGfDsApOiUyTrEwQqWeRtY",
        "SFNONE02",
        &t("09:00:20"),
    );
    let dir = estate(&[(
        "0905",
        vec![
            start_execution(
                &uuid(0x22, 1),
                &t("09:00:00"),
                person("alice"),
                "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
            ),
            first.assume_role(&uuid(0x22, 2)),
            first.read(&uuid(0x22, 3), &t("09:00:02")),
            second.assume_role(&uuid(0x22, 4)),
            second.read(&uuid(0x22, 5), &t("09:00:21")),
        ],
    )]);
    let document = scan(&dir, &[]);
    let lost = only_lost(&document);
    assert_eq!(lost["human"], email("alice"));
    assert_eq!(lost["break_event_id"], uuid(0x22, 3));
    assert_eq!(document["summary"]["coverage"]["lost"], 1);
}

#[test]
fn background_sessions_of_a_function_need_an_invocation_of_their_own() {
    // alice invokes invoice-export synchronously: Lambda starts an execution environment at
    // 13:09:59 and her Invoke is logged when it returns, at 13:10:01. Lambda later starts two more
    // environments of the function (13:14:30, 13:20:00) that nobody invoked: her one invocation
    // started one environment, and Lambda never refreshes into a new one, so they are Lambda's.
    let first = function_environment("LAMBDAE1", &t("13:09:59"));
    let second = function_environment("LAMBDAE2", &t("13:14:30"));
    let third = function_environment("LAMBDAE3", &t("13:20:00"));
    let mut records = vec![
        first.assume_role(&uuid(0x31, 1)),
        first.read(&uuid(0x31, 2), &t("13:10:00")),
        invoke(
            &uuid(0x31, 3),
            &t("13:10:01"),
            person("alice"),
            "RequestResponse",
        ),
        second.assume_role(&uuid(0x31, 4)),
        second.read(&uuid(0x31, 5), &t("13:14:31")),
        third.assume_role(&uuid(0x31, 6)),
        third.read(&uuid(0x31, 7), &t("13:20:01")),
    ];
    let document = scan(&estate(&[("1325", records.clone())]), &[]);
    let lost = only_lost(&document);
    assert_eq!(lost["human"], email("alice"));
    assert_eq!(lost["break_event_id"], uuid(0x31, 2));
    assert_eq!(document["summary"]["coverage"]["lost"], 1);

    // bob's asynchronous invocation, logged as it was queued just before the second environment
    // started, is that environment's cause; the third still has none.
    records.push(invoke(
        &uuid(0x31, 8),
        &t("13:14:29"),
        person("bob"),
        "Event",
    ));
    let document = scan(&estate(&[("1325", records)]), &[]);
    assert_eq!(lost_humans(&document), [email("alice"), email("bob")]);
    assert_eq!(
        finding_at(&document, &uuid(0x31, 5)).map(|f| f["human"].clone()),
        Some(json!(email("bob")))
    );
    assert_eq!(finding_at(&document, &uuid(0x31, 7)), None);
}

// Tokens make links exact -------------------------------------------------------------------------

#[test]
fn an_ecs_task_id_links_both_task_sessions_exactly() {
    // alice runs orders-export at 10:00:00 and bob at 10:00:03. A few seconds later ECS assumes
    // each task's execution role (to pull the image) and task role, every session named after its
    // task id, alice's first: bob's call is the nearest before all four, and one-to-one timing
    // would hand alice's task to bob. The task id decides, exactly. A task that no RunTask in the
    // logs returned (a service deployment's) gets no exact link.
    const ALICE_TASK: &str = "3d9c1f7a2b8e4c6d9a0f1e2d3c4b5a69";
    const BOB_TASK: &str = "8e2b4d6f0a1c3e5f7b9d1c3e5a7f9b2d";
    const OTHER_TASK: &str = "c4a6e8f0b2d4f6a8c0e2a4b6d8f0a2c4";
    let alice_pull = task_session(EXECUTION_ROLE, ALICE_TASK, "EXECA", &t("10:00:05"));
    let alice_task = task_session(TASK_ROLE, ALICE_TASK, "TASKA", &t("10:00:05"));
    let bob_pull = task_session(EXECUTION_ROLE, BOB_TASK, "EXECB", &t("10:00:06"));
    let bob_task = task_session(TASK_ROLE, BOB_TASK, "TASKB", &t("10:00:06"));
    let other_task = task_session(TASK_ROLE, OTHER_TASK, "TASKC", &t("10:00:08"));
    let s = 0x51;
    let pull_image = |session: &ServiceSession, n: u32, hms: &str| {
        session.call(
            &uuid(s, n),
            &t(hms),
            "ecr.amazonaws.com",
            "GetAuthorizationToken",
        )
    };
    let dir = estate(&[(
        "1005",
        vec![
            run_task(&uuid(s, 1), &t("10:00:00"), person("alice"), ALICE_TASK),
            run_task(&uuid(s, 2), &t("10:00:03"), person("bob"), BOB_TASK),
            alice_pull.assume_role(&uuid(s, 3)),
            alice_task.assume_role(&uuid(s, 4)),
            bob_pull.assume_role(&uuid(s, 5)),
            bob_task.assume_role(&uuid(s, 6)),
            pull_image(&alice_pull, 7, "10:00:06"),
            pull_image(&bob_pull, 8, "10:00:07"),
            other_task.assume_role(&uuid(s, 9)),
            alice_task.read(&uuid(s, 10), &t("10:00:12")),
            bob_task.read(&uuid(s, 11), &t("10:00:13")),
            other_task.read(&uuid(s, 12), &t("10:00:14")),
        ],
    )]);
    assert_token_links(
        &dir,
        s,
        &[(7, "alice"), (10, "alice"), (8, "bob"), (11, "bob")],
        12,
    );
}

#[test]
fn a_codebuild_build_id_links_its_build_exactly() {
    // alice starts a build of orders-build at 11:00:00 and bob at 11:00:03. CodeBuild assumes the
    // project's service role for alice's build first (11:00:19, session AWSCodeBuild-<her build's
    // uuid>), then for bob's (11:00:20). Timing alone would give the first to bob and the second
    // to alice; the build ids say otherwise. A webhook build that nobody started is not exact.
    const ALICE_BUILD: &str = "4f1d2c3b-5a6e-4d7c-8b9a-0e1f2a3b4c5d";
    const BOB_BUILD: &str = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
    const WEBHOOK_BUILD: &str = "e7d6c5b4-a3f2-4e1d-8c0b-9a8f7e6d5c4b";
    let name = |build: &str| format!("AWSCodeBuild-{build}");
    let [alice_build, bob_build, webhook_build] = sessions_of(
        "codebuild.amazonaws.com",
        BUILD_ROLE,
        [
            (name(ALICE_BUILD).as_str(), "CBUILDA", "11:00:19"),
            (name(BOB_BUILD).as_str(), "CBUILDB", "11:00:20"),
            (name(WEBHOOK_BUILD).as_str(), "CBUILDW", "11:00:25"),
        ],
    );
    let s = 0x52;
    let log_stream = |session: &ServiceSession, n: u32, hms: &str| {
        session.call(
            &uuid(s, n),
            &t(hms),
            "logs.amazonaws.com",
            "CreateLogStream",
        )
    };
    let dir = estate(&[(
        "1105",
        vec![
            start_build(
                &uuid(s, 1),
                &t("11:00:00"),
                person("alice"),
                ALICE_BUILD,
                41,
            ),
            start_build(&uuid(s, 2), &t("11:00:03"), person("bob"), BOB_BUILD, 42),
            alice_build.assume_role(&uuid(s, 3)),
            bob_build.assume_role(&uuid(s, 4)),
            webhook_build.assume_role(&uuid(s, 5)),
            log_stream(&alice_build, 6, "11:00:21"),
            log_stream(&bob_build, 7, "11:00:22"),
            log_stream(&webhook_build, 8, "11:00:26"),
            alice_build.read(&uuid(s, 9), &t("11:00:30")),
        ],
    )]);
    assert_token_links(&dir, s, &[(6, "alice"), (7, "bob")], 8);
}

#[test]
fn an_emr_serverless_job_run_id_links_its_run_exactly() {
    // alice and bob submit aggregate-orders to the same EMR Serverless application two seconds
    // apart, both naming the runtime role. The runtime role's sessions are named
    // `<jobRunId>,<attemptId>`; alice's starts first, when bob's call is the nearest before it.
    // A session whose job run id no StartJobRun returned is not exact.
    const ALICE_RUN: &str = "00fhm1k2n3p4q50a";
    const BOB_RUN: &str = "00fhm1k2n3p4q60b";
    let [alice_run, bob_run, unknown_run] = sessions_of(
        "emr-serverless.amazonaws.com",
        EMR_ROLE,
        [
            (
                format!("{ALICE_RUN},00fhm1k2r7s8t90a").as_str(),
                "EMRSA",
                "22:35:24",
            ),
            (
                format!("{BOB_RUN},00fhm1k2r7s8t91b").as_str(),
                "EMRSB",
                "22:35:25",
            ),
            ("00fhm1z9y8x7w60c,00fhm1z9y8x7w61d", "EMRSU", "22:35:27"),
        ],
    );
    let s = 0x53;
    let dir = estate(&[(
        "2240",
        vec![
            emr_job_run(&uuid(s, 1), &t("22:35:00"), person("alice"), ALICE_RUN),
            emr_job_run(&uuid(s, 2), &t("22:35:02"), person("bob"), BOB_RUN),
            alice_run.assume_role(&uuid(s, 3)),
            bob_run.assume_role(&uuid(s, 4)),
            unknown_run.assume_role(&uuid(s, 5)),
            alice_run.read(&uuid(s, 6), &t("22:36:08")),
            bob_run.read(&uuid(s, 7), &t("22:36:09")),
            unknown_run.read(&uuid(s, 8), &t("22:36:10")),
        ],
    )]);
    assert_token_links(&dir, s, &[(6, "alice"), (7, "bob")], 8);
}

#[test]
fn a_lake_formation_session_name_links_vended_credentials_exactly() {
    // alice and bob query sales.orders in Athena a second apart. For each query Athena calls
    // Lake Formation's GetDataAccess with the person's own credentials, and Lake Formation vends
    // credentials of its data-access role under the session name it logs
    // (lakeFormationRoleSessionName). The vended sessions start in the opposite order of the
    // calls, so timing would swap the two people. Vended credentials whose name no GetDataAccess
    // logged are not exact.
    const ALICE_VEND: &str = "AWSLF-00-AT-444455556666-B8JSAjo5QA";
    const BOB_VEND: &str = "AWSLF-00-AT-444455556666-kX2mQ9rTzW";
    const UNKNOWN_VEND: &str = "AWSLF-00-AT-444455556666-Zq81LmN0pX";
    let [alice_vend, bob_vend, unknown_vend] = sessions_of(
        "lakeformation.amazonaws.com",
        LF_ROLE,
        [
            (ALICE_VEND, "LFVENDA", "09:00:02"),
            (BOB_VEND, "LFVENDB", "09:00:03"),
            (UNKNOWN_VEND, "LFVENDU", "09:00:06"),
        ],
    );
    let (alice_query, bob_query) = (
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3d2c",
    );
    let s = 0x54;
    let dir = estate(&[(
        "0905",
        vec![
            start_query(&uuid(s, 1), &t("08:59:58"), person("alice"), alice_query),
            start_query(&uuid(s, 2), &t("08:59:59"), person("bob"), bob_query),
            get_data_access(
                &uuid(s, 3),
                &t("09:00:00"),
                person("bob"),
                bob_query,
                BOB_VEND,
            ),
            get_data_access(
                &uuid(s, 4),
                &t("09:00:01"),
                person("alice"),
                alice_query,
                ALICE_VEND,
            ),
            alice_vend.assume_role(&uuid(s, 5)),
            bob_vend.assume_role(&uuid(s, 6)),
            unknown_vend.assume_role(&uuid(s, 7)),
            alice_vend.read(&uuid(s, 8), &t("09:00:04")),
            bob_vend.read(&uuid(s, 9), &t("09:00:05")),
            unknown_vend.read(&uuid(s, 10), &t("09:00:07")),
        ],
    )]);
    assert_token_links(&dir, s, &[(8, "alice"), (9, "bob")], 10);
}

#[test]
fn an_instance_id_ties_a_launch_but_the_instance_works_for_itself() {
    // alice and bob each launch a worker, a second apart. EC2 assumes each instance's role twice
    // in the same second (one key per ec2RoleDelivery version), named after the instance id. A
    // server's work is not its launcher's request going on: no identity_lost, and the instance
    // sessions are `service` (in the launcher's chain if shown at all, never in the other's).
    // alice's timeline shows her launch.
    const ALICE_INSTANCE: &str = "i-0a4c6e8f0b2d4f6a8";
    const BOB_INSTANCE: &str = "i-07e5c3a1f9d7b5e3c";
    let instance = |id: &str, key_tag: &str, created: &str, delivery: &str| {
        started("ec2.amazonaws.com", INSTANCE_ROLE, id, key_tag, created)
            .lasting(23700)
            .delivered(delivery)
            .in_scope_of(
                "AWS::EC2::Instance",
                &format!("arn:aws:ec2:us-east-1:{DATA}:instance/{id}"),
            )
    };
    let alice_v1 = instance(ALICE_INSTANCE, "EC2AV1", &t("12:00:02"), "1.0");
    let alice_v2 = instance(ALICE_INSTANCE, "EC2AV2", &t("12:00:02"), "2.0");
    let bob_v1 = instance(BOB_INSTANCE, "EC2BV1", &t("12:00:03"), "1.0");
    let bob_v2 = instance(BOB_INSTANCE, "EC2BV2", &t("12:00:03"), "2.0");
    let s = 0x55;
    let alice_launch = uuid(s, 1);
    let bob_launch = uuid(s, 2);
    let from_instance = |mut e: Value, ip: &str| {
        e["sourceIPAddress"] = json!(ip);
        e["userAgent"] = json!(
            "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ssm#1.52.4"
        );
        e["vpcEndpointId"] = json!("vpce-0f3e5d7c9b1a2e4f6");
        e
    };
    let check_in = |session: &ServiceSession, n: u32, hms: &str, ip: &str| {
        let call = session.call(
            &uuid(s, n),
            &t(hms),
            "ssm.amazonaws.com",
            "UpdateInstanceInformation",
        );
        from_instance(call, ip)
    };
    let dir = estate(&[(
        "1205",
        vec![
            run_instances(
                &alice_launch,
                &t("12:00:00"),
                person("alice"),
                ALICE_INSTANCE,
                "10.0.3.21",
            ),
            run_instances(
                &bob_launch,
                &t("12:00:01"),
                person("bob"),
                BOB_INSTANCE,
                "10.0.3.57",
            ),
            alice_v1.assume_role(&uuid(s, 3)),
            alice_v2.assume_role(&uuid(s, 4)),
            bob_v1.assume_role(&uuid(s, 5)),
            bob_v2.assume_role(&uuid(s, 6)),
            check_in(&alice_v2, 7, "12:00:41", "10.0.3.21"),
            from_instance(alice_v1.read(&uuid(s, 8), &t("12:01:10")), "10.0.3.21"),
            check_in(&bob_v2, 9, "12:00:44", "10.0.3.57"),
            from_instance(bob_v1.read(&uuid(s, 10), &t("12:01:15")), "10.0.3.57"),
        ],
    )]);
    assert_nothing_lost(&scan(&dir, &[]));
    let chains = chains(&dir);
    for (sessions, launcher) in [
        ([&alice_v1.key, &alice_v2.key], email("alice")),
        ([&bob_v1.key, &bob_v2.key], email("bob")),
    ] {
        for key in sessions {
            for (human, node) in nodes_of(&chains, key) {
                assert_eq!(node["status"], "service", "{node:#}");
                assert_eq!(human, launcher, "linked by instance id: {node:#}");
                assert_eq!(node["link"], "exact", "{node:#}");
            }
        }
    }
    let rows = timeline(&dir, &email("alice"));
    assert!(
        rows.iter()
            .any(|r| r["action"] == "RunInstances" && r["event_id"] == alice_launch),
        "{rows:#?}"
    );
    assert!(rows.iter().all(|r| r["event_id"] != bob_launch));
    assert!(rows.iter().all(|r| r["status"] != "lost"), "{rows:#?}");
}

// Standing configuration is not a request ---------------------------------------------------------

/// The root user's console session.
fn root() -> Value {
    json!({"type": "Root", "principalId": DATA, "arn": format!("arn:aws:iam::{DATA}:root"),
           "accountId": DATA, "accessKeyId": key("ROOTCON"),
           "sessionContext": {"attributes": {"creationDate": t("08:55:40"), "mfaAuthenticated": "true"}}})
}

#[test]
fn a_trails_cloudwatch_logs_role_is_standing_configuration() {
    // The root user points the management trail at a CloudWatch Logs group at 09:00:00. From then
    // on CloudTrail assumes the delivery role on its own schedule (09:00:40, again at 09:45:10)
    // and writes log streams: the service's work, not the root user's request going on. The
    // UpdateTrail call itself stays in the root user's timeline.
    const TRAIL_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/CloudTrailRoleForCloudWatchLogs_management-events";
    let group =
        format!("arn:aws:logs:us-east-1:{DATA}:log-group:aws-cloudtrail-logs-{DATA}-8c1f2e3a:*");
    let update = request(
        &uuid(0x61, 1),
        &t("09:00:00"),
        root(),
        "cloudtrail.amazonaws.com",
        "UpdateTrail",
        json!({"name": "management-events", "cloudWatchLogsLogGroupArn": group,
               "cloudWatchLogsRoleArn": TRAIL_ROLE}),
        json!({"name": "management-events",
               "s3BucketName": format!("aws-cloudtrail-logs-{DATA}-8c1f2e3a"),
               "includeGlobalServiceEvents": true, "isMultiRegionTrail": true,
               "trailARN": format!("arn:aws:cloudtrail:us-east-1:{DATA}:trail/management-events"),
               "logFileValidationEnabled": true, "cloudWatchLogsLogGroupArn": group,
               "cloudWatchLogsRoleArn": TRAIL_ROLE, "isOrganizationTrail": false}),
    );
    let delivery = |key_tag: &str, created: &str| {
        started(
            "cloudtrail.amazonaws.com",
            TRAIL_ROLE,
            "CloudTrailCloudWatchLogsDelivery",
            key_tag,
            created,
        )
        .made_by_the_service()
    };
    let first = delivery("CTCWL1", &t("09:00:40"));
    let later_one = delivery("CTCWL2", &t("09:45:10"));
    let stream = |session: &ServiceSession, id: &str, time: &str| {
        let mut e = session.call(id, time, "logs.amazonaws.com", "CreateLogStream");
        e["requestParameters"] = json!({"logGroupName": format!("aws-cloudtrail-logs-{DATA}-8c1f2e3a"),
            "logStreamName": format!("{DATA}_CloudTrail_us-east-1")});
        e
    };
    let dir = estate(&[
        (
            "0905",
            vec![
                update,
                first.assume_role(&uuid(0x61, 2)),
                stream(&first, &uuid(0x61, 3), &t("09:00:41")),
            ],
        ),
        (
            "0950",
            vec![
                later_one.assume_role(&uuid(0x61, 4)),
                stream(&later_one, &uuid(0x61, 5), &t("09:45:11")),
            ],
        ),
    ]);
    assert_service_work(&dir, &[first.key.as_str(), later_one.key.as_str()]);
    let rows = timeline(&dir, &format!("arn:aws:iam::{DATA}:root"));
    assert!(
        rows.iter()
            .any(|r| r["action"] == "UpdateTrail" && r["event_id"] == uuid(0x61, 1)),
        "{rows:#?}"
    );
}

#[test]
fn a_flow_log_delivery_role_is_standing_configuration() {
    // alice turns on VPC flow logs to CloudWatch Logs with a delivery role; the flow-logs service
    // assumes it a minute later and keeps delivering.
    const FLOW_ROLE: &str = "arn:aws:iam::444455556666:role/vpc-flow-logs-delivery";
    let create = request(
        &uuid(0x62, 1),
        &t("09:00:00"),
        person("alice"),
        "ec2.amazonaws.com",
        "CreateFlowLogs",
        json!({"CreateFlowLogsRequest": {
            "ResourceId": {"tag": 1, "content": "vpc-06a1b2c3d4e5f6071"},
            "MaxAggregationInterval": 600, "ResourceType": "VPC",
            "LogDestination": format!("arn:aws:logs:us-east-1:{DATA}:log-group:/vpc/flow-logs/prod"),
            "DeliverLogsPermissionArn": FLOW_ROLE, "LogDestinationType": "cloud-watch-logs",
            "TrafficType": "ALL"}}),
        json!({"CreateFlowLogsResponse": {
            "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/",
            "requestId": "3c1e5a7b-9d2f-4b6e-8a0c-2e4f6a8b0c1d",
            "clientToken": "q7YbT0mK2vXcR8nL4pW1sZ9eH3uJ6fG5dA0iO2kMbNc=",
            "unsuccessful": "", "flowLogIdSet": {"item": "fl-0c2e4a6b8d0f1a3c5"}}}),
    );
    let delivery = started(
        "vpc-flow-logs.amazonaws.com",
        FLOW_ROLE,
        "FlowLogsDelivery",
        "FLOWLOG1",
        &t("09:01:02"),
    )
    .made_by_the_service();
    let mut stream = delivery.call(
        &uuid(0x62, 3),
        &t("09:01:03"),
        "logs.amazonaws.com",
        "CreateLogStream",
    );
    stream["requestParameters"] = json!({"logGroupName": "/vpc/flow-logs/prod",
        "logStreamName": "eni-0b1c2d3e4f5a60718-all"});
    let dir = estate(&[(
        "0905",
        vec![create, delivery.assume_role(&uuid(0x62, 2)), stream],
    )]);
    assert_service_work(&dir, &[delivery.key.as_str()]);
}

#[test]
fn a_config_recorder_role_is_standing_configuration() {
    // alice sets up the AWS Config recorder with a role of her account's; Config assumes it
    // seconds later and keeps describing resources for as long as the recorder exists.
    const CONFIG_ROLE: &str = "arn:aws:iam::444455556666:role/config-recorder";
    let put = request(
        &uuid(0x63, 1),
        &t("09:00:00"),
        person("alice"),
        "config.amazonaws.com",
        "PutConfigurationRecorder",
        json!({"configurationRecorder": {"name": "default", "roleARN": CONFIG_ROLE,
            "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true,
                               "resourceTypes": [], "exclusionByResourceTypes": {"resourceTypes": []},
                               "recordingStrategy": {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"}},
            "recordingMode": {"recordingFrequency": "CONTINUOUS", "recordingModeOverrides": []}}}),
        Value::Null,
    );
    let recorder = started(
        "config.amazonaws.com",
        CONFIG_ROLE,
        "AWSConfig-Describe",
        "CONFIGR1",
        &t("09:00:12"),
    )
    .made_by_the_service();
    let dir = estate(&[(
        "0905",
        vec![
            put,
            recorder.assume_role(&uuid(0x63, 2)),
            recorder.call(
                &uuid(0x63, 3),
                &t("09:00:13"),
                "ec2.amazonaws.com",
                "DescribeSecurityGroups",
            ),
            recorder.call(
                &uuid(0x63, 4),
                &t("09:00:14"),
                "s3.amazonaws.com",
                "GetBucketAcl",
            ),
        ],
    )]);
    assert_service_work(&dir, &[recorder.key.as_str()]);
}

#[test]
fn a_replication_role_is_standing_configuration() {
    // alice configures replication of orders-lake to a disaster-recovery bucket; S3 assumes the
    // replication role and copies new objects on its own from then on.
    const REPLICATION_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/s3crr_role_for_orders-lake";
    let mut put = request(
        &uuid(0x64, 1),
        &t("09:00:00"),
        person("alice"),
        "s3.amazonaws.com",
        "PutBucketReplication",
        json!({"bucketName": "orders-lake", "Host": "orders-lake.s3.us-east-1.amazonaws.com",
               "replication": "",
               "ReplicationConfiguration": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
                   "Role": REPLICATION_ROLE,
                   "Rule": {"ID": "to-dr", "Status": "Enabled", "Priority": 1,
                            "DeleteMarkerReplication": {"Status": "Disabled"},
                            "Filter": {"Prefix": ""},
                            "Destination": {"Bucket": "arn:aws:s3:::orders-lake-dr"}}}}),
        Value::Null,
    );
    put["resources"] =
        json!([{"accountId": DATA, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::orders-lake"}]);
    let replication = started(
        "s3.amazonaws.com",
        REPLICATION_ROLE,
        "s3-replication",
        "S3REPL01",
        &t("09:02:30"),
    )
    .made_by_the_service();
    let dir = estate(&[(
        "0905",
        vec![
            put,
            replication.assume_role(&uuid(0x64, 2)),
            replication.read(&uuid(0x64, 3), &t("09:02:31")),
            replication.call(
                &uuid(0x64, 4),
                &t("09:02:32"),
                "s3.amazonaws.com",
                "ReplicateObject",
            ),
        ],
    )]);
    assert_service_work(&dir, &[replication.key.as_str()]);
}

// Credential refreshes inherit their cause ---------------------------------------------------------

#[test]
fn a_refreshed_glue_session_inherits_its_cause() {
    // alice starts the nightly job at 09:00:00; Glue assumes its role at 09:00:02 for an hour.
    // bob starts another run at 09:57:50, and Glue assumes the role for it at 09:57:52. At
    // 09:58:00, before alice's credentials expire, Glue assumes the role again under the same
    // session name with no start call of its own: a refresh of alice's run. bob's call, the
    // nearest before it, already started bob's run, so the refresh must not take it.
    let run = glue_job("GLUERUN1", &t("09:00:02"));
    let bobs = glue_job("GLUERUN3", &t("09:57:52"));
    let refresh = glue_job("GLUERUN2", &t("09:58:00"));
    let dir = estate(&[
        (
            "0905",
            vec![
                start_job_run(&uuid(0x71, 1), &t("09:00:00"), person("alice")),
                run.assume_role(&uuid(0x71, 2)),
                run.read(&uuid(0x71, 3), &t("09:00:05")),
            ],
        ),
        ("0935", vec![run.read(&uuid(0x71, 4), &t("09:30:00"))]),
        (
            "1000",
            vec![
                start_job_run(&uuid(0x71, 5), &t("09:57:50"), person("bob")),
                bobs.assume_role(&uuid(0x71, 8)),
                bobs.read(&uuid(0x71, 9), &t("09:57:55")),
                refresh.assume_role(&uuid(0x71, 6)),
                refresh.read(&uuid(0x71, 7), &t("09:58:03")),
            ],
        ),
    ]);
    let document = scan(&dir, &[]);
    assert_eq!(
        document["summary"]["coverage"]["lost"], 4,
        "alice's run, its refresh and bob's run are lost: {:#}",
        document["findings"]
    );
    let chains = chains(&dir);
    let refreshed = nodes_of(&chains, &refresh.key);
    assert_eq!(refreshed.len(), 1, "{chains:#}");
    assert_eq!(refreshed[0].0, email("alice"));
    assert_eq!(refreshed[0].1["status"], "lost");
    let bobs_run = nodes_of(&chains, &bobs.key);
    assert_eq!(bobs_run.len(), 1, "{chains:#}");
    assert_eq!(bobs_run[0].0, email("bob"));
}

#[test]
fn a_session_after_the_last_one_expired_is_not_a_refresh() {
    // alice's run had 15-minute credentials, until 09:15:02. A session of the same role and name
    // at 09:20:00 comes after they expired: not a refresh but a new run, and alice's one call is
    // already spent on hers (a 30-minute --link-window keeps that call in range).
    let run = glue_job("GLUEEXP1", &t("09:00:02")).lasting(900);
    let scheduled = glue_job("GLUEEXP2", &t("09:20:00"));
    let dir = estate(&[
        (
            "0905",
            vec![
                start_job_run(&uuid(0x72, 1), &t("09:00:00"), person("alice")),
                run.assume_role(&uuid(0x72, 2)),
                run.read(&uuid(0x72, 3), &t("09:00:05")),
            ],
        ),
        (
            "0920",
            vec![
                scheduled.assume_role(&uuid(0x72, 4)),
                scheduled.read(&uuid(0x72, 5), &t("09:20:03")),
            ],
        ),
    ]);
    let document = scan(&dir, &["--link-window", "30m"]);
    let lost = only_lost(&document);
    assert_eq!(lost["break_event_id"], uuid(0x72, 3));
    assert_eq!(document["summary"]["coverage"]["lost"], 1);
    assert_eq!(finding_at(&document, &uuid(0x72, 5)), None);
}

#[test]
fn a_refreshed_ecs_task_session_keeps_its_launcher() {
    // alice's task has run since 10:00; ECS renews its task-role credentials at 15:30:05, before
    // the six-hour ones expire, under the same task id. bob runs another task at 15:30:00 with a
    // session of its own: the refresh stays alice's and bob's call stays with his task.
    const ALICE_TASK: &str = "0b1c2d3e4f5a46b7c8d9e0f1a2b3c4d5";
    const BOB_TASK: &str = "f5e4d3c2b1a049f8e7d6c5b4a3f2e1d0";
    let first = task_session(TASK_ROLE, ALICE_TASK, "ECSREF1", &t("10:00:05"));
    let renewed = task_session(TASK_ROLE, ALICE_TASK, "ECSREF2", &t("15:30:05"));
    let bobs = task_session(TASK_ROLE, BOB_TASK, "ECSREFB", &t("15:30:04"));
    let dir = estate(&[
        (
            "1005",
            vec![
                run_task(&uuid(0x73, 1), &t("10:00:00"), person("alice"), ALICE_TASK),
                first.assume_role(&uuid(0x73, 2)),
                first.read(&uuid(0x73, 3), &t("10:00:09")),
            ],
        ),
        (
            "1535",
            vec![
                run_task(&uuid(0x73, 4), &t("15:30:00"), person("bob"), BOB_TASK),
                bobs.assume_role(&uuid(0x73, 5)),
                renewed.assume_role(&uuid(0x73, 6)),
                bobs.read(&uuid(0x73, 7), &t("15:30:08")),
                renewed.read(&uuid(0x73, 8), &t("15:30:09")),
            ],
        ),
    ]);
    let document = scan(&dir, &[]);
    assert_eq!(document["summary"]["coverage"]["lost"], 3);
    assert_eq!(
        finding_at(&document, &uuid(0x73, 7)).map(|f| f["human"].clone()),
        Some(json!(email("bob")))
    );
    let chains = chains(&dir);
    let renewed_nodes = nodes_of(&chains, &renewed.key);
    assert_eq!(renewed_nodes.len(), 1, "{chains:#}");
    assert_eq!(renewed_nodes[0].0, email("alice"));
    assert_eq!(renewed_nodes[0].1["status"], "lost");
}

// Same-second order --------------------------------------------------------------------------------

#[test]
fn the_break_event_is_the_first_by_time_then_by_event_id() {
    // The Glue job's first two calls happen in the same second. The one with the larger eventID
    // arrives in an earlier file: the break event is still the one with the smaller eventID,
    // whichever way the files are laid out.
    const SMALLER: &str = "2b7e4c1a-9d3f-4a60-8e15-7c4b9a0d1f62";
    const LARGER: &str = "d94f0e6b-3c2a-4e71-9b85-0a6c1f2e7d43";
    let job = glue_job("GLUESAME", &t("09:00:02"));
    let cause = || {
        vec![
            start_job_run(&uuid(0x81, 1), &t("09:00:00"), person("alice")),
            job.assume_role(&uuid(0x81, 2)),
        ]
    };
    for (first_file, second_file) in [(LARGER, SMALLER), (SMALLER, LARGER)] {
        let mut early = cause();
        early.push(job.read(first_file, &t("09:00:05")));
        let dir = estate(&[
            ("0905", early),
            ("0910", vec![job.read(second_file, &t("09:00:05"))]),
        ]);
        let lost = only_lost(&scan(&dir, &[]));
        assert_eq!(lost["break_event_id"], SMALLER, "{lost:#}");
        assert_eq!(lost["break_time"], t("09:00:05"));
        assert_eq!(lost["events_after_break"], 2);
    }
}

// Rivals are shown ----------------------------------------------------------------------------------

#[test]
fn ten_people_starting_one_job_is_ambiguous_and_lists_them() {
    // Ten analysts start the same Glue job within 45 seconds; Glue assumes the job's role once,
    // at 09:00:50. The logs cannot say whose run it is (dave's, at 09:00:15, in truth): the
    // finding must not name anyone with confidence, and it lists every candidate with how long
    // before the session their call was logged.
    let job = glue_job("GLUETEN1", &t("09:00:50"));
    let mut records: Vec<Value> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, name)| {
            start_job_run(
                &uuid(0x91, i as u32 + 1),
                &later(&t("09:00:00"), 5 * i as i64),
                person(name),
            )
        })
        .collect();
    records.push(job.assume_role(&uuid(0x91, 20)));
    records.push(job.read(&uuid(0x91, 21), &t("09:00:53")));
    let document = scan(&estate(&[("0905", records)]), &[]);
    let lost = only_lost(&document);
    assert!(
        lost["link"] == "inferred" || lost["link"] == "ambiguous",
        "{lost:#}"
    );
    let listed = candidates(&lost);
    let total = lost["candidates_total"].as_u64().unwrap();
    assert!(total >= 2, "{lost:#}");
    assert!(!listed.is_empty() && listed.len() <= 10, "{lost:#}");
    assert!(total >= listed.len() as u64);
    assert_eq!(
        listed[0].0,
        lost["human"].as_str().unwrap(),
        "the chosen one first"
    );
    assert!(
        listed.contains(&(email("dave"), uuid(0x91, 4), 35)),
        "the true person is among the candidates: {lost:#}"
    );
    assert!(
        listed.iter().all(|c| c.2 > 0),
        "all called before: {lost:#}"
    );
}

// The policy can ask for exact links ----------------------------------------------------------------

#[test]
fn min_link_in_the_policy_excuses_weaker_links_from_the_gate() {
    // An inferred break (a Glue run alice started, no token) fails `--fail-on high` by default.
    // A policy with min_link = "exact" excuses it and says so in the summary; min_link =
    // "inferred" does not. An exact break (an ECS task, tied by its task id) fails either way.
    let job = glue_job("GLUEGATE", &t("09:00:02"));
    let inferred = estate(&[(
        "0905",
        vec![
            start_job_run(&uuid(0xa1, 1), &t("09:00:00"), person("alice")),
            job.assume_role(&uuid(0xa1, 2)),
            job.read(&uuid(0xa1, 3), &t("09:00:05")),
        ],
    )]);
    const TASK: &str = "7a6b5c4d3e2f41a0b9c8d7e6f5a4b3c2";
    let task = task_session(TASK_ROLE, TASK, "ECSGATE", &t("10:00:05"));
    let exact = estate(&[(
        "1005",
        vec![
            run_task(&uuid(0xa1, 4), &t("10:00:00"), person("alice"), TASK),
            task.assume_role(&uuid(0xa1, 5)),
            task.read(&uuid(0xa1, 6), &t("10:00:09")),
        ],
    )]);
    let policies = tempfile::tempdir().unwrap();
    let min_exact = write_file(policies.path(), "exact.toml", b"min_link = \"exact\"\n");
    let min_inferred = write_file(
        policies.path(),
        "inferred.toml",
        b"min_link = \"inferred\"\n",
    );
    let gate = |dir: &TempDir, policy: Option<&std::path::Path>| {
        let mut extra = vec!["--fail-on", "high"];
        if let Some(policy) = policy {
            extra.extend(["--config", policy.to_str().unwrap()]);
        }
        scan_json(&[dir.path()], &extra)
    };

    let (code, document) = gate(&inferred, None);
    assert_eq!(code, 1, "{document:#}");
    assert_eq!(only_lost(&document)["link"], "inferred");

    let (code, document) = gate(&inferred, Some(min_exact.as_path()));
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(document["summary"]["excused_by_min_link"], 1);

    let (code, document) = gate(&inferred, Some(min_inferred.as_path()));
    assert_eq!(code, 1, "{document:#}");
    assert_eq!(
        document["summary"]["excused_by_min_link"]
            .as_u64()
            .unwrap_or(0),
        0
    );

    let (code, document) = gate(&exact, Some(min_exact.as_path()));
    assert_eq!(code, 1, "an exact break still fails: {document:#}");
    assert_eq!(only_lost(&document)["link"], "exact");
}

// Every configuring call in the table ---------------------------------------------------------------

/// A configuring call of the `[[configuration]]` table and the standing work it sets up: a
/// person's call, then `principal` assuming `role` on its own and making the one call `work`.
struct Configuring {
    source: &'static str,
    name: &'static str,
    parameters: Value,
    response: Value,
    principal: &'static str,
    role: &'static str,
    session: &'static str,
    /// How the service's session is logged (`invokedBy`, `inScopeOf`, …).
    shape: fn(ServiceSession) -> ServiceSession,
    /// The call the service makes with the session: (`eventSource`, `eventName`).
    work: (&'static str, &'static str),
}

/// The configuring calls the four stories above tell (`UpdateTrail`, `CreateFlowLogs`,
/// `PutConfigurationRecorder`, `PutBucketReplication`).
const TOLD_ABOVE: [(&str, &str); 4] = [
    ("cloudtrail.amazonaws.com", "UpdateTrail"),
    ("ec2.amazonaws.com", "CreateFlowLogs"),
    ("config.amazonaws.com", "PutConfigurationRecorder"),
    ("s3.amazonaws.com", "PutBucketReplication"),
];

/// (`event_source`, event name) of every entry of the built-in table's list `list`
/// (`trigger` or `configuration`).
fn table_calls(list: &str) -> Vec<(String, String)> {
    let table: toml::Table = include_str!("../../src/triggers.toml").parse().unwrap();
    table
        .get(list)
        .and_then(toml::Value::as_array)
        .unwrap()
        .iter()
        .flat_map(|entry| {
            let source = entry["event_source"].as_str().unwrap().to_owned();
            entry["event_names"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |name| (source.clone(), name.as_str().unwrap().to_owned()))
        })
        .collect()
}

/// Calls logged as the session's own (`userIdentity.type = AssumedRole`) as they come.
fn as_logged(session: ServiceSession) -> ServiceSession {
    session
}

/// Calls the service makes itself with the session (`invokedBy`).
fn by_the_service(session: ServiceSession) -> ServiceSession {
    session.made_by_the_service()
}

/// An execution environment of the function the session is named after.
fn in_its_function(session: ServiceSession) -> ServiceSession {
    let function = format!("arn:aws:lambda:us-east-1:{DATA}:function:{}", session.name);
    session
        .lasting(7200)
        .in_scope_of("AWS::Lambda::Function", &function)
}

/// The instance-profile session of the instance the session is named after (IMDSv2).
fn on_its_instance(session: ServiceSession) -> ServiceSession {
    let instance = format!("arn:aws:ec2:us-east-1:{DATA}:instance/{}", session.name);
    session
        .lasting(23700)
        .delivered("2.0")
        .in_scope_of("AWS::EC2::Instance", &instance)
}

/// Lambda's `FunctionConfiguration` of `function`, as `CreateFunction` and
/// `UpdateFunctionConfiguration` return it.
fn function_configuration(function: &str, role: &str, state: &str, timeout: u32) -> Value {
    json!({"functionName": function,
           "functionArn": format!("arn:aws:lambda:us-east-1:{DATA}:function:{function}"),
           "runtime": "python3.12", "role": role, "handler": "app.handler", "codeSize": 48213,
           "description": "", "timeout": timeout, "memorySize": 256,
           "lastModified": "2026-03-02T09:00:00.000+0000",
           "codeSha256": "q2k7Yv1mZ8bX4cN0pR6sT3uW9eH5jL2fG8dA1iO7kMb=", "version": "$LATEST",
           "tracingConfig": {"mode": "PassThrough"},
           "revisionId": "7c3e9a1f-5b2d-4e8c-a6f0-1d3b5e7f9a2c", "state": state,
           "packageType": "Zip", "architectures": ["arm64"], "ephemeralStorage": {"size": 512},
           "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
           "loggingConfig": {"logFormat": "Text", "logGroup": format!("/aws/lambda/{function}")}})
}

/// Lambda `CreateFunction` of `function` with execution role `role`.
fn create_function(function: &str, role: &str) -> (Value, Value) {
    (
        json!({"functionName": function, "runtime": "python3.12", "role": role,
               "handler": "app.handler",
               "code": {"s3Bucket": "orders-artifacts", "s3Key": format!("{function}/1.0.0.zip")},
               "description": "", "timeout": 30, "memorySize": 256, "publish": false,
               "packageType": "Zip", "architectures": ["arm64"]}),
        function_configuration(function, role, "Pending", 30),
    )
}

/// Lambda `UpdateFunctionConfiguration` giving `function` the execution role `role`.
fn update_function_configuration(function: &str, role: &str) -> (Value, Value) {
    (
        json!({"functionName": function, "role": role, "timeout": 60}),
        function_configuration(function, role, "Active", 60),
    )
}

/// Lambda `CreateEventSourceMapping` of queue `queue` to `function` (the request names no role:
/// Lambda polls with the function's execution role).
fn create_event_source_mapping(
    function: &str,
    queue: &str,
    mapping: &str,
    at: &str,
) -> (Value, Value) {
    let queue_arn = format!("arn:aws:sqs:us-east-1:{DATA}:{queue}");
    (
        json!({"eventSourceArn": queue_arn, "functionName": function, "batchSize": 10,
               "enabled": true}),
        json!({"uUID": mapping, "batchSize": 10, "maximumBatchingWindowInSeconds": 0,
               "eventSourceArn": queue_arn,
               "functionArn": format!("arn:aws:lambda:us-east-1:{DATA}:function:{function}"),
               "lastModified": aws_date(at, 0), "state": "Creating",
               "stateTransitionReason": "USER_INITIATED", "functionResponseTypes": []}),
    )
}

/// The trust policy of the instance roles below, as `CreateRole` and `UpdateAssumeRolePolicy`
/// are sent it, and URL-encoded as IAM returns it.
const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const EC2_TRUST_ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

/// Every configuring call the stories above do not tell, each with the standing work it sets up.
fn configuring_calls(at: &str) -> Vec<Configuring> {
    const TRAIL_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/CloudTrailRoleForCloudWatchLogs_org-audit";
    const CONFIG_ROLE: &str = "arn:aws:iam::444455556666:role/config-recorder";
    const AGGREGATOR_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/config-org-aggregator";
    const STREAM_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/KinesisFirehoseServiceRole-orders-str-us-east-1-1740000000000";
    const CLICKS_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/KinesisFirehoseServiceRole-clickstrea-us-east-1-1740000000001";
    const CWL_KINESIS_ROLE: &str = "arn:aws:iam::444455556666:role/CWLtoKinesisRole";
    const CWL_FIREHOSE_ROLE: &str = "arn:aws:iam::444455556666:role/CWLtoFirehoseRole";
    const LOG_DELIVERY_ROLE: &str = "arn:aws:iam::444455556666:role/aws-service-role/delivery.logs.amazonaws.com/AWSServiceRoleForLogDelivery";
    const INGEST_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/orders-ingest-role-3kq9v1xw";
    const INGEST_V2_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/orders-ingest-v2-role-5n1c7d3e";
    const NOTIFY_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/orders-notify-role-v2";
    const AUDIT_ROLE: &str = "arn:aws:iam::444455556666:role/service-role/orders-audit-role-v2";
    const CONSUMER_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/orders-queue-consumer-role-7m2p4r8t";
    const REFUNDS_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/refunds-queue-consumer-role-9w4x6y8z";
    const CUSTOMERS_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/AWSGlueServiceRole-customers";
    const RETURNS_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/AWSGlueServiceRole-returns";
    const CRAWLER_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/AWSGlueServiceRole-orders-crawler";
    const RECRAWL_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/AWSGlueServiceRole-returns-crawler";
    const DEV_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/AWSGlueServiceRole-dev-endpoint";
    const NEW_WORKER_ROLE: &str = "arn:aws:iam::444455556666:role/orders-worker-v2";
    const BATCH_WORKER_ROLE: &str = "arn:aws:iam::444455556666:role/orders-batch-worker";
    const REPORTING_ROLE: &str = "arn:aws:iam::444455556666:role/orders-reporting";
    const RULE_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/Amazon_EventBridge_Invoke_Kinesis_orders";
    const BUS_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/Amazon_EventBridge_Invoke_Event_Bus_central";
    const SCHEDULE_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/Amazon_EventBridge_Scheduler_SQS_orders";
    const RESCHEDULE_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/Amazon_EventBridge_Scheduler_SNS_orders";
    const DMS_S3_ROLE: &str = "arn:aws:iam::444455556666:role/dms-s3-target-access";
    const DMS_DYNAMODB_ROLE: &str = "arn:aws:iam::444455556666:role/dms-dynamodb-target-access";
    const BACKUP_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/AWSBackupDefaultServiceRole";
    const SETTLE_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/StepFunctions-orders-settle-role-5e6f7a8b";
    const RECONCILE_ROLE: &str =
        "arn:aws:iam::444455556666:role/service-role/StepFunctions-orders-reconcile-role-9a0b1c2d";

    let trail_group =
        format!("arn:aws:logs:us-east-1:{DATA}:log-group:aws-cloudtrail-logs-{DATA}-org-audit:*");
    let (create_ingest, ingest) = create_function("orders-ingest", INGEST_ROLE);
    let (create_ingest_v2, ingest_v2) = create_function("orders-ingest-v2", INGEST_V2_ROLE);
    let (update_notify, notify) = update_function_configuration("orders-notify", NOTIFY_ROLE);
    let (update_audit, audit) = update_function_configuration("orders-audit", AUDIT_ROLE);
    let (map_orders, orders_mapping) = create_event_source_mapping(
        "orders-queue-consumer",
        "orders-queue",
        "6d1f3a5c-7e9b-4d2f-8a6c-0e2b4d6f8a1c",
        at,
    );
    let (map_refunds, refunds_mapping) = create_event_source_mapping(
        "refunds-queue-consumer",
        "refunds-queue",
        "9b3d5f7a-1c2e-4a6b-8d0f-2a4c6e8b0d3f",
        at,
    );
    let glue_command = |job: &str| {
        json!({"name": "glueetl", "pythonVersion": "3",
               "scriptLocation": format!("s3://aws-glue-assets-{DATA}-us-east-1/scripts/{job}.py")})
    };
    let schedule = |name: &str, target: String, role: &str| {
        json!({"name": name, "groupName": "default", "scheduleExpression": "rate(1 hour)",
               "scheduleExpressionTimezone": "UTC", "flexibleTimeWindow": {"mode": "OFF"},
               "target": {"arn": target, "roleArn": role, "input": "{}",
                          "retryPolicy": {"maximumEventAgeInSeconds": 86400,
                                          "maximumRetryAttempts": 185}},
               "state": "ENABLED", "actionAfterCompletion": "NONE",
               "clientToken": "2b4d6f8a-0c1e-4a3b-9d5f-7a9c1e3b5d7f"})
    };
    let schedule_arn = |name: &str| json!({"scheduleArn": format!("arn:aws:scheduler:us-east-1:{DATA}:schedule/default/{name}")});
    let dms_endpoint = |id: &str,
                        engine: &str,
                        display: &str,
                        role: &str,
                        settings: (&str, Value)| {
        let mut endpoint = json!({"endpointIdentifier": id, "endpointType": "TARGET",
            "engineName": engine, "engineDisplayName": display, "serviceAccessRoleArn": role,
            "endpointArn": format!("arn:aws:dms:us-east-1:{DATA}:endpoint:{}", id.to_uppercase().replace('-', "")),
            "status": "active", "sslMode": "none"});
        endpoint[settings.0] = settings.1;
        json!({"endpoint": endpoint})
    };
    let s3_settings = json!({"serviceAccessRoleArn": DMS_S3_ROLE, "bucketName": "orders-dms",
                             "bucketFolder": "cdc", "compressionType": "GZIP",
                             "dataFormat": "parquet"});
    let dynamodb_settings = json!({"serviceAccessRoleArn": DMS_DYNAMODB_ROLE});
    let states_machine =
        |name: &str| format!("arn:aws:states:us-east-1:{DATA}:stateMachine:{name}");

    vec![
        Configuring {
            source: "cloudtrail.amazonaws.com",
            name: "CreateTrail",
            parameters: json!({"name": "org-audit",
                "s3BucketName": format!("aws-cloudtrail-logs-{DATA}-org-audit"),
                "isMultiRegionTrail": true, "includeGlobalServiceEvents": true,
                "enableLogFileValidation": true, "cloudWatchLogsLogGroupArn": trail_group,
                "cloudWatchLogsRoleArn": TRAIL_ROLE}),
            response: json!({"name": "org-audit",
                "s3BucketName": format!("aws-cloudtrail-logs-{DATA}-org-audit"),
                "includeGlobalServiceEvents": true, "isMultiRegionTrail": true,
                "trailARN": format!("arn:aws:cloudtrail:us-east-1:{DATA}:trail/org-audit"),
                "logFileValidationEnabled": true, "cloudWatchLogsLogGroupArn": trail_group,
                "cloudWatchLogsRoleArn": TRAIL_ROLE, "isOrganizationTrail": false}),
            principal: "cloudtrail.amazonaws.com",
            role: TRAIL_ROLE,
            session: "CloudTrailCloudWatchLogsDelivery",
            shape: by_the_service,
            work: ("logs.amazonaws.com", "CreateLogStream"),
        },
        Configuring {
            // A delivery channel names no role: Config delivers with the recorder's.
            source: "config.amazonaws.com",
            name: "PutDeliveryChannel",
            parameters: json!({"deliveryChannel": {"name": "default",
                "s3BucketName": format!("config-bucket-{DATA}"), "s3KeyPrefix": "config",
                "snsTopicARN": format!("arn:aws:sns:us-east-1:{DATA}:config-topic"),
                "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"}}}),
            response: Value::Null,
            principal: "config.amazonaws.com",
            role: CONFIG_ROLE,
            session: "AWSConfig-BucketConfigCheck",
            shape: by_the_service,
            work: ("s3.amazonaws.com", "GetBucketAcl"),
        },
        Configuring {
            source: "config.amazonaws.com",
            name: "PutConfigurationAggregator",
            parameters: json!({"configurationAggregatorName": "org-aggregator",
                "organizationAggregationSource": {"roleArn": AGGREGATOR_ROLE, "allAwsRegions": true}}),
            response: json!({"configurationAggregator": {
                "configurationAggregatorName": "org-aggregator",
                "configurationAggregatorArn": format!("arn:aws:config:us-east-1:{DATA}:config-aggregator/config-aggregator-k3v9w2xq"),
                "organizationAggregationSource": {"roleArn": AGGREGATOR_ROLE, "allAwsRegions": true},
                "creationTime": aws_date(at, 0), "lastUpdatedTime": aws_date(at, 0)}}),
            principal: "config.amazonaws.com",
            role: AGGREGATOR_ROLE,
            session: "AWSConfig-OrganizationAggregator",
            shape: by_the_service,
            work: ("organizations.amazonaws.com", "ListAccounts"),
        },
        Configuring {
            source: "firehose.amazonaws.com",
            name: "CreateDeliveryStream",
            parameters: json!({"deliveryStreamName": "orders-stream",
                "deliveryStreamType": "DirectPut",
                "s3DestinationConfiguration": {"roleARN": STREAM_ROLE,
                    "bucketARN": "arn:aws:s3:::orders-archive", "prefix": "raw/",
                    "bufferingHints": {"sizeInMBs": 5, "intervalInSeconds": 300},
                    "compressionFormat": "GZIP",
                    "encryptionConfiguration": {"noEncryptionConfig": "NoEncryption"}}}),
            response: json!({"deliveryStreamARN": format!("arn:aws:firehose:us-east-1:{DATA}:deliverystream/orders-stream")}),
            principal: "firehose.amazonaws.com",
            role: STREAM_ROLE,
            session: "AWSFirehoseToS3",
            shape: by_the_service,
            work: ("s3.amazonaws.com", "GetBucketLocation"),
        },
        Configuring {
            source: "firehose.amazonaws.com",
            name: "UpdateDestination",
            parameters: json!({"deliveryStreamName": "clickstream",
                "currentDeliveryStreamVersionId": "3", "destinationId": "destinationId-000000000001",
                "extendedS3DestinationUpdate": {"roleARN": CLICKS_ROLE,
                    "bucketARN": "arn:aws:s3:::clickstream-archive", "prefix": "events/",
                    "bufferingHints": {"sizeInMBs": 64, "intervalInSeconds": 60},
                    "compressionFormat": "GZIP"}}),
            response: Value::Null,
            principal: "firehose.amazonaws.com",
            role: CLICKS_ROLE,
            session: "AWSFirehoseToS3",
            shape: by_the_service,
            work: ("kms.amazonaws.com", "GenerateDataKey"),
        },
        Configuring {
            source: "logs.amazonaws.com",
            name: "PutDestination",
            parameters: json!({"destinationName": "orders-central",
                "targetArn": format!("arn:aws:kinesis:us-east-1:{DATA}:stream/central-logs"),
                "roleArn": CWL_KINESIS_ROLE}),
            response: json!({"destination": {"destinationName": "orders-central",
                "targetArn": format!("arn:aws:kinesis:us-east-1:{DATA}:stream/central-logs"),
                "roleArn": CWL_KINESIS_ROLE,
                "arn": format!("arn:aws:logs:us-east-1:{DATA}:destination:orders-central"),
                "creationTime": parse(at).timestamp_millis()}}),
            principal: "logs.amazonaws.com",
            role: CWL_KINESIS_ROLE,
            session: "CWLogsDestinationDelivery",
            shape: by_the_service,
            work: ("kinesis.amazonaws.com", "PutRecords"),
        },
        Configuring {
            source: "logs.amazonaws.com",
            name: "PutSubscriptionFilter",
            parameters: json!({"logGroupName": "/aws/lambda/invoice-export",
                "filterName": "to-firehose", "filterPattern": "",
                "destinationArn": format!("arn:aws:firehose:us-east-1:{DATA}:deliverystream/log-archive"),
                "roleArn": CWL_FIREHOSE_ROLE, "distribution": "ByLogStream"}),
            response: Value::Null,
            principal: "logs.amazonaws.com",
            role: CWL_FIREHOSE_ROLE,
            session: "CWLogsSubscriptionDelivery",
            shape: by_the_service,
            work: ("firehose.amazonaws.com", "PutRecordBatch"),
        },
        Configuring {
            // A delivery destination names no role: vended logs go to Firehose under the
            // service-linked role of log delivery.
            source: "logs.amazonaws.com",
            name: "PutDeliveryDestination",
            parameters: json!({"name": "vpc-flow-to-firehose", "outputFormat": "json",
                "deliveryDestinationConfiguration": {"destinationResourceArn":
                    format!("arn:aws:firehose:us-east-1:{DATA}:deliverystream/vended-logs")}}),
            response: json!({"deliveryDestination": {"name": "vpc-flow-to-firehose",
                "arn": format!("arn:aws:logs:us-east-1:{DATA}:delivery-destination:vpc-flow-to-firehose"),
                "deliveryDestinationType": "FH", "outputFormat": "json",
                "deliveryDestinationConfiguration": {"destinationResourceArn":
                    format!("arn:aws:firehose:us-east-1:{DATA}:deliverystream/vended-logs")}}}),
            principal: "delivery.logs.amazonaws.com",
            role: LOG_DELIVERY_ROLE,
            session: "LogDelivery",
            shape: by_the_service,
            work: ("firehose.amazonaws.com", "PutRecordBatch"),
        },
        Configuring {
            source: "lambda.amazonaws.com",
            name: "CreateFunction20150331",
            parameters: create_ingest,
            response: ingest,
            principal: "lambda.amazonaws.com",
            role: INGEST_ROLE,
            session: "orders-ingest",
            shape: in_its_function,
            work: ("secretsmanager.amazonaws.com", "GetSecretValue"),
        },
        Configuring {
            source: "lambda.amazonaws.com",
            name: "CreateFunction",
            parameters: create_ingest_v2,
            response: ingest_v2,
            principal: "lambda.amazonaws.com",
            role: INGEST_V2_ROLE,
            session: "orders-ingest-v2",
            shape: in_its_function,
            work: ("secretsmanager.amazonaws.com", "GetSecretValue"),
        },
        Configuring {
            source: "lambda.amazonaws.com",
            name: "UpdateFunctionConfiguration20150331v2",
            parameters: update_notify,
            response: notify,
            principal: "lambda.amazonaws.com",
            role: NOTIFY_ROLE,
            session: "orders-notify",
            shape: in_its_function,
            work: ("dynamodb.amazonaws.com", "DescribeTable"),
        },
        Configuring {
            source: "lambda.amazonaws.com",
            name: "UpdateFunctionConfiguration",
            parameters: update_audit,
            response: audit,
            principal: "lambda.amazonaws.com",
            role: AUDIT_ROLE,
            session: "orders-audit",
            shape: in_its_function,
            work: ("dynamodb.amazonaws.com", "DescribeTable"),
        },
        Configuring {
            source: "lambda.amazonaws.com",
            name: "CreateEventSourceMapping20150331",
            parameters: map_orders,
            response: orders_mapping,
            principal: "lambda.amazonaws.com",
            role: CONSUMER_ROLE,
            session: "orders-queue-consumer",
            shape: by_the_service,
            work: ("sqs.amazonaws.com", "GetQueueAttributes"),
        },
        Configuring {
            source: "lambda.amazonaws.com",
            name: "CreateEventSourceMapping",
            parameters: map_refunds,
            response: refunds_mapping,
            principal: "lambda.amazonaws.com",
            role: REFUNDS_ROLE,
            session: "refunds-queue-consumer",
            shape: by_the_service,
            work: ("sqs.amazonaws.com", "GetQueueAttributes"),
        },
        Configuring {
            source: "glue.amazonaws.com",
            name: "CreateJob",
            parameters: json!({"name": "customers-dedupe", "role": CUSTOMERS_ROLE,
                "command": glue_command("customers-dedupe"),
                "defaultArguments": {"--job-language": "python", "--enable-metrics": "true"},
                "maxRetries": 0, "timeout": 2880, "glueVersion": "4.0",
                "numberOfWorkers": 10, "workerType": "G.1X"}),
            response: json!({"name": "customers-dedupe"}),
            principal: "glue.amazonaws.com",
            role: CUSTOMERS_ROLE,
            session: "GlueJobRunnerSession",
            shape: as_logged,
            work: ("s3.amazonaws.com", "GetObject"),
        },
        Configuring {
            source: "glue.amazonaws.com",
            name: "UpdateJob",
            parameters: json!({"jobName": "returns-compact", "jobUpdate": {
                "role": RETURNS_ROLE, "command": glue_command("returns-compact"),
                "glueVersion": "4.0", "numberOfWorkers": 4, "workerType": "G.1X"}}),
            response: json!({"jobName": "returns-compact"}),
            principal: "glue.amazonaws.com",
            role: RETURNS_ROLE,
            session: "GlueJobRunnerSession",
            shape: as_logged,
            work: ("s3.amazonaws.com", "GetObject"),
        },
        Configuring {
            source: "glue.amazonaws.com",
            name: "CreateCrawler",
            parameters: json!({"name": "orders-lake-crawler", "role": CRAWLER_ROLE,
                "databaseName": "sales",
                "targets": {"s3Targets": [{"path": "s3://orders-lake/curated/"}]},
                "schedule": "cron(0 2 * * ? *)",
                "schemaChangePolicy": {"updateBehavior": "UPDATE_IN_DATABASE",
                                       "deleteBehavior": "LOG"}}),
            response: Value::Null,
            principal: "glue.amazonaws.com",
            role: CRAWLER_ROLE,
            session: "AWS-Crawler",
            shape: as_logged,
            work: ("glue.amazonaws.com", "GetDatabase"),
        },
        Configuring {
            source: "glue.amazonaws.com",
            name: "UpdateCrawler",
            parameters: json!({"name": "returns-crawler", "role": RECRAWL_ROLE,
                "schedule": "cron(0 3 * * ? *)"}),
            response: Value::Null,
            principal: "glue.amazonaws.com",
            role: RECRAWL_ROLE,
            session: "AWS-Crawler",
            shape: as_logged,
            work: ("glue.amazonaws.com", "GetTable"),
        },
        Configuring {
            source: "glue.amazonaws.com",
            name: "CreateDevEndpoint",
            parameters: json!({"endpointName": "orders-dev", "roleArn": DEV_ROLE,
                "numberOfNodes": 2, "glueVersion": "1.0",
                "arguments": {"GLUE_PYTHON_VERSION": "3", "--enable-glue-datacatalog": ""}}),
            response: json!({"endpointName": "orders-dev", "status": "PROVISIONING",
                "roleArn": DEV_ROLE, "numberOfNodes": 2, "glueVersion": "1.0",
                "availabilityZone": "us-east-1a", "createdTimestamp": aws_date(at, 0),
                "arguments": {"GLUE_PYTHON_VERSION": "3", "--enable-glue-datacatalog": ""}}),
            principal: "glue.amazonaws.com",
            role: DEV_ROLE,
            session: "GlueDevEndpointSession",
            shape: as_logged,
            work: ("s3.amazonaws.com", "GetObject"),
        },
        Configuring {
            source: "iam.amazonaws.com",
            name: "CreateRole",
            parameters: json!({"roleName": "orders-worker-v2", "path": "/",
                "assumeRolePolicyDocument": EC2_TRUST,
                "description": "Orders workers, second generation"}),
            response: json!({"role": {"path": "/", "roleName": "orders-worker-v2",
                "roleId": "AROAWO645SY5ORDWRKV2X", "arn": NEW_WORKER_ROLE,
                "createDate": aws_date(at, 0),
                "assumeRolePolicyDocument": EC2_TRUST_ENCODED}}),
            principal: "ec2.amazonaws.com",
            role: NEW_WORKER_ROLE,
            session: "i-0c1d2e3f4a5b6c7d8",
            shape: on_its_instance,
            work: ("ssm.amazonaws.com", "UpdateInstanceInformation"),
        },
        Configuring {
            source: "iam.amazonaws.com",
            name: "UpdateAssumeRolePolicy",
            parameters: json!({"roleName": "orders-batch-worker", "policyDocument": EC2_TRUST}),
            response: Value::Null,
            principal: "ec2.amazonaws.com",
            role: BATCH_WORKER_ROLE,
            session: "i-0d2e3f4a5b6c7d8e9",
            shape: on_its_instance,
            work: ("ec2.amazonaws.com", "DescribeTags"),
        },
        Configuring {
            source: "iam.amazonaws.com",
            name: "AddRoleToInstanceProfile",
            parameters: json!({"instanceProfileName": "orders-reporting",
                "roleName": "orders-reporting"}),
            response: Value::Null,
            principal: "ec2.amazonaws.com",
            role: REPORTING_ROLE,
            session: "i-0e3f4a5b6c7d8e9f0",
            shape: on_its_instance,
            work: ("s3.amazonaws.com", "GetObject"),
        },
        Configuring {
            // A Kinesis target: its delivery (PutRecords) is no trigger of the table.
            source: "events.amazonaws.com",
            name: "PutTargets",
            parameters: json!({"rule": "orders-changed", "eventBusName": "default",
                "targets": [{"id": "to-kinesis",
                    "arn": format!("arn:aws:kinesis:us-east-1:{DATA}:stream/orders-events"),
                    "roleArn": RULE_ROLE,
                    "kinesisParameters": {"partitionKeyPath": "$.detail.orderId"}}]}),
            response: json!({"failedEntryCount": 0, "failedEntries": []}),
            principal: "events.amazonaws.com",
            role: RULE_ROLE,
            session: "8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e",
            shape: by_the_service,
            work: ("kinesis.amazonaws.com", "PutRecord"),
        },
        Configuring {
            source: "events.amazonaws.com",
            name: "PutRule",
            parameters: json!({"name": "orders-to-central", "eventBusName": "default",
                "eventPattern": "{\"source\":[\"orders.app\"]}", "state": "ENABLED",
                "roleArn": BUS_ROLE}),
            response: json!({"ruleArn": format!("arn:aws:events:us-east-1:{DATA}:rule/orders-to-central")}),
            principal: "events.amazonaws.com",
            role: BUS_ROLE,
            session: "3e5a7c9b1d2f4a6c8e0b2d4f6a8c0e1b",
            shape: by_the_service,
            work: ("events.amazonaws.com", "PutEvents"),
        },
        Configuring {
            source: "scheduler.amazonaws.com",
            name: "CreateSchedule",
            parameters: schedule(
                "orders-hourly-report",
                format!("arn:aws:sqs:us-east-1:{DATA}:orders-reports"),
                SCHEDULE_ROLE,
            ),
            response: schedule_arn("orders-hourly-report"),
            principal: "scheduler.amazonaws.com",
            role: SCHEDULE_ROLE,
            session: "2f6b8d0e4a1c3e5f7a9b1d3f5e7c9a0b",
            shape: by_the_service,
            work: ("sqs.amazonaws.com", "SendMessage"),
        },
        Configuring {
            source: "scheduler.amazonaws.com",
            name: "UpdateSchedule",
            parameters: schedule(
                "orders-daily-digest",
                format!("arn:aws:sns:us-east-1:{DATA}:orders-digest"),
                RESCHEDULE_ROLE,
            ),
            response: schedule_arn("orders-daily-digest"),
            principal: "scheduler.amazonaws.com",
            role: RESCHEDULE_ROLE,
            session: "7a9c1e3b5d7f9a0c2e4b6d8f0a1c3e5b",
            shape: by_the_service,
            work: ("sns.amazonaws.com", "Publish"),
        },
        Configuring {
            source: "dms.amazonaws.com",
            name: "CreateEndpoint",
            parameters: json!({"endpointIdentifier": "orders-s3-target", "endpointType": "target",
                "engineName": "s3", "serviceAccessRoleArn": DMS_S3_ROLE,
                "s3Settings": s3_settings.clone()}),
            response: dms_endpoint(
                "orders-s3-target",
                "s3",
                "Amazon S3",
                DMS_S3_ROLE,
                ("s3Settings", s3_settings),
            ),
            principal: "dms.amazonaws.com",
            role: DMS_S3_ROLE,
            session: "dms-s3-target-access",
            shape: by_the_service,
            work: ("s3.amazonaws.com", "GetBucketLocation"),
        },
        Configuring {
            source: "dms.amazonaws.com",
            name: "ModifyEndpoint",
            parameters: json!({"endpointArn": format!("arn:aws:dms:us-east-1:{DATA}:endpoint:ORDERSDYNAMODBTARGET"),
                "serviceAccessRoleArn": DMS_DYNAMODB_ROLE,
                "dynamoDbSettings": dynamodb_settings.clone()}),
            response: dms_endpoint(
                "orders-dynamodb-target",
                "dynamodb",
                "Amazon DynamoDB",
                DMS_DYNAMODB_ROLE,
                ("dynamoDbSettings", dynamodb_settings),
            ),
            principal: "dms.amazonaws.com",
            role: DMS_DYNAMODB_ROLE,
            session: "dms-dynamodb-target-access",
            shape: by_the_service,
            work: ("dynamodb.amazonaws.com", "DescribeTable"),
        },
        Configuring {
            source: "backup.amazonaws.com",
            name: "CreateBackupSelection",
            parameters: json!({"backupPlanId": "8f2c4a6e-1b3d-4f5a-9c7e-2d4f6a8b0c1e",
                "backupSelection": {"selectionName": "orders-tables", "iamRoleArn": BACKUP_ROLE,
                    "resources": [format!("arn:aws:dynamodb:us-east-1:{DATA}:table/orders")]},
                "creatorRequestId": "4a6c8e0b-2d4f-4a6c-8e0b-2d4f6a8c0e1b"}),
            response: json!({"selectionId": "5b7d9f1a-3c5e-4b7d-9f1a-3c5e7b9d1f3a",
                "backupPlanId": "8f2c4a6e-1b3d-4f5a-9c7e-2d4f6a8b0c1e",
                "creationDate": aws_date(at, 0)}),
            principal: "backup.amazonaws.com",
            role: BACKUP_ROLE,
            session: "AWSBackup-AWSBackupDefaultServiceRole",
            shape: by_the_service,
            work: ("dynamodb.amazonaws.com", "CreateBackup"),
        },
        Configuring {
            source: "states.amazonaws.com",
            name: "CreateStateMachine",
            parameters: json!({"name": "orders-settle",
                "definition": "HIDDEN_DUE_TO_SECURITY_REASONS", "roleArn": SETTLE_ROLE,
                "type": "STANDARD",
                "loggingConfiguration": {"level": "OFF", "includeExecutionData": false},
                "tracingConfiguration": {"enabled": false}}),
            response: json!({"stateMachineArn": states_machine("orders-settle"),
                "creationDate": aws_date(at, 0)}),
            principal: "states.amazonaws.com",
            role: SETTLE_ROLE,
            session: "kLmNbVcXzAsDfGhJqWeRtYuIoPzXcVbN",
            shape: by_the_service,
            work: ("sns.amazonaws.com", "Publish"),
        },
        Configuring {
            source: "states.amazonaws.com",
            name: "UpdateStateMachine",
            parameters: json!({"stateMachineArn": states_machine("orders-reconcile"),
                "roleArn": RECONCILE_ROLE, "definition": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
            response: json!({"updateDate": aws_date(at, 0),
                "revisionId": "0c2e4a6b-8d0f-4a2c-9e4b-6d8f0a2c4e6b"}),
            principal: "states.amazonaws.com",
            role: RECONCILE_ROLE,
            session: "pOiUyTrEwQaSdFgHjKlZxCvBnMqWeRtY",
            shape: by_the_service,
            work: ("dynamodb.amazonaws.com", "DescribeTable"),
        },
    ]
}

#[test]
fn every_configuring_call_in_the_table_is_standing_configuration() {
    // For every configuring call of the built-in table that the stories above do not tell: a
    // person makes it, and one to ten seconds later the service assumes the role it set up and
    // makes one call. Nothing in the logs started that work (no call of the trigger table): the
    // session is the service's own, never identity_lost, and the configuring call is no cause.
    let at = t("09:00:00");
    let cases = configuring_calls(&at);
    let triggers = table_calls("trigger");
    let configuration = table_calls("configuration");
    let pair = |source: &str, name: &str| (source.to_owned(), name.to_owned());
    let told: Vec<(String, String)> = cases
        .iter()
        .map(|c| pair(c.source, c.name))
        .chain(TOLD_ABOVE.iter().map(|&(source, name)| pair(source, name)))
        .collect();
    for call in &configuration {
        assert!(told.contains(call), "{call:?} of the table is in no story");
    }
    for (i, case) in cases.iter().enumerate() {
        let label = format!("{} {}", case.source, case.name);
        let call = pair(case.source, case.name);
        assert!(
            configuration.contains(&call),
            "{label}: not a configuring call of the table"
        );
        assert_eq!(
            told.iter().filter(|c| **c == call).count(),
            1,
            "{label}: told twice"
        );
        assert!(!triggers.contains(&call), "{label}: a trigger of the table");
        let work = pair(case.work.0, case.work.1);
        assert!(
            !triggers.contains(&work),
            "{label}: its work {work:?} is a trigger"
        );

        let n = 3 * i as u32;
        let (call_id, assume_id, work_id) =
            (uuid(0xb1, n + 1), uuid(0xb1, n + 2), uuid(0xb1, n + 3));
        let created = later(&at, 1 + (i as i64 % 10));
        let session = (case.shape)(started(
            case.principal,
            case.role,
            case.session,
            &format!("CFGTBL{i:02}"),
            &created,
        ));
        let dir = estate(&[(
            "0905",
            vec![
                request(
                    &call_id,
                    &at,
                    person(PEOPLE[i % PEOPLE.len()]),
                    case.source,
                    case.name,
                    case.parameters.clone(),
                    case.response.clone(),
                ),
                session.assume_role(&assume_id),
                session.call(&work_id, &later(&created, 1), case.work.0, case.work.1),
            ],
        )]);

        // The same checks as assert_service_work, each naming the case.
        let document = scan(&dir, &[]);
        assert_eq!(
            identity_lost(&document),
            Vec::<Value>::new(),
            "{label}: the service's session is no one's request going on"
        );
        let coverage = &document["summary"]["coverage"];
        assert_eq!(coverage["lost"], 0, "{label}: {coverage:#}");
        assert_eq!(
            coverage["service"], 2,
            "{label}: the AssumeRole and the session's call are the service's: {coverage:#}"
        );
        assert!(
            !document["findings"].to_string().contains(&call_id),
            "{label}: the configuring call is no cause: {:#}",
            document["findings"]
        );
        let chains = chains(&dir);
        for (human, node) in nodes_of(&chains, &session.key) {
            assert_eq!(
                node["status"], "service",
                "{label}, in {human}'s chain: {node:#}"
            );
        }
    }
}

#[test]
fn a_rival_chosen_by_timing_does_not_change_the_fingerprint_and_the_table_says_so() {
    // alice and bob start the shared Glue job seconds apart; Glue assumes its role once. The
    // finding names the nearer caller and lists the other. A later delivery adds carol's call,
    // nearer still: the chosen person changes, the baseline fingerprint must not.
    let job = glue_job("GLUEFPR1", &t("09:00:30"));
    let base = vec![
        start_job_run(&uuid(0xc1, 1), &t("09:00:10"), person("alice")),
        start_job_run(&uuid(0xc1, 2), &t("09:00:20"), person("bob")),
        job.assume_role(&uuid(0xc1, 3)),
        job.read(&uuid(0xc1, 4), &t("09:00:33")),
    ];
    let first = estate(&[("0905", base.clone())]);
    let before = only_lost(&scan(&first, &[]));
    assert_eq!(before["human"], email("bob"));
    let mut more = base;
    more.push(start_job_run(
        &uuid(0xc1, 5),
        &t("09:00:25"),
        person("carol"),
    ));
    let second = estate(&[("0905", more)]);
    let after = only_lost(&scan(&second, &[]));
    assert_eq!(after["human"], email("carol"));
    assert_eq!(before["fingerprint"], after["fingerprint"]);

    let table = tip()
        .args(["scan", "--color", "never"])
        .arg(second.path())
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("(or 2 others)"), "{table}");

    let timeline = tip()
        .args(["timeline", "--color", "never", "--human", &email("carol")])
        .arg(second.path())
        .output()
        .unwrap();
    let timeline = String::from_utf8(timeline.stdout).unwrap();
    assert!(timeline.contains("or 2 others"), "{timeline}");
}

// Sessions a service holds (issue 12, item 6) ----------------------------------------------------

#[test]
fn a_session_a_service_holds_names_its_missing_trigger() {
    // A Step Functions execution's session: its calls carry `invokedBy: states.amazonaws.com`,
    // and neither its AssumeRole nor any StartExecution is in these logs. The finding says which
    // call is missing rather than that an STS call is outside the logs.
    let run = execution(
        "wozynIhxRGfTvfRlXhHKONdyrIaAmRyN",
        "SFNHELD1",
        &t("09:00:02"),
    )
    .made_by_the_service();
    let document = scan(
        &estate(&[(
            "0905",
            vec![
                run.call(
                    &uuid(0xd1, 1),
                    &t("09:00:04"),
                    "lambda.amazonaws.com",
                    "Invoke",
                ),
                run.read(&uuid(0xd1, 2), &t("09:00:06")),
            ],
        )]),
        &[],
    );
    let unattributed: Vec<&Value> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unattributed_session")
        .collect();
    assert_eq!(unattributed.len(), 1, "{document:#}");
    assert_eq!(unattributed[0]["missing_trigger"], "states:StartExecution");
}

#[test]
fn a_session_a_service_holds_is_linked_to_the_call_that_started_it() {
    // The same session, with alice's StartExecution just before it and no AssumeRole in the
    // logs: the session is the service carrying on alice's request.
    let run = execution(
        "pUBglYSipyAbyPsehEoWHmOFMDviUKzd",
        "SFNHELD2",
        &t("09:00:02"),
    )
    .made_by_the_service();
    let document = scan(
        &estate(&[(
            "0905",
            vec![
                start_execution(
                    &uuid(0xd2, 1),
                    &t("09:00:01"),
                    person("alice"),
                    "nightly-2026-03-02",
                ),
                run.read(&uuid(0xd2, 2), &t("09:00:06")),
            ],
        )]),
        &[],
    );
    let lost = only_lost(&document);
    assert_eq!(lost["human"], email("alice"));
    assert_eq!(lost["service"], "states.amazonaws.com");
    assert!(
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] != "unattributed_session"),
        "{document:#}"
    );
}
