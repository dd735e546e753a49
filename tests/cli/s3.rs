//! Issue 14: `s3://` inputs against a real S3-protocol server on loopback (moto's server mode,
//! which `.ci/run` installs into `target/s3-venv`). Buckets are filled by `tests/s3_fixture.py`
//! with boto3, as a trail's objects would be; every request tip-audit makes goes through the AWS
//! SDK to that server. Without the server the tests say so and pass, unless
//! `TIP_AUDIT_REQUIRE_S3` is set (CI sets it): then a missing server is a failure.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{
    APPS, event, finish, iam_user, json_of, sample_logs, tip, trail_body, without_provenance,
    write_file, write_gzip,
};
use crate::verify::{build_trail, public_pem, signing_key};

/// The Python that has moto and boto3: `TIP_AUDIT_S3_PYTHON`, else `target/s3-venv`.
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("TIP_AUDIT_S3_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/s3-venv/bin/python"),
        PathBuf::from,
    );
    let works = Process::new(&python)
        .args(["-c", "import moto, boto3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    works.then_some(python)
}

/// A moto S3 server on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    endpoint: String,
    python: PathBuf,
}

impl Server {
    /// Starts a server; with `checked_after`, it checks signatures and IAM policies from that
    /// many requests on (moto's `INITIAL_NO_AUTH_ACTION_COUNT`). `None` when moto is missing.
    fn start(checked_after: Option<u32>) -> Option<Server> {
        let Some(python) = python() else {
            assert!(
                std::env::var_os("TIP_AUDIT_REQUIRE_S3").is_none(),
                "TIP_AUDIT_REQUIRE_S3 is set but no Python with moto was found (target/s3-venv)"
            );
            eprintln!(
                "skipped: no S3 server (python3 -m venv target/s3-venv && \
                 target/s3-venv/bin/pip install 'moto[server]' boto3)"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Process::new(&python);
        command
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(count) = checked_after {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", count.to_string());
        }
        let child = command.spawn().unwrap();
        let server = Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            python,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }

    /// Runs `tests/s3_fixture.py` against the server with these credentials; its stdout.
    fn fixture_as(&self, (key, secret): (&str, &str), args: &[&str]) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3_fixture.py");
        let output = Process::new(&self.python)
            .arg(script)
            .arg(&self.endpoint)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "s3_fixture.py {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn fixture(&self, args: &[&str]) -> String {
        self.fixture_as(("test", "test"), args)
    }

    /// A bucket holding every file under `dir`, keyed by its path from `dir`.
    fn bucket_of(&self, bucket: &str, dir: &Path) {
        self.fixture(&["bucket", bucket]);
        self.fixture(&["upload", bucket, dir.to_str().unwrap()]);
    }

    /// `tip-audit` pointed at the server, with these credentials and nothing from this machine's
    /// AWS configuration.
    fn tip_as(&self, (key, secret): (&str, &str)) -> assert_cmd::Command {
        let mut cmd = tip();
        for name in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"] {
            cmd.env_remove(name);
        }
        cmd.env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_CONFIG_FILE", "/nonexistent/tip-audit-test-config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/tip-audit-test-credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // A refused request is refused again: no need to wait through backoff.
            .env("AWS_MAX_ATTEMPTS", "2");
        cmd
    }

    fn tip(&self) -> assert_cmd::Command {
        self.tip_as(("test", "test"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A JSON report with every `from` in its text (paths) written `to`, and no provenance.
fn with_paths(document: &Value, from: &str, to: &str) -> Value {
    let text = serde_json::to_string(&without_provenance(document.clone())).unwrap();
    serde_json::from_str(&text.replace(from, to)).unwrap()
}

#[test]
fn a_scan_of_the_bucket_is_the_scan_of_the_same_files_on_disk() {
    let Some(server) = Server::start(None) else {
        return;
    };
    server.bucket_of("sample-trail", &sample_logs());
    let local = sample_logs();
    let local = local.to_str().unwrap();

    let (disk_code, disk) = json_of(tip().args(["scan", local, "--format", "json"]));
    let (code, stdout, stderr) =
        finish(
            server
                .tip()
                .args(["scan", "s3://sample-trail", "--format", "json"]),
        );
    let remote: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(code, disk_code, "{stderr}");
    assert!(disk["summary"]["events"].as_u64().unwrap() > 0);
    assert_eq!(
        with_paths(&remote, "s3://sample-trail", local),
        without_provenance(disk),
        "the same objects, the same report"
    );
    let reads = &remote["provenance"]["s3"];
    let read = reads["objects_read"].as_u64().unwrap();
    // Every file that holds events is fetched once; the digest is skipped by its key, unfetched.
    assert!(
        read >= remote["summary"]["files"].as_u64().unwrap(),
        "{reads}"
    );
    assert!(read < reads["objects_listed"].as_u64().unwrap(), "{reads}");
    assert!(
        stderr.contains("from S3 in"),
        "a receipt says what was read: {stderr}"
    );

    // A second pass reads the objects again, and says what it read: the timeline of a person.
    let (code, timeline) = json_of(server.tip().args([
        "timeline",
        "s3://sample-trail/",
        "--human",
        "alice@example.com",
        "--format",
        "json",
    ]));
    let (_, on_disk) = json_of(tip().args([
        "timeline",
        local,
        "--human",
        "alice@example.com",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        with_paths(&timeline, "s3://sample-trail", local),
        without_provenance(on_disk)
    );
}

/// One event in a trail file delivered on `day` of March 2026 at `hhmm`, numbered `n`.
fn daily_file(dir: &Path, day: u32, hhmm: &str, n: usize) {
    let key = format!(
        "AWSLogs/{APPS}/CloudTrail/us-east-1/2026/03/{day:02}/{APPS}_CloudTrail_us-east-1_202603{day:02}T{hhmm}Z_{n:016}.json.gz"
    );
    let record = event(
        &format!("e1400000-0000-4000-8000-{n:012}"),
        &format!("2026-03-{day:02}T{}:{}:00Z", &hhmm[..2], &hhmm[2..]),
        "s3.amazonaws.com",
        "ListBuckets",
        APPS,
        iam_user(APPS, "auditor", "AKIAWO645SY5AUDITR22"),
    );
    write_gzip(dir, &key, &trail_body(&[record]));
}

#[test]
fn a_one_day_scan_lists_only_the_folders_that_can_hold_that_day() {
    let Some(server) = Server::start(None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // More files in the day than one listing page holds (1,000 keys), and one file on days the
    // filters rule out: two days before (past the 12-hour-plus-window margin of --since) and two
    // days after (past the one-day delivery lag of --until).
    for n in 0..1005 {
        daily_file(
            dir.path(),
            3,
            &format!("{:02}{:02}", n / 60 % 24, n % 60),
            n,
        );
    }
    daily_file(dir.path(), 1, "1200", 5000);
    daily_file(dir.path(), 5, "1200", 5001);
    server.bucket_of("daily-trail", dir.path());
    let day = ["--since", "2026-03-03", "--until", "2026-03-03"];

    let (code, remote) = json_of(
        server
            .tip()
            .args(["scan", "s3://daily-trail/AWSLogs/", "--format", "json"])
            .args(day),
    );
    assert!(code == 0 || code == 1, "{remote}");
    let reads = &remote["provenance"]["s3"];
    // AWSLogs/, the account, CloudTrail/, the region, 2026/, 03/ and the day itself; days 01
    // and 05 are never listed.
    assert_eq!(reads["prefixes_listed"], 7, "{reads}");
    assert_eq!(reads["prefixes_pruned"], 2, "{reads}");
    assert_eq!(reads["objects_listed"], 1005, "{reads}");
    assert_eq!(
        reads["list_requests"], 8,
        "the day's folder takes two pages: {reads}"
    );
    assert_eq!(remote["summary"]["events"], 1005);
    // On disk the two files are listed, then pruned by their key; in S3 their folders are not
    // even listed, so no file is counted pruned: the folders are, in the provenance.
    assert_eq!(remote["summary"]["files_pruned"], 0);

    let local = dir.path().join("AWSLogs");
    let (_, mut disk) = json_of(
        tip()
            .arg("scan")
            .arg(&local)
            .args(["--format", "json"])
            .args(day),
    );
    assert_eq!(disk["summary"]["files_pruned"], 2);
    disk["summary"]["files_pruned"] = json!(0);
    assert_eq!(
        with_paths(&remote, "s3://daily-trail/AWSLogs", local.to_str().unwrap()),
        without_provenance(disk)
    );
}

#[test]
fn a_missing_bucket_fails_at_once_naming_it_and_the_error_code() {
    let Some(server) = Server::start(None) else {
        return;
    };
    let (code, stdout, stderr) = finish(server.tip().args(["scan", "s3://no-such-trail/AWSLogs/"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("s3://no-such-trail"), "{stderr}");
    assert!(stderr.contains("NoSuchBucket"), "{stderr}");
    assert!(
        stdout.is_empty(),
        "no report from a listing that failed: {stdout}"
    );
}

#[test]
fn a_wrong_secret_key_fails_at_once_and_is_never_printed() {
    // Signatures are checked from the fourth request on: the first three make the user.
    let Some(server) = Server::start(Some(3)) else {
        return;
    };
    let created = server.fixture(&["user", "auditor"]);
    let (key, secret) = created.trim().split_once(' ').unwrap();
    let dir = tempfile::tempdir().unwrap();
    daily_file(dir.path(), 3, "1200", 1);
    server.fixture_as((key, secret), &["bucket", "locked-trail"]);
    server.fixture_as(
        (key, secret),
        &["upload", "locked-trail", dir.path().to_str().unwrap()],
    );

    let (code, _, stderr) = finish(
        server
            .tip_as((key, secret))
            .args(["scan", "s3://locked-trail"]),
    );
    assert_eq!(code, 0, "the right key reads the trail: {stderr}");

    let wrong = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET";
    let (code, stdout, stderr) = finish(
        server
            .tip_as((key, wrong))
            .args(["scan", "s3://locked-trail"]),
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("s3://locked-trail"), "{stderr}");
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    assert!(!stderr.contains(wrong) && !stdout.contains(wrong));
}

#[test]
fn objects_that_are_not_logs_or_are_damaged_are_reported_as_on_disk() {
    let Some(server) = Server::start(None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    daily_file(dir.path(), 3, "1200", 1);
    let key = |hhmm: &str, name: &str| {
        format!(
            "AWSLogs/{APPS}/CloudTrail/us-east-1/2026/03/03/{APPS}_CloudTrail_us-east-1_20260303T{hhmm}Z_{name}.json.gz"
        )
    };
    // Not gzip, not CloudTrail: an error page saved under a log's name.
    let page = key("1300", "notgzipnotjson00");
    write_file(dir.path(), &page, b"<html>403 Forbidden</html>");
    // A gzip stream cut short: the records before the cut are kept, the file is incomplete.
    let cut = key("1400", "truncatedgzip000");
    let records: Vec<Value> = (0..200)
        .map(|n| {
            event(
                &format!("e1400000-0000-4000-9000-{n:012}"),
                "2026-03-03T13:55:00Z",
                "s3.amazonaws.com",
                "ListBuckets",
                APPS,
                iam_user(APPS, "auditor", "AKIAWO645SY5AUDITR22"),
            )
        })
        .collect();
    let whole = crate::util::gzip(&trail_body(&records));
    write_file(dir.path(), &cut, &whole[..whole.len() / 2]);
    server.bucket_of("mixed-trail", dir.path());

    let (code, local) = json_of(tip().arg("scan").arg(dir.path()).args(["--format", "json"]));
    let (remote_code, remote) =
        json_of(
            server
                .tip()
                .args(["scan", "s3://mixed-trail", "--format", "json"]),
        );
    assert_eq!(remote_code, code);
    assert_eq!(
        remote_code, 2,
        "a damaged log makes the run incomplete: {remote:#}"
    );
    let mentioned = serde_json::to_string(&remote).unwrap();
    for name in [&page, &cut] {
        assert!(
            mentioned.contains(&format!("s3://mixed-trail/{name}")),
            "{name} is named by its URL: {remote:#}"
        );
    }
    assert_eq!(
        with_paths(&remote, "s3://mixed-trail", dir.path().to_str().unwrap()),
        without_provenance(local)
    );
}

#[test]
fn verify_takes_the_newest_digest_signature_from_object_metadata() {
    let Some(server) = Server::start(None) else {
        return;
    };
    // The trail's `<newest digest>.sig` becomes the object's x-amz-meta-signature on upload, as
    // CloudTrail stores it; no side file is uploaded.
    let trail = build_trail();
    server.bucket_of("signed-trail", trail.dir.path());
    let pem = public_pem(trail.dir.path(), signing_key());

    let (code, document) = json_of(
        server
            .tip()
            .args(["verify", "s3://signed-trail/AWSLogs/", "--format", "json"])
            .arg("--public-key")
            .arg(&pem),
    );
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(document["summary"]["verified"], 6);
    let signatures: Vec<&str> = document["digests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["signature"].as_str().unwrap())
        .collect();
    assert_eq!(signatures, ["valid", "valid", "valid"], "{document:#}");

    // Without the metadata the newest digest cannot be checked.
    std::fs::remove_file(format!(
        "{}.sig",
        trail.dir.path().join(&trail.digests[2]).display()
    ))
    .unwrap();
    server.fixture(&["bucket", "unsigned-trail"]);
    server.fixture(&[
        "upload",
        "unsigned-trail",
        trail.dir.path().to_str().unwrap(),
    ]);
    let (_, document) = json_of(
        server
            .tip()
            .args(["verify", "s3://unsigned-trail/AWSLogs/", "--format", "json"])
            .arg("--public-key")
            .arg(&pem),
    );
    let newest = document["digests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["key"]
                .as_str()
                .unwrap()
                .ends_with(trail.digests[2].as_str())
        })
        .unwrap();
    assert_eq!(newest["signature"], "unchecked", "{newest}");
}
