//! Listing `s3://bucket/prefix` inputs along the CloudTrail key layout.
//!
//! A prefix is walked one folder level at a time with delimited listings (`ListObjectsV2` with
//! `delimiter=/`, every page of more than 1,000 keys followed), up to `--s3-concurrency` folders
//! at once. Before a folder is listed, what its key says
//! (`AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`, cut anywhere) is held against the
//! filters, with the same rule and margins as a file's key on disk
//! ([`crate::discover::Filter::rules_out`]): a folder of another account or region, or of days
//! that cannot hold an event in `--since`/`--until`, is never listed. A one-day scan of a
//! three-year trail lists about three days of folders. Digest, Insights and aggregated-event
//! folders are listed like the others, so that their files are reported skipped as on disk.
//!
//! A listing that fails (wrong credentials, a missing bucket, a refused prefix) fails the whole
//! run at once, naming the bucket and the AWS error code: nothing is audited from a listing that
//! may have missed files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use tokio::task::JoinSet;

use super::client::{self, Bucket, Shared, describe};
use super::get::Object;
use super::{Listing, Options, bump};
use crate::discover::{self, Filter};

/// An `s3://bucket/prefix` input.
struct Url {
    bucket: String,
    prefix: String,
}

impl Url {
    fn parse(input: &Path) -> anyhow::Result<Url> {
        let text = input
            .to_str()
            .with_context(|| format!("{}: not a valid s3:// address", input.display()))?;
        let rest = text.strip_prefix("s3://").unwrap_or(text);
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("{text}: no bucket named: write s3://BUCKET or s3://BUCKET/PREFIX");
        }
        Ok(Url {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

/// Lists the objects under `inputs` (all `s3://…`), pruning folders that `filter` rules out.
pub fn list(inputs: &[PathBuf], filter: &Filter, options: &Options) -> anyhow::Result<Listing> {
    let urls = inputs
        .iter()
        .map(|input| Url::parse(input.as_path()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let runtime = client::runtime()?;
    let shared = Arc::new(Shared::new(runtime, options.concurrency));
    let objects = runtime.block_on(walk_all(&urls, filter, &shared))?;
    let sources = objects
        .into_iter()
        .map(|object| discover::remote_source(object.url().to_owned(), object))
        .collect();
    Ok(Listing {
        sources,
        counters: Arc::clone(&shared.counters),
    })
}

/// Every input's objects; one client per bucket, for the bucket's region.
async fn walk_all(
    urls: &[Url],
    filter: &Filter,
    shared: &Arc<Shared>,
) -> anyhow::Result<Vec<Object>> {
    let base = client::base_client().await;
    let mut buckets: BTreeMap<&str, Arc<Bucket>> = BTreeMap::new();
    let mut objects = Vec::new();
    for url in urls {
        let bucket = match buckets.get(url.bucket.as_str()) {
            Some(bucket) => Arc::clone(bucket),
            None => {
                let bucket =
                    Arc::new(client::connect(&base, &url.bucket, Arc::clone(shared)).await);
                buckets.insert(&url.bucket, Arc::clone(&bucket));
                bucket
            }
        };
        objects.extend(walk(&bucket, &url.prefix, filter).await?);
    }
    Ok(objects)
}

/// What one folder holds: objects (key and size) and folders.
#[derive(Default)]
struct Level {
    objects: Vec<(String, Option<u64>)>,
    folders: Vec<String>,
}

/// The objects under `start`, level by level, folders ruled out by `filter` left unlisted.
async fn walk(bucket: &Arc<Bucket>, start: &str, filter: &Filter) -> anyhow::Result<Vec<Object>> {
    let counters = &bucket.shared.counters;
    let mut objects = Vec::new();
    if start.ends_with('/') && filter.rules_out(&discover::folder_key(start)) {
        bump(&counters.prefixes_pruned, 1);
        return Ok(objects);
    }
    let mut pending = vec![start.to_owned()];
    while !pending.is_empty() {
        let mut tasks = JoinSet::new();
        for prefix in std::mem::take(&mut pending) {
            let bucket = Arc::clone(bucket);
            tasks.spawn(async move {
                let level = list_folder(&bucket, &prefix).await;
                (prefix, level)
            });
        }
        // Every listing of the level ends before an error is reported, and the error reported is
        // the first folder's in key order: the same run fails the same way.
        let mut failed: Option<(String, String)> = None;
        while let Some(joined) = tasks.join_next().await {
            let (prefix, level) = joined
                .map_err(|error| anyhow!("s3://{}: listing stopped: {error}", bucket.name))?;
            match level {
                Ok(level) => {
                    for (key, size) in level.objects {
                        objects.push(Object::new(Arc::clone(bucket), key, size));
                    }
                    for folder in level.folders {
                        if filter.rules_out(&discover::folder_key(&folder)) {
                            bump(&counters.prefixes_pruned, 1);
                        } else {
                            pending.push(folder);
                        }
                    }
                }
                Err(reason) => {
                    if failed.as_ref().is_none_or(|(first, _)| prefix < *first) {
                        failed = Some((prefix, reason));
                    }
                }
            }
        }
        if let Some((prefix, reason)) = failed {
            bail!("s3://{}/{prefix}: cannot list: {reason}", bucket.name);
        }
    }
    Ok(objects)
}

/// One folder, every page of it.
async fn list_folder(bucket: &Bucket, prefix: &str) -> Result<Level, String> {
    let counters = &bucket.shared.counters;
    let _permit = Arc::clone(&bucket.shared.limit)
        .acquire_owned()
        .await
        .map_err(|_| "S3 requests were stopped".to_owned())?;
    bump(&counters.prefixes_listed, 1);
    let mut level = Level::default();
    let mut token: Option<String> = None;
    loop {
        bump(&counters.requests, 1);
        bump(&counters.list_requests, 1);
        let mut request = bucket
            .client
            .list_objects_v2()
            .bucket(bucket.name.as_str())
            .delimiter("/");
        if !prefix.is_empty() {
            request = request.prefix(prefix);
        }
        if let Some(token) = token.take() {
            request = request.continuation_token(token);
        }
        let page = request.send().await.map_err(|error| describe(&error))?;
        for object in page.contents() {
            // A zero-byte key ending in `/` is a folder marker some tools write, not a file.
            let Some(key) = object.key().filter(|key| !key.ends_with('/')) else {
                continue;
            };
            let size = object.size().and_then(|size| u64::try_from(size).ok());
            level.objects.push((key.to_owned(), size));
        }
        for folder in page.common_prefixes() {
            if let Some(folder) = folder.prefix() {
                level.folders.push(folder.to_owned());
            }
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => break,
        }
    }
    bump(&counters.objects_listed, level.objects.len() as u64);
    Ok(level)
}
