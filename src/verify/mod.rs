//! `tip-audit verify`: offline integrity validation of CloudTrail log files against digest files.
//!
//! Does what `aws cloudtrail validate-logs` does, from a copy on disk: each log file's SHA-256
//! (of its decompressed bytes) against the digest that lists it, the chain of digests
//! (`previousDigestHashValue`, time gaps), and with public keys the RSA signatures. The signature
//! of a digest is kept in S3 object metadata, so it is read from the next digest's
//! `previousDigestSignature`, else from the object's `x-amz-meta-signature` when the trail is
//! read from `s3://`, else from a side file holding the saved hex (`<digest>.sig` or
//! `<digest>.signature`, never reported as digests themselves). Never reads events.

mod digest;
mod keys;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read};
use std::path::Path;

use rayon::prelude::*;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::decode::gzip;
use crate::discover::{Source, SourceKind};
pub use digest::{Digest, key_from};
pub use keys::KeyRing;

/// A signature side file holds a hex RSA signature (512 characters for CloudTrail's 2048-bit
/// keys); more than this is not read.
const MAX_SIGNATURE_BYTES: u64 = 16 << 10;

/// Digest files are small (one entry per log file of an hour); anything larger is refused.
const MAX_DIGEST_BYTES: u64 = 64 << 20;

/// What became of one log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// Its hash matches the digest that lists it.
    Verified,
    /// Its hash differs: edited since delivery.
    Modified,
    /// Listed in a digest, absent here.
    Missing,
    /// Present, listed in no digest given.
    Unverified,
    /// Present but could not be read (damaged gzip, I/O error).
    Unreadable,
}

impl FileState {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Verified => "verified",
            FileState::Modified => "modified",
            FileState::Missing => "missing",
            FileState::Unverified => "unverified",
            FileState::Unreadable => "unreadable",
        }
    }
}

/// One log file's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    /// The S3 key from `AWSLogs/` on.
    pub key: String,
    /// The local path, when present.
    pub path: Option<String>,
    /// The verdict.
    pub state: FileState,
    /// The digest that lists it.
    pub digest: Option<String>,
    /// Why, in words.
    pub detail: Option<String>,
}

/// A digest's signature verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureState {
    /// RSA SHA-256 signature valid.
    Valid,
    /// The signature does not match: the digest or its signature was altered, or the key is wrong.
    Invalid,
    /// Not checked (no key given, or no signature available); `note` says which.
    Unchecked,
}

/// One digest file's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct DigestCheck {
    /// The S3 key from `AWSLogs/` on (as it names itself in `digestS3Object`, else from its path).
    pub key: String,
    /// The local path.
    pub path: String,
    /// `digestStartTime`.
    pub start_time: Option<String>,
    /// `digestEndTime`.
    pub end_time: Option<String>,
    /// Log files it lists.
    pub log_files: usize,
    /// Whether it could be read and parsed (an unreadable digest is an integrity failure).
    pub readable: bool,
    /// Signature verdict.
    pub signature: SignatureState,
    /// Why the signature is unchecked or invalid; why the digest could not be read.
    pub note: Option<String>,
}

/// A break in a chain of digests.
#[derive(Debug, Clone, Serialize)]
pub struct ChainBreak {
    /// The digest where it shows.
    pub digest: String,
    /// What is wrong.
    pub problem: String,
}

/// Totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifySummary {
    /// Log files whose hash matches.
    pub verified: u64,
    /// Log files edited since delivery.
    pub modified: u64,
    /// Log files listed in a digest but absent.
    pub missing: u64,
    /// Log files listed in no digest given.
    pub unverified: u64,
    /// Log files that could not be read.
    pub unreadable: u64,
    /// Digest files read.
    pub digests: u64,
    /// Digest files that could not be read or were moved.
    pub digests_unreadable: u64,
    /// Breaks in the digest chains.
    pub chain_breaks: u64,
    /// Signatures valid.
    pub signatures_valid: u64,
    /// Signatures invalid.
    pub signatures_invalid: u64,
    /// Signatures not checked.
    pub signatures_unchecked: u64,
}

/// The result of a verification.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Every log file, by key.
    pub files: Vec<FileCheck>,
    /// Every digest, by key.
    pub digests: Vec<DigestCheck>,
    /// Chain breaks, by digest.
    pub breaks: Vec<ChainBreak>,
}

impl Verification {
    /// Totals.
    pub fn summary(&self) -> VerifySummary {
        let files = |state| self.files.iter().filter(|f| f.state == state).count() as u64;
        let signatures =
            |state| self.digests.iter().filter(|d| d.signature == state).count() as u64;
        VerifySummary {
            verified: files(FileState::Verified),
            modified: files(FileState::Modified),
            missing: files(FileState::Missing),
            unverified: files(FileState::Unverified),
            unreadable: files(FileState::Unreadable),
            digests: self.digests.len() as u64,
            digests_unreadable: self.digests.iter().filter(|d| !d.readable).count() as u64,
            chain_breaks: self.breaks.len() as u64,
            signatures_valid: signatures(SignatureState::Valid),
            signatures_invalid: signatures(SignatureState::Invalid),
            signatures_unchecked: signatures(SignatureState::Unchecked),
        }
    }

    /// Whether there was anything to verify: at least one digest file. Log files alone prove
    /// nothing.
    pub fn verifiable(&self) -> bool {
        !self.digests.is_empty()
    }

    /// Whether everything that could be verified is intact; never when nothing could be.
    pub fn intact(&self) -> bool {
        let s = self.summary();
        let problems = s.modified
            + s.missing
            + s.unreadable
            + s.digests_unreadable
            + s.chain_breaks
            + s.signatures_invalid;
        self.verifiable() && problems == 0
    }

    /// Local paths of log files that failed: modified or unreadable.
    pub fn failed_paths(&self) -> BTreeSet<String> {
        self.files
            .iter()
            .filter(|f| matches!(f.state, FileState::Modified | FileState::Unreadable))
            .filter_map(|f| f.path.clone())
            .collect()
    }
}

/// A digest file, read.
struct ReadDigest {
    key: String,
    path: String,
    sha256: String,
    digest: Digest,
    group: String,
    /// Its signature as stored beside it: the S3 object's `x-amz-meta-signature`, else a side
    /// file saved next to a local copy.
    stored_signature: Option<String>,
}

/// The names people give a digest's signature saved next to a local copy: `<digest>.sig`, as
/// `aws s3api head-object` output is usually saved, and `<digest>.signature`.
const SIGNATURE_SUFFIXES: [&str; 2] = [".sig", ".signature"];

/// The digest a signature side file belongs to, when `path` is one.
fn signed_digest(path: &str) -> Option<&str> {
    SIGNATURE_SUFFIXES
        .iter()
        .find_map(|suffix| path.strip_suffix(suffix))
}

/// Verifies the log files and digests among `sources`.
pub fn run(sources: &[Source], keys: Option<&KeyRing>) -> Verification {
    let side_files: BTreeMap<String, &Source> = sources
        .iter()
        .filter_map(|s| Some((signed_digest(&s.display())?.to_owned(), s)))
        .collect();
    let digest_sources: Vec<&Source> = sources
        .iter()
        .filter(|s| s.kind == SourceKind::Digest && signed_digest(&s.display()).is_none())
        .collect();
    let log_sources: Vec<&Source> = sources
        .iter()
        .filter(|s| s.kind == SourceKind::File && is_log_file(&s.path))
        .collect();

    let _ahead = crate::discover::read_ahead(digest_sources.iter().chain(&log_sources).copied());
    let read: Vec<Result<ReadDigest, String>> = digest_sources
        .par_iter()
        .map(|s| read_digest(s, &side_files))
        .collect();
    let hashes: Vec<Result<String, String>> = log_sources.par_iter().map(|s| hash_log(s)).collect();

    let mut verification = Verification::default();
    let mut digests = Vec::new();
    for (source, result) in digest_sources.iter().zip(read) {
        match result {
            Ok(digest) => digests.push(digest),
            Err(note) => verification.digests.push(DigestCheck {
                key: key_from(&source.display()).unwrap_or_else(|| source.display()),
                path: source.display(),
                start_time: None,
                end_time: None,
                log_files: 0,
                readable: false,
                signature: SignatureState::Unchecked,
                note: Some(note),
            }),
        }
    }
    digests.sort_by(|a, b| a.key.cmp(&b.key));

    let present: BTreeMap<String, (String, Result<String, String>)> = log_sources
        .iter()
        .zip(hashes)
        .filter_map(|(s, hash)| Some((key_from(&s.path.to_string_lossy())?, (s.display(), hash))))
        .collect();
    let mut listed = BTreeSet::new();
    for d in &digests {
        for entry in &d.digest.log_files {
            let Some(key) = entry.s3_object.as_deref().and_then(key_from) else {
                continue;
            };
            listed.insert(key.clone());
            let (path, state, detail) = match present.get(&key) {
                None => (
                    None,
                    FileState::Missing,
                    Some("listed in the digest, not found".to_owned()),
                ),
                Some((path, Err(error))) => (
                    Some(path.clone()),
                    FileState::Unreadable,
                    Some(error.clone()),
                ),
                Some((path, Ok(hash)))
                    if entry
                        .hash_value
                        .as_deref()
                        .is_some_and(|h| h.eq_ignore_ascii_case(hash)) =>
                {
                    (Some(path.clone()), FileState::Verified, None)
                }
                Some((path, Ok(hash))) => (
                    Some(path.clone()),
                    FileState::Modified,
                    Some(format!(
                        "SHA-256 {hash}, digest says {}",
                        entry.hash_value.as_deref().unwrap_or("nothing")
                    )),
                ),
            };
            verification.files.push(FileCheck {
                key,
                path,
                state,
                digest: Some(d.key.clone()),
                detail,
            });
        }
    }
    for (key, (path, hash)) in &present {
        if listed.contains(key) {
            continue;
        }
        let (state, detail) = match hash {
            Err(error) => (FileState::Unreadable, error.clone()),
            Ok(_) => (
                FileState::Unverified,
                "listed in no digest given".to_owned(),
            ),
        };
        verification.files.push(FileCheck {
            key: key.clone(),
            path: Some(path.clone()),
            state,
            digest: None,
            detail: Some(detail),
        });
    }
    verification
        .files
        .sort_by(|a, b| (&a.key, &a.digest).cmp(&(&b.key, &b.digest)));

    verification.breaks = chain_breaks(&digests);
    let successors: BTreeMap<String, &str> = digests
        .iter()
        .filter_map(|d| {
            let previous = d
                .digest
                .previous_digest_s3_object
                .as_deref()
                .and_then(key_from)?;
            Some((previous, d.digest.previous_digest_signature.as_deref()?))
        })
        .collect();
    for d in &digests {
        let (signature, note) = check_signature(d, successors.get(&d.key).copied(), keys);
        verification.digests.push(DigestCheck {
            key: d.key.clone(),
            path: d.path.clone(),
            start_time: d.digest.digest_start_time.clone(),
            end_time: d.digest.digest_end_time.clone(),
            log_files: d.digest.log_files.len(),
            readable: true,
            signature,
            note,
        });
    }
    verification.digests.sort_by(|a, b| a.key.cmp(&b.key));
    verification
}

/// Log files live under `AWSLogs/…/CloudTrail/`.
fn is_log_file(path: &Path) -> bool {
    path.to_string_lossy().contains("/CloudTrail/")
}

fn read_digest(
    source: &Source,
    side_files: &BTreeMap<String, &Source>,
) -> Result<ReadDigest, String> {
    let path = source.display();
    let (bytes, metadata_signature) = inflate(source, MAX_DIGEST_BYTES)?;
    // A side file that cannot be read is as good as none: the digest is then reported unchecked.
    let stored_signature = metadata_signature.or_else(|| {
        let mut side = Vec::new();
        let opened = side_files.get(&path)?.open().ok()?;
        opened
            .reader
            .take(MAX_SIGNATURE_BYTES)
            .read_to_end(&mut side)
            .ok()?;
        Some(String::from_utf8_lossy(&side).trim().to_owned())
    });
    let digest: Digest =
        serde_json::from_slice(&bytes).map_err(|e| format!("not a digest file: {e}"))?;
    let at = key_from(&path);
    let key = digest
        .digest_s3_object
        .as_deref()
        .and_then(key_from)
        .or_else(|| at.clone())
        .unwrap_or_else(|| path.clone());
    if at.as_ref().is_some_and(|at| *at != key) {
        return Err(format!("moved from its original location ({key})"));
    }
    Ok(ReadDigest {
        group: chain_group(&key, &digest),
        sha256: hex::encode(Sha256::digest(&bytes)),
        key,
        path,
        digest,
        stored_signature,
    })
}

/// Digests chain per account, region and trail: from the file name
/// `<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<time>.json.gz`.
fn chain_group(key: &str, digest: &Digest) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    match name.rsplit_once('_') {
        Some((group, _time)) => group.to_owned(),
        None => digest.aws_account_id.clone().unwrap_or_default(),
    }
}

/// A digest's bytes, inflated, and the signature stored with the object (S3 metadata).
fn inflate(source: &Source, limit: u64) -> Result<(Vec<u8>, Option<String>), String> {
    let opened = source.open().map_err(|e| format!("cannot read: {e}"))?;
    let mut stored = Vec::with_capacity(opened.size.unwrap_or(0).min(limit) as usize);
    opened
        .reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut stored)
        .map_err(|e| format!("cannot read: {e}"))?;
    if stored.len() as u64 > limit {
        return Err(format!("larger than a digest file can be ({limit} bytes)"));
    }
    if !gzip::is_gzip(&stored) {
        return Ok((stored, opened.signature));
    }
    let mut bytes = Vec::new();
    gzip::Capped::new(gzip::decoder(stored.as_slice()), limit, "digest size limit")
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    Ok((bytes, opened.signature))
}

/// SHA-256 of a log file's decompressed bytes, streamed.
fn hash_log(source: &Source) -> Result<String, String> {
    use std::io::BufRead;
    let opened = source.open().map_err(|e| format!("cannot open: {e}"))?;
    let mut reader = BufReader::with_capacity(1 << 16, opened.reader);
    let gzipped = gzip::is_gzip(reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?);
    let mut hasher = Sha256::new();
    let result = if gzipped {
        std::io::copy(&mut gzip::decoder(reader), &mut hasher)
    } else {
        std::io::copy(&mut reader, &mut hasher)
    };
    result.map_err(|e| format!("cannot decompress: {e}"))?;
    Ok(hex::encode(hasher.finalize()))
}

/// Chain checks per group, in `digestEndTime` order: each digest names the one before it, whose
/// hash must match, and windows follow one another without a gap.
fn chain_breaks(digests: &[ReadDigest]) -> Vec<ChainBreak> {
    let by_key: BTreeMap<&str, &ReadDigest> = digests.iter().map(|d| (d.key.as_str(), d)).collect();
    let mut groups: BTreeMap<&str, Vec<&ReadDigest>> = BTreeMap::new();
    for d in digests {
        groups.entry(&d.group).or_default().push(d);
    }
    let mut breaks = Vec::new();
    for group in groups.values_mut() {
        group.sort_by(|a, b| {
            (&a.digest.digest_end_time, &a.key).cmp(&(&b.digest.digest_end_time, &b.key))
        });
        for (i, d) in group.iter().enumerate() {
            let mut problem = |text: String| {
                breaks.push(ChainBreak {
                    digest: d.key.clone(),
                    problem: text,
                })
            };
            let previous_key = d
                .digest
                .previous_digest_s3_object
                .as_deref()
                .and_then(key_from);
            let earlier = i.checked_sub(1).map(|j| group[j]);
            match (&previous_key, earlier) {
                (None, Some(before)) => problem(format!(
                    "a starting digest after {}: logging or validation was stopped, or the chain was reset",
                    before.key
                )),
                (Some(previous), _) => match by_key.get(previous.as_str()) {
                    None if earlier.is_some() => {
                        problem(format!("the previous digest {previous} is missing"))
                    }
                    None => {} // the oldest digest given; earlier ones were simply not provided
                    Some(before) => {
                        let expected = d.digest.previous_digest_hash_value.as_deref().unwrap_or("");
                        if !expected.eq_ignore_ascii_case(&before.sha256) {
                            problem(format!(
                                "previousDigestHashValue does not match {}: that digest was modified",
                                before.key
                            ));
                        }
                    }
                },
                (None, None) => {}
            }
            if let Some(before) = earlier
                && before.digest.digest_end_time.is_some()
                && before.digest.digest_end_time != d.digest.digest_start_time
                && previous_key.is_some()
            {
                problem(format!(
                    "a gap: {} ends at {}, this one starts at {}",
                    before.key,
                    before.digest.digest_end_time.as_deref().unwrap_or("?"),
                    d.digest.digest_start_time.as_deref().unwrap_or("?"),
                ));
            }
        }
    }
    breaks
}

fn check_signature(
    d: &ReadDigest,
    from_successor: Option<&str>,
    keys: Option<&KeyRing>,
) -> (SignatureState, Option<String>) {
    let Some(signature_hex) = from_successor
        .map(str::to_owned)
        .or_else(|| d.stored_signature.clone())
    else {
        return (
            SignatureState::Unchecked,
            Some("newest digest: its signature is in S3 object metadata (x-amz-meta-signature); read the trail from s3:// or save it as <digest>.sig".to_owned()),
        );
    };
    let Some(keys) = keys else {
        return (
            SignatureState::Unchecked,
            Some("no --public-key given".to_owned()),
        );
    };
    let Some(key) = keys.key_for(d.digest.digest_public_key_fingerprint.as_deref()) else {
        return (
            SignatureState::Unchecked,
            Some(format!(
                "no key with fingerprint {}",
                d.digest
                    .digest_public_key_fingerprint
                    .as_deref()
                    .unwrap_or("(none)")
            )),
        );
    };
    let Ok(bytes) = hex::decode(signature_hex.trim()) else {
        return (
            SignatureState::Invalid,
            Some("the signature is not hex".to_owned()),
        );
    };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
        return (
            SignatureState::Invalid,
            Some("the signature is malformed".to_owned()),
        );
    };
    let message = d.digest.signing_string(&d.sha256);
    match VerifyingKey::<Sha256>::new(key.clone()).verify(message.as_bytes(), &signature) {
        Ok(()) => (SignatureState::Valid, None),
        Err(_) => (
            SignatureState::Invalid,
            Some("RSA SHA-256 signature does not verify: the digest or its signature was altered, or the key is wrong".to_owned()),
        ),
    }
}
