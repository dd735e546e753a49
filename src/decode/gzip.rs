//! The one place a gzip reader is built: multi-member aware, with a cap on what it may inflate.

use std::io::Read;

use flate2::read::MultiGzDecoder;

/// The two bytes every gzip member starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether the bytes are gzip-compressed.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Why inflating stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// The stream is damaged or truncated; what came before is kept.
    Damaged { inflated: u64, message: String },
    /// The file inflates past the configured cap (a gzip bomb, or a larger file than allowed).
    TooLarge { limit: u64 },
}

/// Inflates every gzip member of `compressed`, up to `limit` bytes.
pub(crate) fn inflate(compressed: &[u8], limit: u64) -> (Vec<u8>, Option<InflateError>) {
    // CloudTrail log files inflate about 8–12×; start there to avoid regrowth.
    let hint = compressed.len().saturating_mul(10).min(limit as usize);
    let mut out = Vec::with_capacity(hint);
    let mut reader = MultiGzDecoder::new(compressed).take(limit.saturating_add(1));
    match reader.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => {
            out.clear();
            (out, Some(InflateError::TooLarge { limit }))
        }
        Ok(_) => (out, None),
        Err(error) => {
            let inflated = out.len() as u64;
            (
                out,
                Some(InflateError::Damaged {
                    inflated,
                    message: error.to_string(),
                }),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).expect("in memory");
        encoder.finish().expect("in memory")
    }

    #[test]
    fn reads_every_member() {
        let mut two = gzip(b"{\"a\":1}\n");
        two.extend(gzip(b"{\"b\":2}\n"));
        let (out, error) = inflate(&two, 1 << 20);
        assert_eq!(error, None);
        assert_eq!(out, b"{\"a\":1}\n{\"b\":2}\n");
    }

    #[test]
    fn caps_what_it_inflates() {
        let bomb = gzip(&vec![b' '; 100_000]);
        let (out, error) = inflate(&bomb, 1000);
        assert!(out.is_empty());
        assert_eq!(error, Some(InflateError::TooLarge { limit: 1000 }));
    }

    #[test]
    fn keeps_what_came_before_a_truncation() {
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let whole = gzip(&data);
        let (out, error) = inflate(&whole[..whole.len() / 2], 1 << 30);
        assert!(matches!(error, Some(InflateError::Damaged { .. })));
        assert!(!out.is_empty() && data.starts_with(&out));
    }
}
