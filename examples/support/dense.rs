//! A dense estate with its own answer key: many people start the same services within the same
//! minutes, so that timing alone often cannot tell who started what.
//!
//! Each run is one person's call that makes a service take a shared role: Glue `StartJobRun`
//! and Redshift Data `ExecuteStatement` (no token: linked by timing), EMR Serverless
//! `StartJobRun`, ECS `RunTask` and CodeBuild `StartBuild` (the service's session name carries
//! an id from the call's response: a token). The service assumes its role a few seconds after
//! the call and makes a few calls of its own; each such session is an `identity_lost` break
//! whose person the answer key names. Between runs, people make ordinary calls.
//!
//! Used by `examples/generate_estate.rs --dense` and by the scoring test
//! (`tests/cli/dense.rs`), which checks the scan against [`Truth`].

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// The account everything happens in.
pub const ACCOUNT: &str = "444455556666";
const REGION: &str = "us-east-1";

/// How a dense estate is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// People (Identity Center users).
    pub people: usize,
    /// Service runs (breaks).
    pub runs: usize,
    /// Minutes the runs are spread over.
    pub minutes: i64,
    /// Share of each person's calls that start a run (the rest are ordinary calls).
    pub chain_share: f64,
    /// Seed.
    pub seed: u64,
}

/// One service session the answer key knows the cause of.
#[derive(Debug, Clone)]
pub struct Break {
    /// The first event of the service's session (the finding's `break_event_id`).
    pub break_event_id: String,
    /// The person who started it (e-mail, as the report shows them).
    pub person: String,
    /// The service that took the role.
    pub service: &'static str,
    /// The logs decide who it was: a token ties them, or the true call is the nearest before
    /// the service's `AssumeRole` among the calls that could have caused it, and no other
    /// session of the service has that same call as its nearest (then either could be its
    /// effect, and the honest answer is a choice with the other candidates listed).
    pub decidable: bool,
}

/// The answer key.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// Every service session of a run.
    pub breaks: Vec<Break>,
    /// Events written.
    pub events: u64,
}

/// A kind of run.
#[derive(Clone, Copy)]
struct Service {
    /// The trigger call.
    source: &'static str,
    name: &'static str,
    /// Who assumes the role.
    principal: &'static str,
    role: &'static str,
    /// Seconds between the call and the service's `AssumeRole`.
    delay: (i64, i64),
    token: Token,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    None(&'static str),
    EmrJobRun,
    EcsTask,
    CodeBuild,
}

const SERVICES: [Service; 5] = [
    Service {
        source: "glue.amazonaws.com",
        name: "StartJobRun",
        principal: "glue.amazonaws.com",
        role: "service-role/AWSGlueServiceRole-shared",
        delay: (1, 25),
        token: Token::None("GlueJobRunnerSession"),
    },
    Service {
        source: "redshift-data.amazonaws.com",
        name: "ExecuteStatement",
        principal: "redshift.amazonaws.com",
        role: "RedshiftSpectrumRole",
        delay: (1, 8),
        token: Token::None("RedshiftIamRoleSession"),
    },
    Service {
        source: "emr-serverless.amazonaws.com",
        name: "StartJobRun",
        principal: "emr-serverless.amazonaws.com",
        role: "EmrServerlessRuntimeRole",
        delay: (5, 90),
        token: Token::EmrJobRun,
    },
    Service {
        source: "ecs.amazonaws.com",
        name: "RunTask",
        principal: "ecs-tasks.amazonaws.com",
        role: "etl-task-role",
        delay: (3, 60),
        token: Token::EcsTask,
    },
    Service {
        source: "codebuild.amazonaws.com",
        name: "StartBuild",
        principal: "codebuild.amazonaws.com",
        role: "service-role/codebuild-reports-service-role",
        delay: (2, 40),
        token: Token::CodeBuild,
    },
];

/// The e-mail of person `i`.
pub fn email(i: usize) -> String {
    format!("analyst{i:03}@example.com")
}

struct Writer {
    rng: StdRng,
    records: Vec<(DateTime<Utc>, Value)>,
    counter: u64,
}

impl Writer {
    fn uuid(&mut self) -> String {
        self.counter += 1;
        let a: u64 = self.rng.r#gen();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a >> 4) & 0xfff,
            a & 0xfff,
            self.counter
        )
    }

    fn alnum(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[self.rng.gen_range(0..alphabet.len())] as char)
            .collect()
    }

    fn key(&mut self) -> String {
        format!(
            "ASIA{}",
            self.alnum(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        )
    }

    fn hex(&mut self, n: usize) -> String {
        self.alnum(n, b"0123456789abcdef")
    }

    /// Records one call; returns its event id.
    fn call(
        &mut self,
        at: DateTime<Utc>,
        (source, name): (&str, &str),
        identity: Value,
        request: Value,
        response: Value,
    ) -> String {
        let id = self.uuid();
        let by_service = identity["type"] == "AWSService" || identity.get("invokedBy").is_some();
        // An ECS task (a session named after its 32-hex task id) calls from its own address with
        // an SDK, people from laptops with the CLI (`exfiltrated_credentials` tells them apart).
        let task = identity["principalId"]
            .as_str()
            .and_then(|id| id.split_once(':'))
            .is_some_and(|(_, s)| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()));
        let octet = if by_service {
            0
        } else {
            self.rng.gen_range(1..250)
        };
        let (address, agent) = match (by_service, task) {
            (true, _) => (source.to_owned(), source),
            (false, true) => (
                format!("10.0.0.{octet}"),
                "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5",
            ),
            (false, false) => (
                format!("198.51.100.{octet}"),
                "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/linux#6.1",
            ),
        };
        let mut record = json!({
            "eventVersion": "1.11",
            "userIdentity": identity,
            "eventTime": time(at),
            "eventSource": source,
            "eventName": name,
            "awsRegion": REGION,
            "sourceIPAddress": address,
            "userAgent": agent,
            "requestParameters": request,
            "responseElements": response,
            "requestID": self.uuid(),
            "eventID": id,
            "readOnly": false,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        });
        if !by_service {
            record["tlsDetails"] = json!({"tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": format!("{}.{REGION}.amazonaws.com",
                    source.split('.').next().unwrap_or("sts"))});
        }
        self.records.push((at, record));
        id
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn role_arn(path: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{path}")
}

/// A role session's `userIdentity`.
fn role_identity(path: &str, session: &str, key: &str, created: DateTime<Utc>) -> Value {
    let name = path.rsplit('/').next().unwrap_or(path);
    let role_id = format!(
        "AROA{:X<17}",
        name.to_uppercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "")
            .chars()
            .take(17)
            .collect::<String>()
    );
    json!({
        "type": "AssumedRole",
        "principalId": format!("{role_id}:{session}"),
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}"),
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn(path),
                              "accountId": ACCOUNT, "userName": name},
            "webIdFederationData": {},
            "attributes": {"creationDate": time(created), "mfaAuthenticated": "false"}
        }
    })
}

/// Person `i`'s Identity Center permission-set session, carrying `onBehalfOf`.
fn person_identity(i: usize, key: &str, created: DateTime<Utc>) -> Value {
    let mut identity = role_identity(
        "aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef",
        &email(i),
        key,
        created,
    );
    identity["onBehalfOf"] = json!({
        "userId": format!("9067a1b2c3-{i:08x}-4e5f-8a9b-0c1d2e3f4a5b"),
        "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3"
    });
    identity
}

/// A planned run, before the answer key knows whether the logs decide it.
struct Run {
    person: usize,
    service: Service,
    call_at: DateTime<Utc>,
    assumed_at: DateTime<Utc>,
    break_event_id: String,
}

/// Writes a dense estate under `out` (S3 layout, gzipped, one file per five minutes) and returns
/// its answer key.
pub fn write(out: &Path, shape: Shape) -> std::io::Result<Truth> {
    let mut w = Writer {
        rng: StdRng::seed_from_u64(shape.seed),
        records: Vec::new(),
        counter: 0,
    };
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let sign_in = start - Duration::minutes(30);
    let keys: Vec<String> = (0..shape.people).map(|_| w.key()).collect();
    let mut runs = Vec::new();
    for _ in 0..shape.runs {
        let person = w.rng.gen_range(0..shape.people);
        let service = SERVICES[w.rng.gen_range(0..SERVICES.len())];
        let call_at = start + Duration::seconds(w.rng.gen_range(0..shape.minutes * 60));
        let assumed_at =
            call_at + Duration::seconds(w.rng.gen_range(service.delay.0..=service.delay.1));
        let identity = person_identity(person, &keys[person], sign_in);
        let (request, response, session) = match service.token {
            Token::None(session) => {
                let request = if service.source == "glue.amazonaws.com" {
                    json!({"jobName": "orders-nightly", "workerType": "G.1X", "numberOfWorkers": 10})
                } else {
                    json!({"workgroupName": "analytics", "database": "dev",
                           "sql": "HIDDEN_DUE_TO_SECURITY_REASONS"})
                };
                let response = if service.source == "glue.amazonaws.com" {
                    json!({"jobRunId": format!("jr_{}", w.hex(64))})
                } else {
                    json!({"id": w.uuid(), "workgroupName": "analytics", "database": "dev"})
                };
                (request, response, session.to_owned())
            }
            Token::EmrJobRun => {
                let run = format!("00f{}", w.alnum(13, b"0123456789abcdefghijklmnopqrstuv"));
                let attempt = format!("00f{}", w.alnum(13, b"0123456789abcdefghijklmnopqrstuv"));
                (
                    json!({"applicationId": "00f1abcdexample01", "executionRoleArn":
                        role_arn(service.role), "jobDriver": {"sparkSubmit": {"entryPoint": "s3://etl/app.py"}}}),
                    json!({"applicationId": "00f1abcdexample01", "jobRunId": run,
                        "arn": format!("arn:aws:emr-serverless:{REGION}:{ACCOUNT}:/applications/00f1abcdexample01/jobruns/{run}")}),
                    format!("{run},{attempt}"),
                )
            }
            Token::EcsTask => {
                let task = w.hex(32);
                (
                    json!({"cluster": "etl", "taskDefinition": "nightly-etl:7", "count": 1,
                           "launchType": "FARGATE"}),
                    json!({"tasks": [{"taskArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/etl/{task}"),
                        "taskDefinitionArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/nightly-etl:7"),
                        "lastStatus": "PROVISIONING"}], "failures": []}),
                    task,
                )
            }
            Token::CodeBuild => {
                let build = w.uuid();
                (
                    json!({"projectName": "reports"}),
                    json!({"build": {"id": format!("reports:{build}"),
                        "arn": format!("arn:aws:codebuild:{REGION}:{ACCOUNT}:build/reports:{build}"),
                        "buildStatus": "IN_PROGRESS"}}),
                    format!("AWSCodeBuild-{build}"),
                )
            }
        };
        w.call(
            call_at,
            (service.source, service.name),
            identity,
            request,
            response,
        );
        let key = w.key();
        w.call(
            assumed_at,
            ("sts.amazonaws.com", "AssumeRole"),
            json!({"type": "AWSService", "invokedBy": service.principal}),
            json!({"roleArn": role_arn(service.role), "roleSessionName": session,
                   "durationSeconds": 3600}),
            json!({"credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE",
                   "expiration": (assumed_at + Duration::hours(1)).format("%b %-d, %Y, %-I:%M:%S %p").to_string()}}),
        );
        let session = role_identity(service.role, &session, &key, assumed_at);
        let mut break_event_id = String::new();
        for n in 0..w.rng.gen_range(1..4) {
            let at = assumed_at + Duration::seconds(3 + n * 7);
            let id = w.call(
                at,
                ("s3.amazonaws.com", "GetObject"),
                session.clone(),
                json!({"bucketName": "analytics-lake", "key": format!("orders/part-{n:05}.parquet")}),
                Value::Null,
            );
            if n == 0 {
                break_event_id = id;
            }
        }
        runs.push(Run {
            person,
            service,
            call_at,
            assumed_at,
            break_event_id,
        });
    }
    // Ordinary calls: each person reads from the lake now and then.
    let ordinary = (shape.runs as f64 * (1.0 - shape.chain_share) / shape.chain_share) as usize;
    for _ in 0..ordinary {
        let person = w.rng.gen_range(0..shape.people);
        let at = start + Duration::seconds(w.rng.gen_range(0..shape.minutes * 60));
        let identity = person_identity(person, &keys[person], sign_in);
        w.call(
            at,
            ("s3.amazonaws.com", "ListBucket"),
            identity,
            json!({"bucketName": "analytics-lake", "prefix": "orders/"}),
            Value::Null,
        );
    }
    let truth = Truth {
        breaks: runs
            .iter()
            .map(|run| Break {
                break_event_id: run.break_event_id.clone(),
                person: email(run.person),
                service: run.service.principal,
                decidable: !matches!(run.service.token, Token::None(_))
                    || (nearest_before(&runs, run).is_some_and(|r| std::ptr::eq(r, run))
                        && !runs.iter().any(|other| {
                            !std::ptr::eq(other, run)
                                && nearest_before(&runs, other)
                                    .is_some_and(|r| std::ptr::eq(r, run))
                        })),
            })
            .collect(),
        events: w.records.len() as u64,
    };
    deliver(out, w.records)?;
    Ok(truth)
}

/// Among the runs of the same service whose call came before `run`'s `AssumeRole`, the one
/// whose call is nearest to it.
fn nearest_before<'r>(runs: &'r [Run], run: &Run) -> Option<&'r Run> {
    runs.iter()
        .filter(|r| r.service.source == run.service.source && r.service.name == run.service.name)
        .filter(|r| r.call_at <= run.assumed_at)
        .max_by_key(|r| r.call_at)
}

/// Writes the records in five-minute files, as CloudTrail delivers them.
fn deliver(out: &Path, mut records: Vec<(DateTime<Utc>, Value)>) -> std::io::Result<()> {
    records.sort_by_key(|(at, _)| *at);
    let mut files: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
    for (at, record) in records {
        files
            .entry(at.timestamp() / 300 * 300 + 300)
            .or_default()
            .push(record);
    }
    let dir = out.join(format!("AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/03/02"));
    std::fs::create_dir_all(&dir)?;
    for (n, (delivered, records)) in files.into_iter().enumerate() {
        let stamp = Utc
            .timestamp_opt(delivered, 0)
            .single()
            .unwrap_or_default()
            .format("%Y%m%dT%H%MZ");
        let path = dir.join(format!(
            "{ACCOUNT}_CloudTrail_{REGION}_{stamp}_dense{n:08}.json.gz"
        ));
        let mut gz = GzEncoder::new(std::fs::File::create(path)?, Compression::fast());
        gz.write_all(serde_json::to_string(&json!({"Records": records}))?.as_bytes())?;
        gz.finish()?;
    }
    Ok(())
}
