//! `tip-audit verify` on a real trail built on disk: gzipped log files, digest files chained
//! and signed with an RSA key made here, then tampered with in every way the issue lists.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::util::*;

const BUCKET: &str = "example-cloudtrail-archive";
const FINGERPRINT: &str = "0123456789abcdef0123456789abcdef";

pub(crate) fn signing_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn sign(private: &RsaPrivateKey, message: &str) -> String {
    hex::encode(
        SigningKey::<Sha256>::new(private.clone())
            .sign(message.as_bytes())
            .to_bytes(),
    )
}

/// A trail on disk: its folder, and the S3 keys of its log files and digests.
pub(crate) struct Trail {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) logs: Vec<String>,
    pub(crate) digests: Vec<String>,
}

impl Trail {
    fn path(&self, key: &str) -> PathBuf {
        self.dir.path().join(key)
    }

    /// Deletes one of its files.
    pub(crate) fn delete(&self, key: &str) {
        std::fs::remove_file(self.path(key)).unwrap();
    }

    /// Re-gzips one of its files after changing the decompressed text.
    fn rewrite(&self, key: &str, change: impl Fn(String) -> String) {
        let path = self.path(key);
        std::fs::write(&path, gzip(change(gunzip(&path)).as_bytes())).unwrap();
    }

    /// `tip-audit verify --format json` on it, checking signatures with `key` when given.
    fn verify(&self, key: Option<&Path>) -> (i32, Value) {
        let mut cmd = tip();
        cmd.arg("verify")
            .arg(self.dir.path().join("AWSLogs"))
            .args(["--format", "json"]);
        if let Some(key) = key {
            cmd.arg("--public-key").arg(key);
        }
        json_of(&mut cmd)
    }

    /// `verify` with the public half of `private` as a PEM file.
    fn verify_with(&self, private: &RsaPrivateKey) -> (i32, Value) {
        let pem = public_pem(self.dir.path(), private);
        self.verify(Some(&pem))
    }

    /// `verify` with the public half of the key that signed it.
    fn verify_signed(&self) -> (i32, Value) {
        self.verify_with(signing_key())
    }
}

/// Three hourly digests, each over two log files, chained and signed; the newest digest's
/// signature saved as a `.sig` sidecar, as from `x-amz-meta-signature`.
pub(crate) fn build_trail() -> Trail {
    let dir = tempfile::tempdir().unwrap();
    let mut logs = Vec::new();
    let mut digests = Vec::new();
    let mut previous: Option<(String, String, String)> = None; // key, sha256, signature
    for hour in 10..13 {
        let mut entries = Vec::new();
        for part in 0..2 {
            let key = format!(
                "AWSLogs/{APPS}/CloudTrail/us-east-1/2026/03/02/{APPS}_CloudTrail_us-east-1_20260302T{hour}{:02}Z_abcdefghijklmno{part}.json.gz",
                part * 30 + 5
            );
            let record = event(
                &format!("f5000000-0000-4000-8000-0000000{hour}00{part}"),
                &format!("2026-03-02T{hour}:{:02}:00Z", part * 30),
                "s3.amazonaws.com",
                "ListBuckets",
                APPS,
                iam_user(APPS, "auditor", "AKIAWO645SY5AUDITR22"),
            );
            let body = trail_body(&[record]);
            write_gzip(dir.path(), &key, &body);
            entries.push(json!({"s3Bucket": BUCKET, "s3Object": key, "hashValue": sha256_hex(&body), "hashAlgorithm": "SHA-256",
                "newestEventTime": format!("2026-03-02T{hour}:{:02}:00Z", part * 30), "oldestEventTime": format!("2026-03-02T{hour}:{:02}:00Z", part * 30)}));
            logs.push(key);
        }
        let end = format!("2026-03-02T{}:00:00Z", hour + 1);
        let key = format!(
            "AWSLogs/{APPS}/CloudTrail-Digest/us-east-1/2026/03/02/{APPS}_CloudTrail-Digest_us-east-1_org-audit-trail_us-east-1_20260302T{}0000Z.json.gz",
            hour + 1
        );
        let digest = json!({
            "awsAccountId": APPS, "digestStartTime": format!("2026-03-02T{hour}:00:00Z"), "digestEndTime": end,
            "digestS3Bucket": BUCKET, "digestS3Object": key, "digestPublicKeyFingerprint": FINGERPRINT,
            "digestSignatureAlgorithm": "SHA256withRSA", "newestEventTime": format!("2026-03-02T{hour}:30:00Z"),
            "oldestEventTime": format!("2026-03-02T{hour}:00:00Z"),
            "previousDigestS3Bucket": previous.as_ref().map(|_| BUCKET),
            "previousDigestS3Object": previous.as_ref().map(|p| p.0.clone()),
            "previousDigestHashValue": previous.as_ref().map(|p| p.1.clone()),
            "previousDigestHashAlgorithm": previous.as_ref().map(|_| "SHA-256"),
            "previousDigestSignature": previous.as_ref().map(|p| p.2.clone()),
            "logFiles": entries,
        });
        let body = serde_json::to_vec(&digest).unwrap();
        write_gzip(dir.path(), &key, &body);
        let own = sha256_hex(&body);
        let signing = format!(
            "{end}\n{BUCKET}/{key}\n{own}\n{}",
            previous.as_ref().map_or("null".to_owned(), |p| p.2.clone())
        );
        let signature = sign(signing_key(), &signing);
        previous = Some((key.clone(), own, signature));
        digests.push(key);
    }
    let (newest, _, signature) = previous.unwrap();
    std::fs::write(
        format!("{}.sig", dir.path().join(&newest).display()),
        signature,
    )
    .unwrap();
    Trail { dir, logs, digests }
}

pub(crate) fn public_pem(dir: &Path, private: &RsaPrivateKey) -> PathBuf {
    let pem = RsaPublicKey::from(private)
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .unwrap();
    write_file(dir, "key.pem", pem.as_bytes())
}

fn states(document: &Value) -> Vec<(String, String)> {
    document["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"]
                    .as_str()
                    .unwrap()
                    .rsplit('_')
                    .next()
                    .unwrap()
                    .to_owned(),
                f["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn signatures(document: &Value) -> Vec<&str> {
    column(document, "digests", "signature")
}

#[test]
fn an_intact_trail_verifies_with_every_signature() {
    let trail = build_trail();
    let (code, document) = trail.verify_signed();
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(document["intact"], true);
    assert_eq!(document["summary"]["verified"], 6);
    assert_eq!(document["summary"]["chain_breaks"], 0);
    assert_eq!(
        signatures(&document),
        ["valid", "valid", "valid"],
        "two from successors, the newest from its sidecar"
    );
}

#[test]
fn without_a_key_signatures_are_unchecked_and_say_why() {
    let trail = build_trail();
    trail.delete(&format!("{}.sig", trail.digests[2]));
    let (code, document) = trail.verify(None);
    assert_eq!(code, 0);
    let notes = column(&document, "digests", "note");
    assert_eq!(notes[0], "no --public-key given");
    assert!(notes[2].starts_with("newest digest: its signature is in S3 object metadata"));
}

#[test]
fn an_edited_event_is_a_modified_file() {
    let trail = build_trail();
    trail.rewrite(&trail.logs[3], |t| t.replace("ListBuckets", "DeleteBucket"));
    let (code, document) = trail.verify(None);
    assert_eq!(code, 1);
    assert_eq!(document["summary"]["modified"], 1);
    let modified: Vec<_> = states(&document)
        .into_iter()
        .filter(|(_, s)| s == "modified")
        .collect();
    assert_eq!(
        modified,
        [("abcdefghijklmno1.json.gz".to_owned(), "modified".to_owned())]
    );
    assert_eq!(
        document["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["state"] == "modified")
            .unwrap()["key"],
        trail.logs[3]
    );
}

#[test]
fn a_deleted_log_file_is_missing() {
    let trail = build_trail();
    trail.delete(&trail.logs[0]);
    let (code, document) = trail.verify(None);
    assert_eq!(code, 1);
    assert_eq!(document["summary"]["missing"], 1);
    assert_eq!(document["summary"]["verified"], 5);
}

#[test]
fn a_deleted_digest_breaks_the_chain_and_leaves_its_files_unverified() {
    let trail = build_trail();
    trail.delete(&trail.digests[1]);
    let (code, document) = trail.verify_signed();
    assert_eq!(code, 1);
    assert_eq!(document["summary"]["unverified"], 2);
    let breaks = document["chain_breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 2, "{breaks:#?}");
    assert!(breaks[0]["problem"].as_str().unwrap().contains(&format!(
        "the previous digest {} is missing",
        trail.digests[1]
    )));
    assert!(breaks[1]["problem"].as_str().unwrap().starts_with("a gap:"));
    assert_eq!(
        signatures(&document),
        ["unchecked", "valid"],
        "digest 1's signature lived in the deleted digest"
    );
}

#[test]
fn an_edited_digest_breaks_the_hash_chain_and_its_signature() {
    let trail = build_trail();
    trail.rewrite(&trail.digests[0], |t| {
        t.replace(
            "\"newestEventTime\":\"2026-03-02T10:30:00Z\"",
            "\"newestEventTime\":\"2026-03-02T10:31:00Z\"",
        )
    });
    let (code, document) = trail.verify_signed();
    assert_eq!(code, 1);
    let breaks = document["chain_breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 1);
    assert!(
        breaks[0]["problem"]
            .as_str()
            .unwrap()
            .starts_with("previousDigestHashValue does not match")
    );
    assert_eq!(signatures(&document), ["invalid", "valid", "valid"]);
}

#[test]
fn a_swapped_signature_is_invalid() {
    let trail = build_trail();
    // Put digest 1's signature (held by digest 2) where digest 2's belongs (in digest 3).
    let digest1: Value = serde_json::from_str(&gunzip(&trail.path(&trail.digests[1]))).unwrap();
    let stolen = digest1["previousDigestSignature"]
        .as_str()
        .unwrap()
        .to_owned();
    trail.rewrite(&trail.digests[2], |t| {
        let mut d: Value = serde_json::from_str(&t).unwrap();
        d["previousDigestSignature"] = json!(stolen);
        d.to_string()
    });
    let (code, document) = trail.verify_signed();
    assert_eq!(code, 1);
    assert_eq!(
        signatures(&document),
        ["valid", "invalid", "invalid"],
        "digest 3 changed too, so its sidecar no longer matches"
    );
}

#[test]
fn the_wrong_key_fails_every_signature() {
    let trail = build_trail();
    let other = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let (code, document) = trail.verify_with(&other);
    assert_eq!(code, 1);
    assert_eq!(signatures(&document), ["invalid", "invalid", "invalid"]);
}

#[test]
fn list_public_keys_json_is_matched_by_fingerprint() {
    use base64::Engine;
    let trail = build_trail();
    let der = RsaPublicKey::from(signing_key()).to_pkcs1_der().unwrap();
    let value = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
    let listed = |fingerprint: &str| {
        json!({"PublicKeyList": [{"Value": value, "ValidityStartTime": "2026-01-01T00:00:00Z",
        "ValidityEndTime": "2027-01-01T00:00:00Z", "Fingerprint": fingerprint}]})
    };
    let right = write_file(
        trail.dir.path(),
        "keys.json",
        listed(FINGERPRINT).to_string().as_bytes(),
    );
    let (code, document) = trail.verify(Some(&right));
    assert_eq!(code, 0);
    assert_eq!(signatures(&document), ["valid", "valid", "valid"]);
    let wrong = write_file(
        trail.dir.path(),
        "other-keys.json",
        listed("ffffffffffffffffffffffffffffffff")
            .to_string()
            .as_bytes(),
    );
    let (code, document) = trail.verify(Some(&wrong));
    assert_eq!(code, 0, "nothing verifiable failed");
    assert_eq!(
        signatures(&document),
        ["unchecked", "unchecked", "unchecked"]
    );
    assert!(
        document["digests"][0]["note"]
            .as_str()
            .unwrap()
            .contains("no key with fingerprint")
    );
}

#[test]
fn scan_with_verify_leaves_out_a_modified_file() {
    let trail = build_trail();
    trail.rewrite(&trail.logs[2], |t| {
        t.replace("ListBuckets", "PutBucketPolicy")
    });
    let (code, document) = scan_json(&[trail.dir.path()], &["--verify"]);
    assert_eq!(code, 2, "an audit with a file left out is incomplete");
    assert_eq!(
        document["summary"]["events"], 5,
        "the modified file's event is not audited"
    );
    let refused: Vec<&Value> = document["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "failed")
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("failed integrity verification")
    );
    assert!(
        refused[0]["path"]
            .as_str()
            .unwrap()
            .ends_with(&trail.logs[2])
    );
}

#[test]
fn csv_output_lists_every_file() {
    let trail = build_trail();
    let (_, text) = run(&[
        "verify",
        trail.dir.path().to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(text.starts_with("kind,key,path,state,detail\n"));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("log_file,")).count(),
        6
    );
    assert_eq!(text.lines().filter(|l| l.starts_with("digest,")).count(), 3);
}

#[test]
fn a_signature_saved_as_dot_signature_is_read_and_never_a_broken_digest() {
    let trail = build_trail();
    let newest = trail.dir.path().join(&trail.digests[2]);
    std::fs::rename(
        format!("{}.sig", newest.display()),
        format!("{}.signature", newest.display()),
    )
    .unwrap();
    let (code, document) = trail.verify_signed();
    assert_eq!(code, 0, "an intact trail passes: {document:#}");
    assert_eq!(document["intact"], true);
    assert_eq!(signatures(&document), ["valid", "valid", "valid"]);
    assert_eq!(document["digests"].as_array().unwrap().len(), 3);
}
