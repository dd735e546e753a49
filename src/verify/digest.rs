//! CloudTrail digest files: their fields, and the string their signature covers
//! (CloudTrail user guide, `cloudtrail-log-file-validation-digest-file-structure` and
//! `cloudtrail-log-file-custom-validation`; AWS CLI `validate-logs`).

use serde::Deserialize;

/// A digest file, as CloudTrail writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    /// The account the digest is for.
    pub aws_account_id: Option<String>,
    /// Start of the window (by delivery time of the log files it covers).
    pub digest_start_time: Option<String>,
    /// End of the window.
    pub digest_end_time: Option<String>,
    /// Where this digest was written.
    #[serde(rename = "digestS3Bucket")]
    pub digest_s3_bucket: Option<String>,
    /// Its key.
    #[serde(rename = "digestS3Object")]
    pub digest_s3_object: Option<String>,
    /// Fingerprint of the public key that verifies it.
    pub digest_public_key_fingerprint: Option<String>,
    /// `SHA256withRSA`.
    pub digest_signature_algorithm: Option<String>,
    /// The previous digest's key (`null` in a starting digest).
    #[serde(rename = "previousDigestS3Object")]
    pub previous_digest_s3_object: Option<String>,
    /// Hex SHA-256 of the previous digest's uncompressed bytes.
    pub previous_digest_hash_value: Option<String>,
    /// Hex signature of the previous digest.
    pub previous_digest_signature: Option<String>,
    /// The log files delivered in the window.
    #[serde(default)]
    pub log_files: Vec<LogFileEntry>,
}

/// One `logFiles[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogFileEntry {
    /// The log file's key.
    #[serde(rename = "s3Object")]
    pub s3_object: Option<String>,
    /// Hex SHA-256 of its uncompressed bytes.
    pub hash_value: Option<String>,
    /// `SHA-256`.
    pub hash_algorithm: Option<String>,
}

impl Digest {
    /// The string the digest's RSA signature covers:
    /// `digestEndTime \n bucket/key \n hex(sha256(uncompressed digest)) \n previousDigestSignature`
    /// (the literal `null` for a starting digest), with no trailing newline.
    pub fn signing_string(&self, own_sha256: &str) -> String {
        format!(
            "{}\n{}/{}\n{}\n{}",
            self.digest_end_time.as_deref().unwrap_or(""),
            self.digest_s3_bucket.as_deref().unwrap_or(""),
            self.digest_s3_object.as_deref().unwrap_or(""),
            own_sha256,
            self.previous_digest_signature.as_deref().unwrap_or("null"),
        )
    }
}

/// The part of an S3 key from `AWSLogs/` on: how a log file or digest is matched, whatever
/// bucket prefix or local folder holds it.
pub fn key_from(text: &str) -> Option<String> {
    let at = text.find("AWSLogs/")?;
    Some(text[at..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_string_follows_validate_logs() {
        let digest: Digest = serde_json::from_str(
            r#"{"digestEndTime":"2026-03-02T11:00:00Z","digestS3Bucket":"archive",
            "digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/d.json.gz",
            "previousDigestSignature":null,"logFiles":[]}"#,
        )
        .expect("digest JSON");
        assert_eq!(
            digest.signing_string("abc123"),
            "2026-03-02T11:00:00Z\narchive/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/d.json.gz\nabc123\nnull"
        );
    }

    #[test]
    fn keys_match_from_awslogs_on() {
        assert_eq!(
            key_from("prefix/AWSLogs/111122223333/CloudTrail/x.json.gz").as_deref(),
            Some("AWSLogs/111122223333/CloudTrail/x.json.gz")
        );
        assert_eq!(key_from("elsewhere/x.json.gz"), None);
    }
}
