//! The one place a gzip reader is built: multi-member aware, behind a cap on what it may inflate.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

/// The two bytes every gzip member starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether the bytes are gzip-compressed.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Inflates every member of a gzip stream (CloudTrail writes one; `cat a.gz b.gz` makes two).
pub(crate) fn decoder<R: Read>(compressed: R) -> MultiGzDecoder<R> {
    MultiGzDecoder::new(compressed)
}

/// A reader that fails, instead of going on, once more than `limit` bytes have come through:
/// a gzip bomb or an oversized file ends with a clear error, never with memory exhausted.
pub(crate) struct Capped<R> {
    inner: R,
    limit: u64,
    read: u64,
    what: &'static str,
}

impl<R: Read> Capped<R> {
    /// Caps `inner` at `limit` bytes; `what` names the limit in the error.
    pub(crate) fn new(inner: R, limit: u64, what: &'static str) -> Capped<R> {
        Capped {
            inner,
            limit,
            read: 0,
            what,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(format!(
                "more than {} bytes ({})",
                self.limit, self.what
            )));
        }
        Ok(n)
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
        let mut out = Vec::new();
        decoder(&two[..]).read_to_end(&mut out).expect("valid gzip");
        assert_eq!(out, b"{\"a\":1}\n{\"b\":2}\n");
    }

    #[test]
    fn caps_what_it_inflates() {
        let bomb = gzip(&vec![b' '; 100_000]);
        let mut out = Vec::new();
        let error = Capped::new(decoder(&bomb[..]), 1000, "limit")
            .read_to_end(&mut out)
            .expect_err("capped");
        assert!(error.to_string().contains("more than 1000 bytes"));
    }

    #[test]
    fn keeps_what_came_before_a_truncation() {
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let whole = gzip(&data);
        let mut out = Vec::new();
        let result = decoder(&whole[..whole.len() / 2]).read_to_end(&mut out);
        assert!(result.is_err());
        assert!(!out.is_empty() && data.starts_with(&out));
    }
}
