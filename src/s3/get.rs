//! Reading S3 objects for the decoding workers.
//!
//! A worker opens an object as it opens a file, and gets its bytes as stored; the decoder inflates
//! them as it does a local file's. So that workers rarely wait on the network, a pass registers
//! the objects it is about to open, in order ([`read_ahead`]), and they are fetched ahead of the
//! workers: at most `--s3-concurrency` requests in flight, and at most twice that many objects
//! (and [`WINDOW_BYTES`]) fetched and not yet opened, so memory stays bounded whatever the size
//! of the trail. An object larger than [`STREAM_ABOVE`] is not read ahead: it is streamed to the
//! decoder as its bytes arrive. An object that still cannot be read once the SDK's retries are
//! spent is an error of that object alone: the decoder reports it as it reports an unreadable
//! file, and the scan goes on.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use super::client::{Bucket, Shared, describe};
use super::{Counters, bump};
use crate::discover::Opened;

/// Objects larger than this (as stored) are streamed to the decoder, never held whole: CloudTrail
/// delivers files of a few KB to a few MB, so only an unusual object is.
const STREAM_ABOVE: u64 = 64 << 20;

/// At most this many bytes of objects fetched ahead and not yet opened (one object always).
const WINDOW_BYTES: u64 = 256 << 20;

/// Attempts at an object whose connection breaks while its body arrives (the SDK retries a
/// request that fails before its body; a body cut short is fetched again here).
const BODY_ATTEMPTS: u32 = 3;

/// The user metadata in which CloudTrail stores a digest file's signature
/// (`x-amz-meta-signature`; CloudTrail user guide, `cloudtrail-log-file-validation-digest-file-structure`).
const SIGNATURE: &str = "signature";

/// One S3 object, as listed.
#[derive(Clone)]
pub struct Object(Arc<Entry>);

struct Entry {
    bucket: Arc<Bucket>,
    key: String,
    size: Option<u64>,
    /// `s3://bucket/key`: how reports name it.
    url: String,
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.url)
    }
}

/// An object's bytes as stored, and the signature stored with it.
struct Fetched {
    bytes: Vec<u8>,
    signature: Option<String>,
}

impl Object {
    /// The object `key` of `bucket`, of `size` bytes as listed.
    pub(super) fn new(bucket: Arc<Bucket>, key: String, size: Option<u64>) -> Object {
        let url = format!("s3://{}/{key}", bucket.name);
        Object(Arc::new(Entry {
            bucket,
            key,
            size,
            url,
        }))
    }

    /// `s3://bucket/key`.
    pub(super) fn url(&self) -> &str {
        &self.0.url
    }

    /// Its size as listed.
    pub fn size(&self) -> Option<u64> {
        self.0.size
    }

    /// Opens the object for reading: from the reads ahead when it is there (waiting for it if it
    /// is still on its way), else fetched now; streamed when it is large.
    pub fn open(&self) -> io::Result<Opened> {
        let shared = &self.0.bucket.shared;
        if self.0.size.is_some_and(|size| size > STREAM_ABOVE) {
            return self.stream();
        }
        let ahead = lock(&shared.ahead).take(self, shared.window);
        let fetched = match ahead {
            Some(receiver) => receiver
                .blocking_recv()
                .unwrap_or_else(|_| Err(io::Error::other("its read was cancelled"))),
            None => shared.runtime.block_on(fetch(self.clone())),
        }?;
        Ok(Opened {
            size: Some(fetched.bytes.len() as u64),
            reader: Box::new(io::Cursor::new(fetched.bytes)),
            signature: fetched.signature,
        })
    }

    /// Opens a large object as a stream: the decoder reads its bytes as they arrive.
    fn stream(&self) -> io::Result<Opened> {
        let shared = &self.0.bucket.shared;
        let output = shared.runtime.block_on(get(&self.0))?;
        bump(&shared.counters.objects_read, 1);
        let signature = signature_of(&output);
        let size = output
            .content_length
            .and_then(|length| u64::try_from(length).ok())
            .or(self.0.size);
        Ok(Opened {
            reader: Box::new(Streamed {
                body: output.body,
                chunk: Vec::new(),
                at: 0,
                runtime: shared.runtime,
                counters: Arc::clone(&shared.counters),
            }),
            size,
            signature,
        })
    }
}

/// One `GetObject` request, its error in words.
async fn get(entry: &Entry) -> io::Result<GetObjectOutput> {
    let bucket = &entry.bucket;
    bump(&bucket.shared.counters.requests, 1);
    bucket
        .client
        .get_object()
        .bucket(bucket.name.as_str())
        .key(entry.key.as_str())
        .send()
        .await
        .map_err(|error| {
            let mut reason = describe(&error);
            if error.code() == Some("NoSuchKey") {
                reason.push_str(" (deleted since it was listed?)");
            }
            io::Error::other(reason)
        })
}

/// The signature stored with an object, if any.
fn signature_of(output: &GetObjectOutput) -> Option<String> {
    output
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get(SIGNATURE))
        .map(|signature| signature.trim().to_owned())
}

/// Fetches a whole object, once a request permit is free.
async fn fetch(object: Object) -> io::Result<Fetched> {
    let entry = &object.0;
    let shared = &entry.bucket.shared;
    let _permit = Arc::clone(&shared.limit)
        .acquire_owned()
        .await
        .map_err(|_| io::Error::other("S3 reads were stopped"))?;
    let mut attempt = 1;
    loop {
        let output = get(entry).await?;
        let signature = signature_of(&output);
        match output.body.collect().await {
            Ok(data) => {
                let bytes: Vec<u8> = data.into_bytes().into();
                bump(&shared.counters.objects_read, 1);
                bump(&shared.counters.bytes_read, bytes.len() as u64);
                return Ok(Fetched { bytes, signature });
            }
            Err(_) if attempt < BODY_ATTEMPTS => attempt += 1,
            Err(error) => {
                return Err(io::Error::other(format!(
                    "the connection broke while its bytes arrived: {}",
                    DisplayErrorContext(&error)
                )));
            }
        }
    }
}

/// A large object's body, read as it arrives.
struct Streamed {
    body: ByteStream,
    chunk: Vec<u8>,
    at: usize,
    runtime: &'static Runtime,
    counters: Arc<Counters>,
}

impl Read for Streamed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.runtime.block_on(self.body.try_next()) {
                Ok(Some(bytes)) => {
                    bump(&self.counters.bytes_read, bytes.len() as u64);
                    self.chunk = bytes.into();
                    self.at = 0;
                }
                Ok(None) => return Ok(0),
                Err(error) => {
                    return Err(io::Error::other(format!(
                        "the connection broke while its bytes arrived: {}",
                        DisplayErrorContext(&error)
                    )));
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The objects a pass is about to open, in order, and those fetched ahead of it.
#[derive(Default)]
pub(super) struct Ahead {
    /// What the pass will open, in order.
    queue: Vec<Object>,
    /// The next one in `queue` to start fetching.
    next: usize,
    /// Fetches started and not yet opened, by URL, with their listed size.
    started: HashMap<String, (oneshot::Receiver<io::Result<Fetched>>, u64)>,
    /// Objects opened before their turn came: never fetched ahead again.
    opened: HashSet<String>,
    /// Bytes in `started`, as listed.
    held_bytes: u64,
}

impl Ahead {
    /// Starts fetching the next objects of the queue while fewer than `window` objects (and
    /// [`WINDOW_BYTES`]) wait to be opened.
    fn top_up(&mut self, window: usize) {
        while self.next < self.queue.len()
            && (self.started.is_empty()
                || (self.started.len() < window && self.held_bytes < WINDOW_BYTES))
        {
            let object = self.queue[self.next].clone();
            self.next += 1;
            let url = object.url().to_owned();
            if self.started.contains_key(&url) || self.opened.contains(&url) {
                continue;
            }
            let size = object.size().unwrap_or(0);
            let (sender, receiver) = oneshot::channel();
            let runtime = object.0.bucket.shared.runtime;
            runtime.spawn(async move {
                // The pass may be over, and the receiver gone: nothing to do then.
                let _ = sender.send(fetch(object).await);
            });
            self.started.insert(url, (receiver, size));
            self.held_bytes += size;
        }
    }

    /// The fetch of `object` when it was started ahead; else `None`, and it will not be.
    fn take(
        &mut self,
        object: &Object,
        window: usize,
    ) -> Option<oneshot::Receiver<io::Result<Fetched>>> {
        let started = self.started.remove(object.url());
        match &started {
            Some((_, size)) => self.held_bytes -= size,
            None => {
                self.opened.insert(object.url().to_owned());
            }
        }
        self.top_up(window);
        started.map(|(receiver, _)| receiver)
    }
}

fn lock(ahead: &Mutex<Ahead>) -> MutexGuard<'_, Ahead> {
    ahead.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Objects fetched ahead of a pass, while it lasts: dropping it forgets what was not opened.
pub struct ReadAhead(Option<Arc<Shared>>);

impl Drop for ReadAhead {
    fn drop(&mut self) {
        if let Some(shared) = &self.0 {
            *lock(&shared.ahead) = Ahead::default();
        }
    }
}

/// Starts fetching `objects`, in this order, for a pass that is about to open them (each at most
/// once); objects of another listing than the first one's, and large objects, are left to be
/// fetched when opened.
pub fn read_ahead(objects: Vec<Object>) -> ReadAhead {
    let Some(shared) = objects
        .first()
        .map(|first| Arc::clone(&first.0.bucket.shared))
    else {
        return ReadAhead(None);
    };
    let queue = objects
        .into_iter()
        .filter(|object| Arc::ptr_eq(&object.0.bucket.shared, &shared))
        .filter(|object| object.size().is_none_or(|size| size <= STREAM_ABOVE))
        .collect();
    {
        let mut ahead = lock(&shared.ahead);
        *ahead = Ahead {
            queue,
            ..Ahead::default()
        };
        ahead.top_up(shared.window);
    }
    ReadAhead(Some(shared))
}
