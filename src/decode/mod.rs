//! Bytes of one source → raw CloudTrail records.
//!
//! Owns the container formats (gzip or plain; trail files `{"Records":[…]}`, JSON Lines,
//! `lookup-events` output, EventBridge envelopes, bare arrays) and chooses one per file from the
//! bytes, never from the name. Never interprets identity: every record goes to the caller's
//! sink as a borrowed [`raw::RawEvent`], and the file is never held as a `serde_json::Value`.

mod error;
pub(crate) mod gzip;
pub(crate) mod raw;

pub use error::{FileError, Skip};

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::marker::PhantomData;
use std::ops::Deref;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::discover::Source;
use raw::{LookupItem, Probe, RawEvent};

/// How much a file may inflate to, and when it is streamed instead of read whole.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum decompressed (or plain) size of one file, in bytes.
    pub max_file_bytes: u64,
    /// Maximum inflation ratio of a gzip file, enforced once it passes [`RATIO_FLOOR`] bytes:
    /// CloudTrail files inflate 10–20×, a gzip bomb about 1000×.
    pub max_ratio: u64,
    /// Files up to this size are inflated into memory and parsed in place (fastest); larger ones
    /// are parsed as a stream, in bounded memory.
    pub in_memory_bytes: u64,
}

/// Below this many inflated bytes the ratio is not checked: small files compress unevenly.
pub const RATIO_FLOOR: u64 = 64 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 << 30,
            max_ratio: 200,
            in_memory_bytes: 256 << 20,
        }
    }
}

/// The container a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A trail's S3 delivery: `{"Records":[…]}`.
    TrailFile,
    /// One JSON value per line (or back to back): CloudTrail Lake or CloudWatch Logs exports.
    JsonLines,
    /// A bare JSON array of events.
    EventArray,
}

impl Shape {
    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::TrailFile => "trail file",
            Shape::JsonLines => "JSON Lines",
            Shape::EventArray => "event array",
        }
    }
}

/// What became of one source.
#[derive(Debug)]
pub enum Verdict {
    /// Records were read; `damage` says why the rest of the file could not be (the audit of
    /// this file is incomplete).
    Read {
        /// The container.
        shape: Shape,
        /// Set when the file ended early: truncated gzip, a syntax error, …
        damage: Option<FileError>,
        /// Set when the file was read in full after a repair (invalid UTF-8 replaced).
        repaired: Option<String>,
    },
    /// Not an event source (a digest, an Insights file, a README): nothing to audit in it.
    Skipped(Skip),
    /// Could not be read at all: the audit is incomplete.
    Failed(FileError),
}

/// One record handed to the sink: an event to normalize, or why this record is unreadable.
pub(crate) type Record<'a> = Result<RawEvent<'a>, String>;

/// Reads one source and hands every record to `sink`.
pub(crate) fn file<F>(source: &Source, limits: &Limits, sink: F) -> Verdict
where
    F: FnMut(Record<'_>),
{
    if let Some(reason) = source.kind.skip_reason() {
        return Verdict::Skipped(Skip::NotEvents(reason));
    }
    match source.open() {
        Ok(opened) => read(opened.reader, opened.size, limits, sink),
        Err(error) => Verdict::Failed(FileError::Open(error)),
    }
}

/// Decodes the bytes of one file (gzip or plain); used by tests and fuzzing.
pub(crate) fn bytes_of<F>(bytes: &[u8], limits: &Limits, sink: F) -> Verdict
where
    F: FnMut(Record<'_>),
{
    read(bytes, Some(bytes.len() as u64), limits, sink)
}

/// Reads a stream: small files into memory and parsed in place, large ones parsed as a stream.
fn read<R: Read, F>(input: R, stored_size: Option<u64>, limits: &Limits, mut sink: F) -> Verdict
where
    F: FnMut(Record<'_>),
{
    let mut input = BufReader::with_capacity(1 << 16, input);
    let gzip = match input.fill_buf() {
        Ok(head) => gzip::is_gzip(head),
        Err(error) => return Verdict::Failed(FileError::Read(error)),
    };
    let mut body: Box<dyn Read + '_> = if gzip {
        let by_ratio = stored_size.map_or(u64::MAX, |size| {
            size.saturating_mul(limits.max_ratio).max(RATIO_FLOOR)
        });
        let cap = limits.max_file_bytes.min(by_ratio);
        let what = if cap < limits.max_file_bytes {
            "inflation ratio above --max-ratio: a gzip bomb?"
        } else {
            "--max-file-bytes"
        };
        Box::new(gzip::Capped::new(gzip::decoder(input), cap, what))
    } else {
        Box::new(gzip::Capped::new(
            input,
            limits.max_file_bytes,
            "--max-file-bytes",
        ))
    };
    let mut bytes = take_buffer();
    // Room for what the file should inflate to (CloudTrail files inflate 10–20×), so the
    // buffer is not regrown and copied as it fills.
    let expected = stored_size.map_or(0, |size| if gzip { size.saturating_mul(16) } else { size });
    bytes.reserve(expected.min(limits.in_memory_bytes) as usize + 1);
    let first = (&mut body)
        .take(limits.in_memory_bytes.saturating_add(1))
        .read_to_end(&mut bytes);
    let damage = |error: std::io::Error, at: usize| FileError::Damaged {
        stream: if gzip { "gzip stream" } else { "file" },
        at,
        error,
    };
    match first {
        Ok(_) if bytes.len() as u64 > limits.in_memory_bytes => {
            streamed(std::io::Cursor::new(bytes).chain(body), &mut sink)
        }
        Ok(_) => {
            let verdict = in_memory(&bytes, &mut sink);
            give_back_buffer(bytes);
            verdict
        }
        Err(error) if bytes.is_empty() => Verdict::Failed(damage(error, 0)),
        Err(error) => {
            let at = bytes.len();
            match in_memory(&bytes, &mut sink) {
                Verdict::Read {
                    shape, repaired, ..
                } => Verdict::Read {
                    shape,
                    damage: Some(damage(error, at)),
                    repaired,
                },
                _ => Verdict::Failed(damage(error, at)),
            }
        }
    }
}

thread_local! {
    /// Each thread's inflate buffer, kept from one file to the next.
    static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Buffers above this size are freed after use rather than kept for the next file.
const KEPT_BUFFER_BYTES: usize = 64 << 20;

fn take_buffer() -> Vec<u8> {
    BUFFER.with(|buffer| buffer.take())
}

fn give_back_buffer(mut bytes: Vec<u8>) {
    if bytes.capacity() <= KEPT_BUFFER_BYTES {
        bytes.clear();
        BUFFER.with(|buffer| buffer.set(bytes));
    }
}

/// The UTF-8 byte order mark some Windows tools write.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn in_memory<F>(bytes: &[u8], sink: &mut F) -> Verdict
where
    F: FnMut(Record<'_>),
{
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    // Invalid UTF-8 inside one string would otherwise end the whole file at that record; it is
    // replaced (U+FFFD) and the rest of the file is read.
    let Ok(text) = simdutf8::basic::from_utf8(bytes) else {
        // simdutf8's fast check says only whether; std says where.
        let at = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |error| error.valid_up_to());
        let lossy = String::from_utf8_lossy(bytes).into_owned();
        return match in_memory(lossy.as_bytes(), sink) {
            Verdict::Read { shape, damage, .. } => Verdict::Read {
                shape,
                damage,
                repaired: Some(format!(
                    "invalid UTF-8 at byte {at} (and maybe after) replaced with U+FFFD"
                )),
            },
            other => other,
        };
    };
    let text = text.trim_ascii_start();
    let body = text.as_bytes();
    match body.first() {
        None => Verdict::Skipped(Skip::Empty),
        Some(b'[') => {
            let mut found = Found::default();
            let damage = for_each_element(body, |value| found.value(value, sink));
            found.verdict(Shape::EventArray, damage)
        }
        Some(b'{') if is_trail_file(body) => {
            let damage = trail_file(text, sink);
            Verdict::Read {
                shape: Shape::TrailFile,
                damage,
                repaired: None,
            }
        }
        Some(b'{') => stream(body, sink),
        Some(b'P') if body.starts_with(b"PK\x03\x04") => Verdict::Skipped(Skip::Zip),
        Some(_) => Verdict::Skipped(Skip::NotJson(describe_start(body))),
    }
}

fn describe_start(body: &[u8]) -> String {
    let head: String = String::from_utf8_lossy(&body[..body.len().min(12)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    format!("{head:?}")
}

/// A trail file begins `{"Records":` (CloudTrail user guide, `cloudtrail-log-file-examples`).
fn is_trail_file(body: &[u8]) -> bool {
    let rest = body[1..].trim_ascii_start();
    rest.starts_with(b"\"Records\"")
}

/// Streams the `Records` array of a trail file, element by element.
///
/// The fast path reads each record straight into [`RawEvent`], in one pass. A record it cannot
/// take (not an object, a repeated key, a syntax error) stops it; the careful path then reads
/// the file again, each record first as raw JSON so that one bad record is reported and the
/// next one read, skipping the records already handed over.
fn trail_file<F>(body: &str, sink: &mut F) -> Option<FileError>
where
    F: FnMut(Record<'_>),
{
    let mut handed = 0;
    // From a `str`: its UTF-8 is checked once, not again string by string.
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let fast = deserializer
        .deserialize_map(FastEnvelope {
            sink: &mut *sink,
            handed: &mut handed,
        })
        .and_then(|()| deserializer.end());
    if fast.is_ok() {
        return None;
    }
    let mut skip = handed;
    let mut careful = |record: Record<'_>| {
        if skip > 0 {
            skip -= 1;
        } else {
            sink(record);
        }
    };
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let result = deserializer
        .deserialize_map(Envelope::<_, &RawValue>(&mut careful, PhantomData))
        .and_then(|()| deserializer.end());
    result.err().map(FileError::Json)
}

/// The fast path of [`trail_file`]: `Records` elements deserialized in place; counts what it
/// handed to the sink so the careful path can carry on after it.
struct FastEnvelope<'s, F> {
    sink: &'s mut F,
    handed: &'s mut usize,
}

impl<'de, F> Visitor<'de> for FastEnvelope<'_, F>
where
    F: FnMut(Record<'_>),
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log file object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "Records" {
                map.next_value_seed(FastRecords {
                    sink: &mut *self.sink,
                    handed: &mut *self.handed,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct FastRecords<'s, F> {
    sink: &'s mut F,
    handed: &'s mut usize,
}

impl<'de, F> DeserializeSeed<'de> for FastRecords<'_, F>
where
    F: FnMut(Record<'_>),
{
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F> Visitor<'de> for FastRecords<'_, F>
where
    F: FnMut(Record<'_>),
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(event) = seq.next_element::<RawEvent<'de>>()? {
            (self.sink)(Ok(event));
            *self.handed += 1;
        }
        Ok(())
    }
}

/// Calls `each` for every element of the top-level array in `body`.
fn for_each_element<F: FnMut(&RawValue)>(body: &[u8], mut each: F) -> Option<FileError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let result = Elements::<F, &RawValue>(&mut each, PhantomData)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    result.err().map(FileError::Json)
}

/// The top-level object of a trail file: `Records` is visited element by element, every other
/// key is skipped. `T` is `&RawValue` when parsing a buffer in place, `Box<RawValue>` from a reader.
struct Envelope<'s, F, T>(&'s mut F, PhantomData<T>);

impl<'de, F, T> Visitor<'de> for Envelope<'_, F, T>
where
    F: FnMut(Record<'_>),
    T: serde::Deserialize<'de> + Deref<Target = RawValue>,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log file object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "Records" {
                let sink = &mut *self.0;
                let mut each = |raw: &RawValue| {
                    sink(serde_json::from_str(raw.get()).map_err(|e| e.to_string()))
                };
                map.next_value_seed(Elements::<_, T>(&mut each, PhantomData))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A seed that visits a JSON array and hands each element over as it is read, so records before
/// a syntax error are kept.
struct Elements<'s, F, T>(&'s mut F, PhantomData<T>);

impl<'de, F, T> DeserializeSeed<'de> for Elements<'_, F, T>
where
    F: FnMut(&RawValue),
    T: serde::Deserialize<'de> + Deref<Target = RawValue>,
{
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F, T> Visitor<'de> for Elements<'_, F, T>
where
    F: FnMut(&RawValue),
    T: serde::Deserialize<'de> + Deref<Target = RawValue>,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<T>()? {
            (self.0)(&raw);
        }
        Ok(())
    }
}

/// Parses a file too large to hold in memory, from a reader: one record in memory at a time.
fn streamed<R: Read, F>(input: R, sink: &mut F) -> Verdict
where
    F: FnMut(Record<'_>),
{
    let mut input = BufReader::with_capacity(1 << 16, input);
    let head = match skip_to_content(&mut input) {
        Ok(head) => head,
        Err(error) => return Verdict::Failed(FileError::Read(error)),
    };
    match head.first() {
        Some(b'[') => {
            let mut found = Found::default();
            let mut deserializer = serde_json::Deserializer::from_reader(input);
            let result = Elements::<_, Box<RawValue>>(
                &mut |raw: &RawValue| found.value(raw, sink),
                PhantomData,
            )
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end());
            found.verdict(Shape::EventArray, result.err().map(FileError::Json))
        }
        Some(b'{') if is_trail_file(&head) => {
            let mut deserializer = serde_json::Deserializer::from_reader(input);
            let result = deserializer
                .deserialize_map(Envelope::<F, Box<RawValue>>(sink, PhantomData))
                .and_then(|()| deserializer.end());
            Verdict::Read {
                shape: Shape::TrailFile,
                damage: result.err().map(FileError::Json),
                repaired: None,
            }
        }
        Some(b'{') => lines(input, sink),
        _ => Verdict::Skipped(Skip::NotJson(describe_start(&head))),
    }
}

/// Skips a byte order mark and leading whitespace; returns the first buffered bytes after them.
fn skip_to_content<R: Read>(input: &mut BufReader<R>) -> std::io::Result<Vec<u8>> {
    loop {
        let buffer = input.fill_buf()?;
        if buffer.starts_with(BOM) {
            input.consume(BOM.len());
            continue;
        }
        let spaces = buffer
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if spaces == 0 || buffer.is_empty() {
            return Ok(buffer[..buffer.len().min(64)].to_vec());
        }
        input.consume(spaces);
    }
}

/// JSON Lines from a reader: a bad line is counted and skipped.
fn lines<R: BufRead, F>(mut input: R, sink: &mut F) -> Verdict
where
    F: FnMut(Record<'_>),
{
    let mut found = Found::default();
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                let damage = FileError::Line {
                    line: number,
                    error,
                };
                return found.verdict(Shape::JsonLines, Some(damage));
            }
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<&RawValue>(&line) {
            Ok(raw) => found.value(raw, sink),
            Err(error) => sink(Err(format!("line {number}: {error}"))),
        }
    }
    found.verdict(Shape::JsonLines, None)
}

/// What the values of a file turned out to hold.
#[derive(Default)]
struct Found {
    events: u64,
    digests: u64,
    others: u64,
    first_other: Option<String>,
}

impl Found {
    /// Classifies one top-level value and hands its events to the sink.
    fn value<F: FnMut(Record<'_>)>(&mut self, raw: &RawValue, sink: &mut F) {
        let probe: Probe<'_> = match serde_json::from_str(raw.get()) {
            Ok(probe) => probe,
            Err(error) => {
                self.other(format!("not a JSON object: {error}"));
                sink(Err(format!("not an event object: {error}")));
                return;
            }
        };
        if let Some(records) = probe.records {
            for record in records {
                self.events += 1;
                sink(serde_json::from_str(record.get()).map_err(|e| e.to_string()));
            }
        } else if let Some(items) = probe.lookup_events {
            for item in items {
                self.events += 1;
                sink(
                    lookup_event(item)
                        .as_deref()
                        .map_err(Clone::clone)
                        .and_then(|text| serde_json::from_str(text).map_err(|e| e.to_string())),
                );
            }
        } else if let Some(detail) = probe.detail {
            // EventBridge: `{"detail-type":"AWS API Call via CloudTrail","detail":{event}}`
            // (EventBridge user guide, `eb-service-event-cloudtrail`).
            if probe
                .detail_type
                .get()
                .is_some_and(|t| t.ends_with("via CloudTrail"))
            {
                self.events += 1;
                sink(serde_json::from_str(detail.get()).map_err(|e| e.to_string()));
            } else {
                self.other("an EventBridge event that is not from CloudTrail".to_owned());
            }
        } else if probe.digest_object.get().is_some() {
            self.digests += 1;
        } else if probe.event_name.get().is_some() || probe.insight_details.is_some() {
            self.events += 1;
            sink(serde_json::from_str(raw.get()).map_err(|e| e.to_string()));
        } else {
            self.other("a JSON object that is not a CloudTrail event".to_owned());
        }
    }

    fn other(&mut self, reason: String) {
        self.others += 1;
        self.first_other.get_or_insert(reason);
    }

    fn verdict(self, shape: Shape, damage: Option<FileError>) -> Verdict {
        if self.events > 0 {
            return Verdict::Read {
                shape,
                damage,
                repaired: None,
            };
        }
        if self.digests > 0 {
            return Verdict::Skipped(Skip::NotEvents(
                "CloudTrail digest file (integrity data, no events)",
            ));
        }
        match (damage, self.first_other) {
            (Some(damage), None) => Verdict::Skipped(Skip::BrokenJson(damage)),
            (_, Some(other)) => Verdict::Skipped(Skip::Foreign(other)),
            (None, None) => Verdict::Skipped(Skip::NoEvents),
        }
    }
}

/// The event inside one `lookup-events` item, itself a JSON string.
fn lookup_event(item: &RawValue) -> Result<String, String> {
    let item: LookupItem<'_> = serde_json::from_str(item.get()).map_err(|e| e.to_string())?;
    item.cloudtrail_event
        .into_cow()
        .map(|text| text.into_owned())
        .ok_or_else(|| "lookup-events item without CloudTrailEvent".to_owned())
}

/// JSON values one after another: JSON Lines, concatenated objects, or a single object. A bad
/// line in a line-oriented file is counted and skipped; anywhere else it ends the file.
fn stream<F: FnMut(Record<'_>)>(body: &[u8], sink: &mut F) -> Verdict {
    let mut found = Found::default();
    let mut offset = 0usize;
    let mut line_oriented = None;
    let mut damage = None;
    while offset < body.len() {
        let rest = &body[offset..];
        let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<&RawValue>();
        let error = loop {
            match values.next() {
                None => break None,
                Some(Ok(raw)) => {
                    let end = values.byte_offset();
                    if line_oriented.is_none() {
                        line_oriented = Some(ends_line(&rest[end..]));
                    }
                    found.value(raw, sink);
                }
                Some(Err(error)) => break Some((values.byte_offset(), error)),
            }
        };
        let Some((at, error)) = error else { break };
        let line = line_number(body, offset + at);
        let message = format!("line {line}: {error}");
        let next_line = body[offset + at..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| offset + at + p + 1);
        match (line_oriented, next_line) {
            (Some(true), Some(next)) => {
                sink(Err(message));
                offset = next;
            }
            _ => {
                damage = Some(FileError::JsonAt(message));
                break;
            }
        }
    }
    found.verdict(Shape::JsonLines, damage)
}

fn ends_line(after: &[u8]) -> bool {
    after
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r'))
        .is_none_or(|&b| b == b'\n')
}

fn line_number(body: &[u8], offset: usize) -> usize {
    body[..offset.min(body.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> (Verdict, Vec<Result<String, String>>) {
        let mut seen = Vec::new();
        let verdict = bytes_of(text.as_bytes(), &Limits::default(), |record| {
            seen.push(record.map(|e| e.event_name.get().unwrap_or("").to_owned()))
        });
        (verdict, seen)
    }

    const EVENT: &str = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#;

    #[test]
    fn trail_file() {
        let (verdict, seen) = decode(&format!(r#"{{"Records":[{EVENT},{EVENT}]}}"#));
        assert!(matches!(
            verdict,
            Verdict::Read {
                shape: Shape::TrailFile,
                damage: None,
                repaired: None
            }
        ));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn a_record_the_fast_path_refuses_is_reported_once_and_the_rest_read() {
        let repeated_key = r#"{"eventName":"PutObject","eventName":"DeleteObject"}"#;
        let first = r#"{"eventName":"ListBuckets"}"#;
        let last = r#"{"eventName":"GetBucketAcl"}"#;
        let (verdict, seen) = decode(&format!(
            r#"{{"Records":[{first},{repeated_key},42,{last}]}}"#
        ));
        assert!(matches!(verdict, Verdict::Read { damage: None, .. }));
        let names: Vec<_> = seen.iter().map(|r| r.as_deref().ok()).collect();
        assert_eq!(
            names,
            [Some("ListBuckets"), None, None, Some("GetBucketAcl")],
            "{seen:?}"
        );
        assert!(
            seen[1]
                .as_ref()
                .is_err_and(|e| e.contains("duplicate field"))
        );
    }

    #[test]
    fn truncated_trail_file_keeps_earlier_records() {
        let (verdict, seen) = decode(&format!(r#"{{"Records":[{EVENT},{EVENT},{{"eventSo"#));
        assert!(matches!(
            verdict,
            Verdict::Read {
                damage: Some(_),
                ..
            }
        ));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn json_lines_skip_a_bad_line() {
        let (verdict, seen) = decode(&format!("{EVENT}\n{{oops\n{EVENT}\n"));
        assert!(matches!(
            verdict,
            Verdict::Read {
                shape: Shape::JsonLines,
                damage: None,
                repaired: None
            }
        ));
        assert_eq!(seen.len(), 3);
        assert!(seen[1].as_ref().is_err_and(|e| e.starts_with("line 2:")));
    }

    #[test]
    fn eventbridge_and_lookup_events() {
        let bridge = format!(
            r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{EVENT}}}"#
        );
        let (_, seen) = decode(&format!("{bridge}\n{bridge}\n"));
        assert_eq!(seen, vec![Ok("GetObject".into()), Ok("GetObject".into())]);
        let escaped = serde_json::to_string(EVENT).expect("string");
        let (_, seen) = decode(&format!(
            r#"{{"Events":[{{"EventId":"x","CloudTrailEvent":{escaped}}}]}}"#
        ));
        assert_eq!(seen, vec![Ok("GetObject".into())]);
    }

    #[test]
    fn digest_and_foreign_json_are_skipped() {
        let (verdict, _) =
            decode(r#"{"awsAccountId":"111122223333","digestS3Object":"AWSLogs/x","logFiles":[]}"#);
        assert!(
            matches!(verdict, Verdict::Skipped(reason) if reason.to_string().contains("digest"))
        );
        let (verdict, _) = decode("bucket,key,size\nb,k,1\n");
        assert!(
            matches!(verdict, Verdict::Skipped(reason) if reason.to_string().starts_with("not JSON"))
        );
        let (verdict, _) = decode("{foo: 1}");
        assert!(
            matches!(verdict, Verdict::Skipped(reason) if reason.to_string().starts_with("not JSON"))
        );
    }
}
