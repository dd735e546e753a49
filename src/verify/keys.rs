//! Public keys for digest signatures: PEM or DER (PKCS#1 or SubjectPublicKeyInfo), or the JSON
//! that `aws cloudtrail list-public-keys` prints (base64 DER PKCS#1 values, matched to a digest
//! by `Fingerprint` = `digestPublicKeyFingerprint`).

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use serde::Deserialize;

/// The keys a verification may use.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    /// Keys with a known fingerprint.
    by_fingerprint: Vec<(String, RsaPublicKey)>,
    /// A single key given without a fingerprint: used for every digest.
    any: Option<RsaPublicKey>,
}

#[derive(Deserialize)]
struct PublicKeyList {
    #[serde(rename = "PublicKeyList")]
    keys: Vec<ListedKey>,
}

#[derive(Deserialize)]
struct ListedKey {
    #[serde(rename = "Value")]
    value: String,
    #[serde(rename = "Fingerprint")]
    fingerprint: String,
}

impl KeyRing {
    /// Loads keys from a file.
    pub fn load(path: &Path) -> anyhow::Result<KeyRing> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        KeyRing::parse(&bytes).with_context(|| format!("{}: no usable public key", path.display()))
    }

    /// Reads PEM, DER or `list-public-keys` JSON.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<KeyRing> {
        let text = std::str::from_utf8(bytes).ok().map(str::trim);
        if let Some(text) = text.filter(|t| t.starts_with('{')) {
            let list: PublicKeyList =
                serde_json::from_str(text).context("not list-public-keys JSON")?;
            let mut ring = KeyRing::default();
            for key in list.keys {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(key.value.trim())
                    .context("a key Value is not base64")?;
                ring.by_fingerprint
                    .push((key.fingerprint.to_ascii_lowercase(), decode_der(&der)?));
            }
            return Ok(ring);
        }
        let key = match text.filter(|t| t.starts_with("-----BEGIN")) {
            Some(pem) => RsaPublicKey::from_pkcs1_pem(pem)
                .or_else(|_| RsaPublicKey::from_public_key_pem(pem))
                .context("not an RSA public key in PEM")?,
            None => decode_der(bytes)?,
        };
        Ok(KeyRing {
            by_fingerprint: Vec::new(),
            any: Some(key),
        })
    }

    /// The key for a digest's `digestPublicKeyFingerprint`.
    pub fn key_for(&self, fingerprint: Option<&str>) -> Option<&RsaPublicKey> {
        let wanted = fingerprint.map(str::to_ascii_lowercase);
        self.by_fingerprint
            .iter()
            .find(|(f, _)| Some(f) == wanted.as_ref())
            .map(|(_, key)| key)
            .or(self.any.as_ref())
    }
}

fn decode_der(der: &[u8]) -> anyhow::Result<RsaPublicKey> {
    match RsaPublicKey::from_pkcs1_der(der).or_else(|_| RsaPublicKey::from_public_key_der(der)) {
        Ok(key) => Ok(key),
        Err(_) => bail!("not an RSA public key in DER"),
    }
}
