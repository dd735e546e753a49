//! Micro-benchmarks of the two hot stages (issue 4): reading one trail file (decode → normalize
//! → fold into the per-file summary), in MB/s of JSON, and linking, in sessions per second.
//! The whole-program comparison with zcat, jq and DuckDB is `benches/compare.sh`.
//!
//!     cargo bench --bench pipeline

use std::io::Write;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use flate2::Compression;
use flate2::write::GzEncoder;
use tip_audit::estate::Estate;
use tip_audit::link::{Graph, LinkOptions};
use tip_audit::pipeline;

const ACCOUNT: &str = "111122223333";

/// A trail file of `people` Identity Center users, each signing in, working through their
/// permission-set session, and starting a Glue job whose shared role then works without them.
fn trail_file(people: usize, calls_per_session: usize) -> Vec<u8> {
    let mut records = Vec::new();
    let mut id = 0u64;
    let mut record = |identity: &str,
                      source: &str,
                      name: &str,
                      request: &str,
                      response: &str,
                      second: usize| {
        id += 1;
        records.push(format!(
            r#"{{"eventVersion":"1.11","userIdentity":{identity},"eventTime":"2026-03-02T{:02}:{:02}:{:02}Z","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6","requestParameters":{request},"responseElements":{response},"requestID":"{id:016X}","eventID":"0f6c2a4e-1b7d-4c3e-9a51-{id:012x}","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{ACCOUNT}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"s3.us-east-1.amazonaws.com"}}}}"#,
            second / 3600 % 24,
            second / 60 % 60,
            second % 60
        ));
    };
    let role = |path: &str, session: &str, key: &str, extra: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        format!(
            r#"{{"type":"AssumedRole","principalId":"AROAEXAMPLEROLEID0001:{session}","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}","accountId":"{ACCOUNT}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLEROLEID0001","arn":"arn:aws:iam::{ACCOUNT}:role/{path}","accountId":"{ACCOUNT}","userName":"{name}"}},"attributes":{{"creationDate":"2026-03-02T09:00:00Z","mfaAuthenticated":"false"}}{extra}}}}}"#
        )
    };
    let sso = "aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef";
    for person in 0..people {
        let user = format!("user{person}@example.com");
        let key = format!("ASIAPERSON{person:010}");
        let job_key = format!("ASIAGLUEJOB{person:09}");
        let t = person * 7;
        let saml = format!(
            r#"{{"type":"SAMLUser","principalId":"QmFzZTY0TmFtZVF1YWxpZmllcg==:{user}","userName":"{user}","identityProvider":"QmFzZTY0TmFtZVF1YWxpZmllcg=="}}"#
        );
        let issued = format!(
            r#"{{"credentials":{{"accessKeyId":"{key}","expiration":"Mar 2, 2026, 11:00:00 AM"}}}}"#
        );
        let request = format!(
            r#"{{"roleArn":"arn:aws:iam::{ACCOUNT}:role/{sso}","roleSessionName":"{user}"}}"#
        );
        record(
            &saml,
            "sts.amazonaws.com",
            "AssumeRoleWithSAML",
            &request,
            &issued,
            t,
        );
        let obo = format!(
            r#","onBehalfOf":{{"userId":"{person:08x}-1111-2222-3333-444455556666","identityStoreArn":"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067a1b2c3"}}"#
        );
        let analyst = role(sso, &user, &key, &obo);
        for call in 0..calls_per_session {
            record(
                &analyst,
                "s3.amazonaws.com",
                "GetObject",
                r#"{"bucketName":"sales-data","key":"2026/03/02/part-0001.parquet"}"#,
                "null",
                t + call,
            );
        }
        record(
            &analyst,
            "glue.amazonaws.com",
            "StartJobRun",
            r#"{"jobName":"nightly-sales"}"#,
            "null",
            t + calls_per_session,
        );
        let glue = r#"{"type":"AWSService","invokedBy":"glue.amazonaws.com"}"#;
        let issued = format!(
            r#"{{"credentials":{{"accessKeyId":"{job_key}","expiration":"Mar 2, 2026, 11:00:00 AM"}}}}"#
        );
        let request = format!(
            r#"{{"roleArn":"arn:aws:iam::{ACCOUNT}:role/service-role/AWSGlueServiceRole-SharedETL","roleSessionName":"GlueJobRunnerSession"}}"#
        );
        record(
            glue,
            "sts.amazonaws.com",
            "AssumeRole",
            &request,
            &issued,
            t + calls_per_session + 20,
        );
        let job = role(
            "service-role/AWSGlueServiceRole-SharedETL",
            "GlueJobRunnerSession",
            &job_key,
            "",
        );
        for call in 0..calls_per_session {
            record(
                &job,
                "s3.amazonaws.com",
                "PutObject",
                r#"{"bucketName":"sales-curated","key":"out/part-0001.parquet"}"#,
                "null",
                t + calls_per_session + 30 + call,
            );
        }
    }
    format!(r#"{{"Records":[{}]}}"#, records.join(",")).into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).ok();
    encoder.finish().unwrap_or_default()
}

fn read_file(c: &mut Criterion) {
    let plain = trail_file(40, 20);
    let gzipped = gzip(&plain);
    let mut group = c.benchmark_group("read one trail file");
    group.throughput(Throughput::Bytes(plain.len() as u64));
    group.bench_function("plain JSON", |b| b.iter(|| pipeline::fold_bytes(&plain)));
    group.bench_function("gzipped", |b| b.iter(|| pipeline::fold_bytes(&gzipped)));
    group.finish();
}

fn link(c: &mut Criterion) {
    let people = 5_000;
    let file = trail_file(people, 3);
    let mut group = c.benchmark_group("link");
    // Two sessions per person: their own and the Glue job's.
    group.throughput(Throughput::Elements(2 * people as u64));
    group.sample_size(20);
    group.bench_function("sessions", |b| {
        b.iter_batched(
            || {
                let mut estate = Estate::default();
                estate.merge(pipeline::fold_bytes(&file).1);
                estate
            },
            |estate| Graph::build(estate, &LinkOptions::default()),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, read_file, link);
criterion_main!(benches);
