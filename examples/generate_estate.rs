//! Writes a synthetic CloudTrail estate in the S3 layout, for benchmarks: N events across three
//! accounts and three regions, gzipped like CloudTrail, deterministic by seed.
//!
//! People work through Identity Center sessions and IAM user keys; services make noise (EC2
//! instance roles, Lambda functions with `inScopeOf`, CloudTrail's own deliveries); and the chain
//! stories of `sample-logs/` are mixed in at `--story-rate`: a Glue job or a Redshift statement
//! that loses the person to a shared service role, role chaining without a source identity, a
//! SAML user whose `sourceIdentity` survives a cross-account chain, and an IAM user key chaining
//! into another account (both copies of the `AssumeRole`, one `sharedEventID`).
//!
//! The estate is written an hour at a time, so the generator's memory stays at one hour of
//! events whatever N is.
//!
//!     cargo run --release --example generate_estate -- --events 1000000 --out /tmp/estate-1m

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use clap::Parser;
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    /// Events to write (approximately: whole sessions are written).
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Where to write (`AWSLogs/` goes under it).
    #[arg(long)]
    out: PathBuf,
    /// Seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Share of activity that tells a chain story.
    #[arg(long, default_value_t = 0.02)]
    story_rate: f64,
    /// Records per file at most (CloudTrail writes a few hundred to a few thousand).
    #[arg(long, default_value_t = 700)]
    per_file: usize,
    /// Days the estate spans (default: one per million events).
    #[arg(long)]
    days: Option<u32>,
    /// Write a dense estate instead (examples/support/dense.rs): this many service runs by
    /// `--people` people within `--minutes`, with `answer-key.json` next to `AWSLogs/`.
    #[arg(long, value_name = "RUNS")]
    dense: Option<usize>,
    /// Dense estates: people.
    #[arg(long, default_value_t = 40)]
    people: usize,
    /// Dense estates: minutes the runs are spread over.
    #[arg(long, default_value_t = 15)]
    minutes: i64,
    /// Dense estates: share of people's calls that start a service run.
    #[arg(long, default_value_t = 0.5)]
    chain_share: f64,
}

#[path = "support/dense.rs"]
mod dense;

/// Writes a dense estate and its answer key.
fn write_dense(args: &Args, runs: usize) -> std::io::Result<()> {
    let truth = dense::write(
        &args.out,
        dense::Shape {
            people: args.people,
            runs,
            minutes: args.minutes,
            chain_share: args.chain_share,
            seed: args.seed,
        },
    )?;
    let key: Vec<serde_json::Value> = truth
        .breaks
        .iter()
        .map(|b| {
            serde_json::json!({"break_event_id": b.break_event_id, "person": b.person,
                "service": b.service, "decidable": b.decidable})
        })
        .collect();
    std::fs::write(
        args.out.join("answer-key.json"),
        serde_json::to_string_pretty(&key)?,
    )?;
    println!(
        "wrote {} events, {} service runs, under {}",
        truth.events,
        truth.breaks.len(),
        args.out.display()
    );
    Ok(())
}

const ACCOUNTS: [&str; 3] = ["111122223333", "444455556666", "777788889999"];
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "us-west-2"];
const CALLS: [(&str, &str); 12] = [
    ("s3.amazonaws.com", "GetObject"),
    ("s3.amazonaws.com", "PutObject"),
    ("s3.amazonaws.com", "ListBucket"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups"),
    ("dynamodb.amazonaws.com", "Query"),
    ("kms.amazonaws.com", "Decrypt"),
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("glue.amazonaws.com", "GetTable"),
    ("athena.amazonaws.com", "GetQueryResults"),
    ("logs.amazonaws.com", "PutLogEvents"),
    ("ssm.amazonaws.com", "GetParameter"),
];
const SSO_ROLE: &str = "aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef";
const CLI_AGENT: &str =
    "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6";
/// The user agent of machines' own calls: an SDK on an instance or in a function.
const MACHINE_AGENT: &str =
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64";

/// Where an event lands: account and region indexes.
#[derive(Clone, Copy)]
struct Place {
    account: usize,
    region: usize,
}

impl Place {
    fn account(self) -> &'static str {
        ACCOUNTS[self.account]
    }

    fn region(self) -> &'static str {
        REGIONS[self.region]
    }
}

/// One API call to record.
struct Call<'a> {
    place: Place,
    at: DateTime<Utc>,
    source: &'a str,
    name: &'a str,
    identity: &'a str,
    request: &'a str,
    response: &'a str,
    /// The AWS service that made the call, when one did (its name is the source IP and agent).
    by_service: Option<&'a str>,
    shared_event_id: Option<&'a str>,
}

impl<'a> Call<'a> {
    fn new(
        place: Place,
        at: DateTime<Utc>,
        (source, name): (&'a str, &'a str),
        identity: &'a str,
    ) -> Self {
        Call {
            place,
            at,
            source,
            name,
            identity,
            request: "null",
            response: "null",
            by_service: None,
            shared_event_id: None,
        }
    }
}

/// A role session to be: who assumes what, under which session name.
struct Assume<'a> {
    /// `AssumeRole`, or `AssumeRoleWithSAML` for a sign-in.
    action: &'a str,
    place: Place,
    at: DateTime<Utc>,
    caller: &'a str,
    by_service: Option<&'a str>,
    role_account: usize,
    role_path: &'a str,
    session: &'a str,
    source_identity: Option<&'a str>,
}

type Stream = Vec<(DateTime<Utc>, String)>;

struct Estate {
    rng: StdRng,
    /// Records of the hour being written, per (account, region).
    streams: BTreeMap<(usize, usize), Stream>,
    events: u64,
    files: u64,
    bytes: u64,
    counter: u64,
}

fn base32(rng: &mut StdRng, n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| ALPHABET[rng.gen_range(0..32)] as char)
        .collect()
}

/// A stable base32 rendering of a number, for long-term keys that must not change between calls.
fn base32_of(mut n: u64, width: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = vec![b'A'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 32) as usize];
        n /= 32;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Estate {
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

    fn key(&mut self) -> String {
        format!("ASIA{}", base32(&mut self.rng, 16))
    }

    fn record(&mut self, call: &Call) {
        let id = self.uuid();
        let request_id = base32(&mut self.rng, 16);
        // Machines (instance profiles, functions) call from their own addresses with an SDK,
        // people from laptops with the CLI: `exfiltrated_credentials` tells them apart.
        let machine =
            call.identity.contains("ec2RoleDelivery") || call.identity.contains("inScopeOf");
        let (ip, agent, tls) = match call.by_service {
            Some(service) => (service.to_owned(), service.to_owned(), String::new()),
            None => (
                match self.rng.gen_range(1..250) {
                    octet if machine => format!("10.0.0.{octet}"),
                    octet => format!("198.51.100.{octet}"),
                },
                (if machine { MACHINE_AGENT } else { CLI_AGENT }).to_owned(),
                format!(
                    r#","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{}.{}.amazonaws.com"}}"#,
                    call.source.split('.').next().unwrap_or("s3"),
                    call.place.region()
                ),
            ),
        };
        let shared = call
            .shared_event_id
            .map(|s| format!(r#","sharedEventID":"{s}""#))
            .unwrap_or_default();
        let record = format!(
            r#"{{"eventVersion":"1.11","userIdentity":{identity},"eventTime":"{at}","eventSource":"{source}","eventName":"{name}","awsRegion":"{region}","sourceIPAddress":"{ip}","userAgent":"{agent}","requestParameters":{request},"responseElements":{response},"requestID":"{request_id}","eventID":"{id}","readOnly":{read_only},"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{account}"{shared},"eventCategory":"Management"{tls}}}"#,
            identity = call.identity,
            at = time(call.at),
            source = call.source,
            name = call.name,
            region = call.place.region(),
            request = call.request,
            response = call.response,
            read_only = call.name.starts_with("Get")
                || call.name.starts_with("Describe")
                || call.name.starts_with("List"),
            account = call.place.account(),
        );
        self.events += 1;
        self.streams
            .entry((call.place.account, call.place.region))
            .or_default()
            .push((call.at, record));
    }

    fn role_identity(
        &mut self,
        account: usize,
        role_path: &str,
        session: &str,
        key: &str,
        created: DateTime<Utc>,
        (identity_extra, context_extra): (&str, &str),
    ) -> String {
        let name = role_path.rsplit('/').next().unwrap_or(role_path);
        let role_id = format!(
            "AROA{}",
            base32_of(name.len() as u64 * 7919 + account as u64, 17)
        );
        format!(
            r#"{{"type":"AssumedRole","principalId":"{role_id}:{session}","arn":"arn:aws:sts::{acct}:assumed-role/{name}/{session}","accountId":"{acct}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{role_id}","arn":"arn:aws:iam::{acct}:role/{role_path}","accountId":"{acct}","userName":"{name}"}},"attributes":{{"creationDate":"{created}","mfaAuthenticated":"false"}}{context_extra}}}{identity_extra}}}"#,
            acct = ACCOUNTS[account],
            created = time(created),
        )
    }

    /// Records an `AssumeRole` (both copies when it crosses accounts) and returns the new key.
    fn assume(&mut self, assume: &Assume) -> String {
        let key = self.key();
        let role_account = ACCOUNTS[assume.role_account];
        let source_identity = assume
            .source_identity
            .map(|s| format!(r#","sourceIdentity":"{s}""#))
            .unwrap_or_default();
        let request = format!(
            r#"{{"roleArn":"arn:aws:iam::{role_account}:role/{path}","roleSessionName":"{session}","durationSeconds":3600{source_identity}}}"#,
            path = assume.role_path,
            session = assume.session,
        );
        let role_name = assume
            .role_path
            .rsplit('/')
            .next()
            .unwrap_or(assume.role_path);
        let response = format!(
            r#"{{"credentials":{{"accessKeyId":"{key}","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE","expiration":"{expires}"}},"assumedRoleUser":{{"assumedRoleId":"AROA{id}:{session}","arn":"arn:aws:sts::{role_account}:assumed-role/{role_name}/{session}"}}{source_identity}}}"#,
            expires = (assume.at + Duration::hours(1)).format("%b %-d, %Y, %-I:%M:%S %p"),
            id = base32_of(
                role_name.len() as u64 * 7919 + assume.role_account as u64,
                17
            ),
            session = assume.session,
        );
        let mut call = Call::new(
            assume.place,
            assume.at,
            ("sts.amazonaws.com", assume.action),
            assume.caller,
        );
        call.request = &request;
        call.response = &response;
        call.by_service = assume.by_service;
        if assume.role_account == assume.place.account {
            self.record(&call);
        } else {
            let shared = self.uuid();
            call.shared_event_id = Some(&shared);
            self.record(&call);
            let caller_account = ACCOUNTS[assume.place.account];
            let owner = format!(
                r#"{{"type":"AWSAccount","principalId":"AIDA{}","accountId":"{caller_account}"}}"#,
                base32_of(assume.place.account as u64, 17)
            );
            call.identity = &owner;
            call.place = Place {
                account: assume.role_account,
                region: assume.place.region,
            };
            self.record(&call);
        }
        key
    }

    /// `n` calls by `identity`, a few seconds apart; returns the time of the last.
    fn calls(
        &mut self,
        place: Place,
        start: DateTime<Utc>,
        identity: &str,
        n: usize,
    ) -> DateTime<Utc> {
        let mut at = start;
        for _ in 0..n {
            at += Duration::seconds(self.rng.gen_range(1..40));
            let action = CALLS[self.rng.gen_range(0..CALLS.len())];
            let request = format!(
                r#"{{"bucketName":"data-{}","key":"p/{}.parquet"}}"#,
                self.rng.gen_range(0..50),
                self.rng.gen_range(0..100_000)
            );
            let mut call = Call::new(place, at, action, identity);
            call.request = &request;
            self.record(&call);
        }
        at
    }

    /// A person through Identity Center: SAML sign-in, then a permission-set session.
    fn sso_person(
        &mut self,
        place: Place,
        start: DateTime<Utc>,
        user: usize,
        n: usize,
    ) -> (String, DateTime<Utc>) {
        let name = format!("user{user}@example.com");
        let saml = format!(
            r#"{{"type":"SAMLUser","principalId":"QmFzZTY0TmFtZVF1YWxpZmllcg==:{name}","userName":"{name}","identityProvider":"QmFzZTY0TmFtZVF1YWxpZmllcg=="}}"#
        );
        let key = self.assume(&Assume {
            action: "AssumeRoleWithSAML",
            place,
            at: start,
            caller: &saml,
            by_service: None,
            role_account: place.account,
            role_path: SSO_ROLE,
            session: &name,
            source_identity: None,
        });
        let on_behalf_of = format!(
            r#","onBehalfOf":{{"userId":"{user:08x}-1111-2222-3333-{user:012x}","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3"}}"#
        );
        let identity = self.role_identity(
            place.account,
            SSO_ROLE,
            &name,
            &key,
            start,
            (&on_behalf_of, ""),
        );
        let end = self.calls(place, start, &identity, n);
        (identity, end)
    }

    fn story(&mut self, place: Place, start: DateTime<Utc>, user: usize) {
        let other = Place {
            account: (place.account + 1) % ACCOUNTS.len(),
            region: place.region,
        };
        match self.rng.gen_range(0..5) {
            kind @ (0 | 1) => {
                let (identity, at) = self.sso_person(place, start, user, 5);
                let (trigger, principal, role, session) = if kind == 0 {
                    (
                        ("glue.amazonaws.com", "StartJobRun"),
                        "glue.amazonaws.com",
                        "service-role/AWSGlueServiceRole-SharedETL",
                        "GlueJobRunnerSession",
                    )
                } else {
                    (
                        ("redshift-data.amazonaws.com", "ExecuteStatement"),
                        "redshift.amazonaws.com",
                        "service-role/RedshiftSharedServiceRole",
                        "RedshiftIamRoleSession",
                    )
                };
                let mut call = Call::new(place, at + Duration::seconds(5), trigger, &identity);
                call.request = r#"{"jobName":"nightly-sales"}"#;
                self.record(&call);
                let assumed = at + Duration::seconds(40);
                let service = format!(r#"{{"type":"AWSService","invokedBy":"{principal}"}}"#);
                let key = self.assume(&Assume {
                    action: "AssumeRole",
                    place,
                    at: assumed,
                    caller: &service,
                    by_service: Some(principal),
                    role_account: place.account,
                    role_path: role,
                    session,
                    source_identity: None,
                });
                let lost =
                    self.role_identity(place.account, role, session, &key, assumed, ("", ""));
                self.calls(place, assumed, &lost, 20);
            }
            2 => {
                let (identity, at) = self.sso_person(place, start, user, 5);
                let chained = at + Duration::seconds(3);
                let key = self.assume(&Assume {
                    action: "AssumeRole",
                    place,
                    at: chained,
                    caller: &identity,
                    by_service: None,
                    role_account: place.account,
                    role_path: "DeployRole",
                    session: "deploy",
                    source_identity: None,
                });
                let session = self.role_identity(
                    place.account,
                    "DeployRole",
                    "deploy",
                    &key,
                    chained,
                    ("", ""),
                );
                self.calls(place, chained, &session, 15);
            }
            3 => {
                let name = format!("grace{user}@example.com");
                let saml = format!(
                    r#"{{"type":"SAMLUser","principalId":"b2t0YS1pZHA=:{name}","userName":"{name}","identityProvider":"b2t0YS1pZHA="}}"#
                );
                let key = self.assume(&Assume {
                    action: "AssumeRoleWithSAML",
                    place,
                    at: start,
                    caller: &saml,
                    by_service: None,
                    role_account: place.account,
                    role_path: "OktaEngineer",
                    session: &name,
                    source_identity: Some(&name),
                });
                let extra = format!(r#","sourceIdentity":"{name}""#);
                let first = self.role_identity(
                    place.account,
                    "OktaEngineer",
                    &name,
                    &key,
                    start,
                    ("", &extra),
                );
                let at = self.calls(place, start, &first, 5);
                let key = self.assume(&Assume {
                    action: "AssumeRole",
                    place,
                    at: at + Duration::seconds(2),
                    caller: &first,
                    by_service: None,
                    role_account: other.account,
                    role_path: "ProdReadOnly",
                    session: &name,
                    source_identity: Some(&name),
                });
                let second = self.role_identity(
                    other.account,
                    "ProdReadOnly",
                    &name,
                    &key,
                    at,
                    ("", &extra),
                );
                self.calls(other, at + Duration::seconds(2), &second, 10);
            }
            _ => {
                let user = user % 20;
                let identity = iam_user(place.account, user);
                let at = self.calls(place, start, &identity, 3);
                let key = self.assume(&Assume {
                    action: "AssumeRole",
                    place,
                    at: at + Duration::seconds(1),
                    caller: &identity,
                    by_service: None,
                    role_account: other.account,
                    role_path: "CrossAccountDeploy",
                    session: "ci-deploy",
                    source_identity: None,
                });
                let session = self.role_identity(
                    other.account,
                    "CrossAccountDeploy",
                    "ci-deploy",
                    &key,
                    at,
                    ("", ""),
                );
                self.calls(other, at + Duration::seconds(1), &session, 12);
            }
        }
    }

    fn noise(&mut self, place: Place, start: DateTime<Utc>) {
        match self.rng.gen_range(0..4) {
            0 => {
                let service = r#"{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}"#;
                let instance = format!("i-0{}", base32(&mut self.rng, 16).to_lowercase());
                let key = self.assume(&Assume {
                    action: "AssumeRole",
                    place,
                    at: start,
                    caller: service,
                    by_service: Some("ec2.amazonaws.com"),
                    role_account: place.account,
                    role_path: "WebServerInstanceRole",
                    session: &instance,
                    source_identity: None,
                });
                let identity = self.role_identity(
                    place.account,
                    "WebServerInstanceRole",
                    &instance,
                    &key,
                    start,
                    ("", r#","ec2RoleDelivery":"2.0""#),
                );
                let n = self.rng.gen_range(20..150);
                self.calls(place, start, &identity, n);
            }
            1 => {
                let key = self.key();
                let function = format!(
                    "arn:aws:lambda:{}:{}:function:cleanup-{}",
                    place.region(),
                    place.account(),
                    self.rng.gen_range(0..20)
                );
                let scope = format!(
                    r#","inScopeOf":{{"issuerType":"AWS::Lambda::Function","credentialsIssuedTo":"{function}"}}"#
                );
                let identity = self.role_identity(
                    place.account,
                    "service-role/cleanup-role",
                    "cleanup",
                    &key,
                    start,
                    (&scope, ""),
                );
                let n = self.rng.gen_range(5..60);
                self.calls(place, start, &identity, n);
            }
            2 => {
                let identity = r#"{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}"#;
                let mut at = start;
                for _ in 0..self.rng.gen_range(10..40) {
                    at += Duration::seconds(self.rng.gen_range(20..90));
                    let mut call =
                        Call::new(place, at, ("s3.amazonaws.com", "PutObject"), identity);
                    call.request = r#"{"bucketName":"example-cloudtrail-archive","x-amz-acl":"bucket-owner-full-control"}"#;
                    call.by_service = Some("cloudtrail.amazonaws.com");
                    self.record(&call);
                }
            }
            _ => {
                let identity = iam_user(place.account, self.rng.gen_range(0..20));
                let n = self.rng.gen_range(10..80);
                self.calls(place, start, &identity, n);
            }
        }
    }

    /// Writes what the hour produced as gzipped `{"Records":[…]}` files, one stream per
    /// account and region, named and placed as CloudTrail names and places them.
    fn flush(&mut self, out: &Path, per_file: usize) -> std::io::Result<()> {
        for ((account, region), mut records) in std::mem::take(&mut self.streams) {
            records.sort_by_key(|(at, _)| *at);
            let (acct, reg) = (ACCOUNTS[account], REGIONS[region]);
            for chunk in records.chunks(per_file) {
                let Some((last, _)) = chunk.last() else {
                    continue;
                };
                let delivered = *last + Duration::minutes(5);
                let dir = out.join(format!(
                    "AWSLogs/{acct}/CloudTrail/{reg}/{}",
                    delivered.format("%Y/%m/%d")
                ));
                std::fs::create_dir_all(&dir)?;
                let name = format!(
                    "{acct}_CloudTrail_{reg}_{}_{}.json.gz",
                    delivered.format("%Y%m%dT%H%MZ"),
                    base32(&mut self.rng, 16)
                );
                let mut body = String::from(r#"{"Records":["#);
                for (i, (_, record)) in chunk.iter().enumerate() {
                    if i > 0 {
                        body.push(',');
                    }
                    body.push_str(record);
                }
                body.push_str("]}");
                let mut encoder = GzEncoder::new(
                    std::fs::File::create(dir.join(name))?,
                    Compression::default(),
                );
                encoder.write_all(body.as_bytes())?;
                encoder.finish()?;
                self.files += 1;
                self.bytes += body.len() as u64;
            }
        }
        Ok(())
    }
}

fn iam_user(account: usize, user: usize) -> String {
    let acct = ACCOUNTS[account];
    let key = base32_of((account * 100 + user) as u64, 16);
    let id = base32_of((account * 100 + user) as u64 + 77, 17);
    format!(
        r#"{{"type":"IAMUser","principalId":"AIDA{id}","arn":"arn:aws:iam::{acct}:user/svc-user-{user}","accountId":"{acct}","accessKeyId":"AKIA{key}","userName":"svc-user-{user}"}}"#
    )
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    if let Some(runs) = args.dense {
        return write_dense(&args, runs);
    }
    let days = args
        .days
        .unwrap_or_else(|| args.events.div_ceil(1_000_000).max(1) as u32);
    let hours = u64::from(days) * 24;
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut estate = Estate {
        rng: StdRng::seed_from_u64(args.seed),
        streams: BTreeMap::new(),
        events: 0,
        files: 0,
        bytes: 0,
        counter: 0,
    };
    let mut user = 0;
    for hour in 0..hours {
        let hour_start = start + Duration::hours(hour as i64);
        let quota = args.events * (hour + 1) / hours;
        while estate.events < quota {
            let place = Place {
                account: estate.rng.gen_range(0..ACCOUNTS.len()),
                region: estate.rng.gen_range(0..REGIONS.len()),
            };
            let at = hour_start + Duration::seconds(estate.rng.gen_range(0..3600));
            user = (user + 1) % 500;
            if estate.rng.gen_bool(args.story_rate) {
                estate.story(place, at, user);
            } else if estate.rng.gen_bool(0.5) {
                let n = estate.rng.gen_range(10..120);
                estate.sso_person(place, at, user, n);
            } else {
                estate.noise(place, at);
            }
        }
        estate.flush(&args.out, args.per_file)?;
    }
    println!(
        "wrote {} events in {} files ({} MB of JSON) under {}",
        estate.events,
        estate.files,
        estate.bytes / 1_000_000,
        args.out.display()
    );
    Ok(())
}
