//! The S3 client: credentials, region, endpoint and retries as every AWS tool finds them
//! (`aws-config`: environment, shared config and credentials files with `AWS_PROFILE`, SSO and
//! `credential_process` profiles, web identity, container and instance metadata), the bucket's
//! own region, and the one runtime every request runs on. Never prints a credential: errors are
//! described by their AWS error code and message only.

use std::sync::{Arc, Mutex, OnceLock};

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

use super::Counters;
use super::get::Ahead;

/// The region requests are signed for when the environment names none; the bucket's own region
/// is then found by [`connect`].
const DEFAULT_REGION: &str = "us-east-1";

/// Attempts per request, throttling and transient errors included (standard retry mode:
/// exponential backoff with jitter), unless `AWS_MAX_ATTEMPTS` or `AWS_RETRY_MODE` say otherwise.
const MAX_ATTEMPTS: u32 = 5;

/// The header in which S3 names a bucket's region, on `HeadBucket` answers and redirects alike
/// (Amazon S3 API reference, `HeadBucket`).
const BUCKET_REGION: &str = "x-amz-bucket-region";

/// The runtime every S3 request runs on: started at the first `s3://` input, kept until the
/// process ends (a runtime must never be dropped by a task that still runs on it).
pub(super) fn runtime() -> std::io::Result<&'static Runtime> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("tip-audit-s3")
                .build()
                .map_err(|error| error.to_string())
        })
        .as_ref()
        .map_err(|error| std::io::Error::other(format!("cannot start the S3 runtime: {error}")))
}

/// What every request of one listing shares.
pub(super) struct Shared {
    /// Where requests run.
    pub(super) runtime: &'static Runtime,
    /// `--s3-concurrency` permits: one per request in flight.
    pub(super) limit: Arc<Semaphore>,
    /// The requests made.
    pub(super) counters: Arc<Counters>,
    /// The objects read ahead of the workers.
    pub(super) ahead: Mutex<Ahead>,
    /// How many objects may be read ahead and not yet opened.
    pub(super) window: usize,
}

impl Shared {
    /// The state of one listing, `concurrency` requests at a time.
    pub(super) fn new(runtime: &'static Runtime, concurrency: usize) -> Shared {
        let concurrency = concurrency.max(1);
        Shared {
            runtime,
            limit: Arc::new(Semaphore::new(concurrency)),
            counters: Arc::new(Counters::default()),
            ahead: Mutex::new(Ahead::default()),
            // As many reads waiting to be opened as in flight, so that workers rarely wait.
            window: concurrency.saturating_mul(2),
        }
    }
}

/// One bucket, and a client for its region.
pub(super) struct Bucket {
    /// Its name.
    pub(super) name: String,
    /// A client signing for the bucket's region.
    pub(super) client: Client,
    /// The listing it belongs to.
    pub(super) shared: Arc<Shared>,
}

/// The client the environment describes. A custom endpoint (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_S3`, or `endpoint_url` in the profile), such as an S3-compatible store or a
/// local server, is addressed path-style (`http://host/bucket/key`): such stores rarely resolve
/// bucket names as host names.
pub(super) async fn base_client() -> Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let mut config = aws_sdk_s3::config::Builder::from(&sdk);
    if sdk.region().is_none() {
        config = config.region(Region::new(DEFAULT_REGION));
    }
    let custom_endpoint =
        sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    if custom_endpoint {
        config = config.force_path_style(true);
    }
    let retries_given = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !retries_given {
        config = config.retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    }
    Client::from_conf(config.build())
}

/// The bucket `name`, with a client for its own region: `HeadBucket` says it (also when it
/// answers a redirect or a refusal). When the answer names no region (some S3-compatible
/// stores), the configured one is kept. An error here is not reported: the listing that follows
/// makes the same request rights plain, with the error code S3 gives it.
pub(super) async fn connect(base: &Client, name: &str, shared: Arc<Shared>) -> Bucket {
    super::bump(&shared.counters.requests, 1);
    let found = match base.head_bucket().bucket(name).send().await {
        Ok(output) => output.bucket_region().map(str::to_owned),
        Err(error) => error
            .raw_response()
            .and_then(|response| response.headers().get(BUCKET_REGION))
            .map(str::to_owned),
    };
    let configured = base.config().region().map(|region| region.to_string());
    let client = match found {
        Some(region) if configured.as_deref() != Some(region.as_str()) => Client::from_conf(
            base.config()
                .to_builder()
                .region(Region::new(region))
                .build(),
        ),
        _ => base.clone(),
    };
    Bucket {
        name: name.to_owned(),
        client,
        shared,
    }
}

/// An S3 error in words: the AWS error code and message (`SignatureDoesNotMatch: The request
/// signature we calculated does not match…`), else the HTTP status (a `HEAD` answer has no body),
/// else what broke before an answer (no credentials, no connection, a timeout).
pub(super) fn describe<E>(error: &SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let Some(code) = error.code() {
        return match error.message() {
            Some(message) => format!("{code}: {message}"),
            None => code.to_owned(),
        };
    }
    if let Some(response) = error.raw_response() {
        let status = response.status().as_u16();
        let name = match status {
            301 => "PermanentRedirect",
            403 => "AccessDenied",
            404 => "NotFound",
            503 => "SlowDown",
            _ => "error",
        };
        return format!("{name} (HTTP {status})");
    }
    DisplayErrorContext(error).to_string()
}
