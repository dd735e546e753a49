//! Command-line arguments (clap only; nothing past `config` sees these types).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audit AWS CloudTrail logs for lost trusted identity propagation: where a person's request
/// chain ends up under a shared service role and the audit trail stops naming them.
#[derive(Debug, Parser)]
#[command(name = "tip-audit", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 no finding at or above --fail-on; 1 findings at or above it; \
2 usage error, or some input could not be read (the audit is incomplete)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the logs: sessions, chains, findings, shared roles.
    Scan(ScanArgs),
    /// Show the session trees: who started what, and where the person was lost.
    Chains(ChainsArgs),
    /// Every event of one person, and of the sessions in their chains, in time order.
    Timeline(TimelineArgs),
    /// One row per event with its attribution, session, chain and status: Parquet or CSV.
    Export(ExportArgs),
    /// Write a commented default policy file (tip-audit.toml).
    Init(InitArgs),
    /// Check log files against CloudTrail digest files, offline: hashes, digest chain, signatures.
    #[command(
        after_help = "Exit status: 0 everything verifiable is intact; 1 a log file or digest \
is modified, missing or wrongly signed, or the digest chain is broken; 2 usage error."
    )]
    Verify(VerifyArgs),
}

/// `tip-audit export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// `events.parquet`, `events.csv`, or a directory (existing, or ending in `/`) for a Parquet
    /// table partitioned by account and date.
    #[arg(short = 'o', long, value_name = "PATH", required = true)]
    pub output: PathBuf,
}

/// `tip-audit init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it.
    #[arg(
        short = 'o',
        long,
        value_name = "FILE",
        default_value = "tip-audit.toml"
    )]
    pub output: PathBuf,

    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `tip-audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Log and digest files or folders (the S3 layout under `AWSLogs/`, in any local folder).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Public keys for digest signatures: PEM or DER, or the JSON of
    /// `aws cloudtrail list-public-keys` (matched by fingerprint).
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,

    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(VERIFY_FORMATS))]
    pub format: FormatArg,

    /// Where the report goes.
    #[command(flatten)]
    pub output: OutputArg,

    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArg,

    /// Colour.
    #[command(flatten)]
    pub color: ColorChoice,
}

/// `verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormatArg {
    /// Summary and problems as tables.
    Table,
    /// The tip-audit/verify/v1 JSON document.
    Json,
    /// One row per log file, digest and chain break.
    Csv,
}

/// What to read and how to link it: shared by `scan`, `chains` and `timeline`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Log files or folders (walked recursively); `-` reads standard input. Gzip or plain;
    /// trail files, JSON Lines, lookup-events output, EventBridge events, JSON arrays.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Only events at or after this time (RFC 3339, or a date YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only events at or before this time (RFC 3339, or a date YYYY-MM-DD: the end of that day).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only events recorded in this account (repeatable).
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Vec<String>,

    /// Only events in this region (repeatable).
    #[arg(long, value_name = "REGION")]
    pub region: Vec<String>,

    /// How long after a person's trigger call a service's role assumption is linked to it
    /// [default: 15m, or `link_window` in the policy file].
    #[arg(long, value_name = "DURATION")]
    pub link_window: Option<String>,

    /// How long after the session it caused an asynchronous trigger call may be logged (clock
    /// skew; synchronous calls such as a Lambda invoke get the allowance of the trigger table)
    /// [default: 2m, or `link_skew` in the policy file].
    #[arg(long, value_name = "DURATION")]
    pub link_skew: Option<String>,

    /// The policy file (allowlists, severities, extra triggers, defaults) [default:
    /// ./tip-audit.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Identity Center users: the JSON of `aws identitystore list-users` (pages may be
    /// concatenated), to show user ids as user names.
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,

    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArg,

    /// Stop reading a file past this many (decompressed) bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
    pub max_file_bytes: u64,

    /// Stop inflating a gzip file past this ratio of its compressed size (checked beyond 64 MiB;
    /// CloudTrail files inflate 10-20x, gzip bombs about 1000x).
    #[arg(long, value_name = "RATIO", default_value_t = 200)]
    pub max_ratio: u64,

    /// Files up to this many (decompressed) bytes are parsed in memory, larger ones as a stream.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20, hide = true)]
    pub in_memory_bytes: u64,

    /// Colour.
    #[command(flatten)]
    pub color: ColorChoice,
}

/// `tip-audit scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(SCAN_FORMATS))]
    pub format: FormatArg,

    /// Where the report goes.
    #[command(flatten)]
    pub output: OutputArg,

    /// Exit with status 1 when a finding at or above this severity exists [default: never, or
    /// `fail_on` in the policy file].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,

    /// Also write the report in another format, in the same run (repeatable), e.g.
    /// `--export sarif=tip.sarif --export markdown=summary.md`.
    #[arg(long, value_name = "FORMAT=PATH")]
    pub export: Vec<String>,

    /// Report only findings not in this baseline (a `--write-baseline` file or a previous JSON
    /// report); `--fail-on` applies to the new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write a baseline accepting every finding of this scan.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Verify the logs against their digest files first, and leave out of the audit every log
    /// file that fails (modified or unreadable).
    #[arg(long)]
    pub verify: bool,

    /// Public keys for `--verify` (see `tip-audit verify --help`).
    #[arg(long, value_name = "FILE", requires = "verify")]
    pub public_key: Option<PathBuf>,

    /// Exit by findings (0 or 1) even when some files could not be read; they are still listed.
    /// The cost: a CI gate passes on an audit that did not see every event.
    #[arg(long)]
    pub allow_partial: bool,
}

/// `tip-audit chains`.
#[derive(Debug, Args)]
pub struct ChainsArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// Only this chain (its id, as in findings: `ch-…`).
    #[arg(long, value_name = "ID")]
    pub chain: Option<String>,

    /// Only the chains of this person (see `timeline --human`).
    #[arg(long, value_name = "H")]
    pub human: Option<String>,

    /// Output format.
    #[arg(long, default_value = "text", value_parser = formats(CHAINS_FORMATS))]
    pub format: FormatArg,

    /// Where the output goes.
    #[command(flatten)]
    pub output: OutputArg,
}

/// `tip-audit timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// The person: an Identity Center user id, user name or e-mail (with --users), an IAM
    /// user ARN or name, a SAML subject, or a source identity.
    #[arg(long, value_name = "H", required = true)]
    pub human: String,

    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(TIMELINE_FORMATS))]
    pub format: FormatArg,

    /// Where the output goes.
    #[command(flatten)]
    pub output: OutputArg,
}

/// `-o`: where a command's report goes.
#[derive(Debug, Args)]
pub struct OutputArg {
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub path: Option<PathBuf>,
}

/// `-j`: how many files are read at once.
#[derive(Debug, Args)]
pub struct ThreadsArg {
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub count: Option<usize>,
}

/// `--color`.
#[derive(Debug, Args)]
pub struct ColorChoice {
    /// When to use colour.
    #[arg(long = "color", value_enum, default_value_t = ColorArg::Auto)]
    pub when: ColorArg,
}

/// Every output format; each command offers the ones its list below names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Tables for people.
    Table,
    /// One JSON document (for scan, the tip-audit/scan/v1 document).
    Json,
    /// One self-contained HTML page with each finding's chain drawn.
    Html,
    /// One item per line (JSON Lines).
    Jsonl,
    /// One item per row (formula-injection safe).
    Csv,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// A summary for a pull-request comment.
    Markdown,
    /// An indented tree, one line per session.
    Text,
    /// Graphviz.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// The formats of `scan`.
pub const SCAN_FORMATS: &[FormatArg] = &[
    FormatArg::Table,
    FormatArg::Json,
    FormatArg::Html,
    FormatArg::Jsonl,
    FormatArg::Csv,
    FormatArg::Sarif,
    FormatArg::Markdown,
];
/// The formats of `chains`.
pub const CHAINS_FORMATS: &[FormatArg] = &[
    FormatArg::Text,
    FormatArg::Json,
    FormatArg::Dot,
    FormatArg::Mermaid,
];
/// The formats of `timeline`.
pub const TIMELINE_FORMATS: &[FormatArg] = &[
    FormatArg::Table,
    FormatArg::Json,
    FormatArg::Jsonl,
    FormatArg::Csv,
];
/// The formats of `verify`.
pub const VERIFY_FORMATS: &[FormatArg] = &[FormatArg::Table, FormatArg::Json, FormatArg::Csv];

/// A `--format` parser that offers only `allowed`.
fn formats(allowed: &'static [FormatArg]) -> impl TypedValueParser<Value = FormatArg> {
    PossibleValuesParser::new(allowed.iter().filter_map(ValueEnum::to_possible_value))
        .try_map(|name| FormatArg::from_str(&name, true))
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Any finding.
    Low,
    /// Medium or high findings.
    Medium,
    /// High findings (identity_lost).
    High,
    /// Never fail on findings.
    Never,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
