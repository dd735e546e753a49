//! Command-line arguments (clap only; nothing past `config` sees these types).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Audit AWS CloudTrail logs for lost trusted identity propagation: where a person's request
/// chain ends up under a shared service role and the audit trail stops naming them.
#[derive(Debug, Parser)]
#[command(name = "tip-audit", version, about, long_about = None)]
#[command(after_help = MAIN_EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Print nothing on standard error but errors (no receipts, no warnings, no progress bar).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the logs: sessions, chains, findings, shared roles.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// Show the session trees: who started what, and where the person was lost.
    #[command(after_help = CHAINS_EXAMPLES)]
    Chains(ChainsArgs),
    /// Every event of one person, and of the sessions in their chains, in time order; or every
    /// event an access key, a session, an address or a user agent touched.
    #[command(after_help = TIMELINE_EXAMPLES)]
    Timeline(TimelineArgs),
    /// Who is behind an event, an access key, a session or an address: the person, and the path
    /// from their sign-in to it, hop by hop, with where the identity was lost.
    #[command(after_help = WHO_EXAMPLES)]
    Who(WhoArgs),
    /// One row per event with its attribution, session, chain and status: Parquet, CSV or JSON
    /// Lines.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Read the logs as a scan does and write a shard summary instead of a report, for `tip-audit
    /// merge`: the map of a scan that outgrows one machine.
    #[command(after_help = SUMMARIZE_EXAMPLES)]
    Summarize(SummarizeArgs),
    /// Merge shard summaries into the very report a scan of all their logs prints.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
    /// Write a commented default policy file (tip-audit.toml).
    #[command(after_help = INIT_EXAMPLES)]
    Init(InitArgs),
    /// Check log files against CloudTrail digest files, offline: hashes, digest chain, signatures.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(VerifyArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) to standard output.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of tip-audit, or of one of its commands, to standard output.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

// What `--help` shows after the options: examples a newcomer can copy, and the exit status where
// a command has one of its own. Kept short enough (under 80 columns) that help never wraps them.

/// `tip-audit --help`.
const MAIN_EXAMPLES: &str = "\
Examples:
  tip-audit scan ./logs
  tip-audit scan ./logs --since 2026-03-01 --fail-on high
  tip-audit timeline ./logs --human alice@example.com
  tip-audit who ./logs --key ASIAWO645SY5F4X3LMG2
  tip-audit chains ./logs --human alice@example.com --format dot
  tip-audit verify ./logs
  tip-audit help scan

Exit status: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error, \
some input could not be read (the audit is incomplete), or nothing was audited (no input, no \
CloudTrail events, filters that match nothing).";

/// `tip-audit scan --help`.
const SCAN_EXAMPLES: &str = "\
Examples:
  tip-audit scan ./logs
  tip-audit scan ./logs --since 2026-03-01 --fail-on high
  tip-audit scan ./logs --account 111122223333 --region us-east-1
  tip-audit scan ./logs -o report.html
  tip-audit scan ./logs --format json | jq '.findings[]'
  tip-audit scan ./logs --fail-on high --export sarif=tip.sarif
  tip-audit scan ./logs --baseline tip-baseline.json --fail-on high
  aws cloudtrail lookup-events --max-results 50 | tip-audit scan -

Exit status: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error, \
some input could not be read (the audit is incomplete), or nothing was audited (no input, no \
CloudTrail events, filters that match nothing).";

/// `tip-audit chains --help`.
const CHAINS_EXAMPLES: &str = "\
Examples:
  tip-audit chains ./logs --human alice@example.com
  tip-audit chains ./logs --chain ch-650bc4aa4e34 --format json
  tip-audit chains ./logs --format dot | dot -Tsvg > chains.svg
  tip-audit chains ./logs -o chains.mmd";

/// `tip-audit timeline --help`.
const TIMELINE_EXAMPLES: &str = "\
Examples:
  tip-audit timeline ./logs --human alice@example.com
  tip-audit timeline ./logs --human bob --since 2026-03-01
  tip-audit timeline ./logs --users users.json --human \"Dave Bowman\"
  tip-audit timeline ./logs --human alice@example.com -o alice.csv
  tip-audit timeline ./logs --key ASIAWO645SY5F4X3LMG2
  tip-audit timeline ./logs --ip 203.0.113.150 --user-agent aws-sdk-cpp
  tip-audit timeline ./logs --human bob --format timesketch -o bob.jsonl";

/// `tip-audit who --help`.
const WHO_EXAMPLES: &str = "\
Examples:
  tip-audit who ./logs --event 633cd96f-f501-5275-8135-e33e2154935f
  tip-audit who ./logs --key ASIAWO645SY5F4X3LMG2 --key AKIARTX3GSDSZUDG5YV2
  tip-audit who ./logs --ip 192.0.2.88 --format json
  tip-audit who ./logs --session \\
      arn:aws:sts::444455556666:assumed-role/AuditReadRole/grace@example.com

Exit status: 0 everything asked about is in the logs; 2 usage error, an event, key, session or \
address the logs do not hold (each is named on standard error), some input could not be read, \
or nothing was audited.";

/// `tip-audit export --help`.
const EXPORT_EXAMPLES: &str = "\
Examples:
  tip-audit export ./logs -o events.parquet
  tip-audit export ./logs -o events/
  tip-audit export ./logs -o events.csv --since 2026-03-01
  tip-audit export ./logs -o - | jq -c 'select(.status == \"lost\")'";

/// `tip-audit summarize --help`.
const SUMMARIZE_EXAMPLES: &str = "\
Examples:
  tip-audit summarize ./logs/AWSLogs/111122223333 -o 111122223333.shard
  tip-audit summarize ./logs --region eu-west-1 -o eu-west-1.shard
  tip-audit summarize ./logs --since 2026-03-01 -o shards/march.shard
  tip-audit merge shards/ --format json -o report.json

A summary holds sessions, linking events, what became of each file and a 16-byte \
hash per event, under a header naming the settings that shape the report; merge \
refuses summaries made with other settings. Exit status: 0 the summary is \
written (unreadable files are recorded in it, and merge reports them); 2 usage \
error, or it could not be written.";

/// `tip-audit merge --help`.
const MERGE_EXAMPLES: &str = "\
Examples:
  tip-audit merge a.shard b.shard
  tip-audit merge shards/ --format json -o report.json
  tip-audit merge shards/ --fail-on high --export sarif=tip.sarif

The policy file, filters, link window and size limits are the summaries' own. \
Exit status: as scan's over the same logs: 0 no finding at or above --fail-on; \
1 findings at or above it; 2 usage error, summaries that disagree or are \
damaged, some input could not be read, or nothing was audited.";

/// `tip-audit init --help`.
const INIT_EXAMPLES: &str = "\
Examples:
  tip-audit init
  tip-audit init -o policies/tip-audit.toml --force
  tip-audit scan ./logs --config policies/tip-audit.toml";

/// `tip-audit verify --help`.
const VERIFY_EXAMPLES: &str = "\
Examples:
  tip-audit verify ./logs
  aws cloudtrail list-public-keys > keys.json
  tip-audit verify ./logs --public-key keys.json -o integrity.json

Exit status: 0 everything verifiable is intact; 1 a log file or digest is modified, missing or \
wrongly signed, or the digest chain is broken; 2 usage error, an input that cannot be read, or \
nothing to verify (no digest files).";

/// `tip-audit completions --help`.
const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  tip-audit completions bash > /etc/bash_completion.d/tip-audit
  tip-audit completions zsh > ~/.zfunc/_tip-audit
  tip-audit completions fish > ~/.config/fish/completions/tip-audit.fish
  tip-audit completions powershell >> $PROFILE";

/// `tip-audit man --help`.
const MAN_EXAMPLES: &str = "\
Examples:
  tip-audit man | man -l -
  tip-audit man scan | man -l -
  tip-audit man > ~/.local/share/man/man1/tip-audit.1
  tip-audit man scan > ~/.local/share/man/man1/tip-audit-scan.1";

/// `tip-audit completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// The shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// Bash, with bash-completion: a file in /etc/bash_completion.d/.
    Bash,
    /// Zsh: a file named _tip-audit in a folder of $fpath.
    Zsh,
    /// Fish: a file in ~/.config/fish/completions/.
    Fish,
    /// PowerShell: added to $PROFILE.
    Powershell,
}

/// `tip-audit man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command, for its own page (tip-audit-scan(1)); without it, the page of tip-audit.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `tip-audit export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// `events.parquet`, `events.csv`, `events.jsonl` or `events.json` (JSON Lines), `-` for JSON
    /// Lines on standard output, or a directory (existing, or ending in `/`) for a Parquet table
    /// partitioned by account and date.
    #[arg(short = 'o', long, value_name = "PATH", required = true)]
    pub output: PathBuf,

    /// Output format [default: from the file name of -o].
    #[arg(long, value_parser = formats(EXPORT_FORMATS))]
    pub format: Option<FormatArg>,
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

    /// Output format [default: from the file name of -o (.json, .csv), else table].
    #[arg(long, value_parser = formats(VERIFY_FORMATS))]
    pub format: Option<FormatArg>,

    /// Where the report goes.
    #[command(flatten)]
    pub output: OutputArg,

    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArg,

    /// Requests to S3 at once.
    #[command(flatten)]
    pub s3: S3Arg,

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

    /// Only events recorded in these accounts: 12-digit account ids, comma-separated or
    /// repeated.
    #[arg(long, value_name = "ACCOUNT", value_delimiter = ',')]
    pub account: Vec<String>,

    /// Only events in these regions (such as us-east-1), comma-separated or repeated.
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
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

    /// Requests to S3 at once.
    #[command(flatten)]
    pub s3: S3Arg,

    /// Stop reading a file past this size (decompressed): bytes, or with a unit such as 500MB,
    /// 2GiB.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = parse_size)]
    pub max_file_bytes: u64,

    /// Stop inflating a gzip file past this ratio of its compressed size (checked beyond 64 MiB;
    /// CloudTrail files inflate 10-20x, gzip bombs about 1000x).
    #[arg(long, value_name = "RATIO", default_value_t = 200)]
    pub max_ratio: u64,

    /// Files up to this size (decompressed) are parsed in memory, larger ones as a stream.
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "256MiB",
        value_parser = parse_size,
        hide = true
    )]
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

    /// The report.
    #[command(flatten)]
    pub report: ReportArgs,

    /// Verify the logs against their digest files first, and leave out of the audit every log
    /// file that fails (modified or unreadable).
    #[arg(long)]
    pub verify: bool,

    /// Public keys for `--verify` (see `tip-audit verify --help`).
    #[arg(long, value_name = "FILE", requires = "verify")]
    pub public_key: Option<PathBuf>,
}

/// The report of `scan` and `merge`: its format and file, more formats, the gate, baselines.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format [default: from the file name of -o (.json, .jsonl, .html, .csv, .md,
    /// .sarif), else table].
    #[arg(long, value_parser = formats(SCAN_FORMATS))]
    pub format: Option<FormatArg>,

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

    /// Exit by findings (0 or 1) even when some files could not be read; they are still listed.
    /// The cost: a CI gate passes on an audit that did not see every event.
    #[arg(long)]
    pub allow_partial: bool,

    /// AWS's published address ranges (`ip-ranges.json`, from
    /// `https://ip-ranges.amazonaws.com/ip-ranges.json`): `exfiltrated_credentials` then also
    /// reports a machine's credentials used from outside AWS while the machine calls from inside.
    #[arg(long, value_name = "FILE")]
    pub aws_ip_ranges: Option<PathBuf>,
}

/// `tip-audit summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Inputs and linking, as for `scan`.
    #[command(flatten)]
    pub input: InputArgs,

    /// Where the shard summary goes (written as SHARD.partial, renamed once complete); `merge`
    /// takes the `*.shard` files of a folder.
    #[arg(short = 'o', long = "output", value_name = "SHARD", required = true)]
    pub output: PathBuf,
}

/// `tip-audit merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard summaries written by `tip-audit summarize`, or folders of them (every `*.shard`
    /// file inside, at any depth).
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,

    /// The report, as for `scan`.
    #[command(flatten)]
    pub report: ReportArgs,

    /// Identity Center users: the JSON of `aws identitystore list-users` (pages may be
    /// concatenated), to show user ids as user names.
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,

    /// Colour.
    #[command(flatten)]
    pub color: ColorChoice,
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

    /// Output format [default: from the file name of -o (.json, .dot, .mmd), else text].
    #[arg(long, value_parser = formats(CHAINS_FORMATS))]
    pub format: Option<FormatArg>,

    /// Where the output goes.
    #[command(flatten)]
    pub output: OutputArg,
}

/// `tip-audit timeline`.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("selector")
        .required(true)
        .multiple(true)
        .args(["human", "key", "session", "ip", "user_agent"])
))]
pub struct TimelineArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// The person: an Identity Center user id, user name or e-mail (with --users), an IAM
    /// user ARN or name, a SAML subject, or a source identity.
    #[arg(long, value_name = "H")]
    pub human: Option<String>,

    /// The events made with this access key, and every event of the chains around its sessions
    /// (repeatable).
    #[arg(long, value_name = "AKID")]
    pub key: Vec<String>,

    /// The events of the sessions with this principal ARN
    /// (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, a user ARN), and every event of the
    /// chains around them (repeatable).
    #[arg(long, value_name = "ARN")]
    pub session: Vec<String>,

    /// The events called from this source address (repeatable).
    #[arg(long, value_name = "ADDR")]
    pub ip: Vec<String>,

    /// The events whose user agent holds this text, case ignored (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Vec<String>,

    /// Output format [default: from the file name of -o (.json, .jsonl, .csv), else table].
    #[arg(long, value_parser = formats(TIMELINE_FORMATS))]
    pub format: Option<FormatArg>,

    /// Where the output goes.
    #[command(flatten)]
    pub output: OutputArg,
}

/// `tip-audit who`.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("indicator")
        .required(true)
        .multiple(true)
        .args(["event", "key", "session", "ip"])
))]
pub struct WhoArgs {
    /// Inputs and linking.
    #[command(flatten)]
    pub input: InputArgs,

    /// A CloudTrail eventID: the event, who made it and the path to it (repeatable).
    #[arg(long, value_name = "ID")]
    pub event: Vec<String>,

    /// An access key id (AKIA…, ASIA…): the sessions that used it, or the STS call that issued
    /// it (repeatable).
    #[arg(long, value_name = "AKID")]
    pub key: Vec<String>,

    /// A session's principal ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, a user
    /// ARN): every session with it, and who is behind each (repeatable).
    #[arg(long, value_name = "ARN")]
    pub session: Vec<String>,

    /// A source address: every session that called from it, with its person (repeatable).
    #[arg(long, value_name = "ADDR")]
    pub ip: Vec<String>,

    /// Output format [default: from the file name of -o (.json), else table].
    #[arg(long, value_parser = formats(WHO_FORMATS))]
    pub format: Option<FormatArg>,

    /// Where the output goes.
    #[command(flatten)]
    pub output: OutputArg,
}

/// `-o`: where a command's report goes.
#[derive(Debug, Args)]
pub struct OutputArg {
    /// Write to FILE instead of standard output (`-`: standard output); its file name chooses
    /// the format unless --format is given.
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

/// `--s3-concurrency`: how many requests to S3 are in flight at once.
#[derive(Debug, Args)]
pub struct S3Arg {
    /// Requests to S3 at once, for s3:// inputs: listings, and objects read ahead of the workers.
    #[arg(long = "s3-concurrency", value_name = "N", default_value_t = crate::s3::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
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
    /// Apache Parquet (export).
    Parquet,
    /// JSON Lines for Timesketch: message, datetime, timestamp_desc, then the attribution fields.
    Timesketch,
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
    FormatArg::Timesketch,
];
/// The formats of `who`.
pub const WHO_FORMATS: &[FormatArg] = &[FormatArg::Table, FormatArg::Json];
/// The formats of `verify`.
pub const VERIFY_FORMATS: &[FormatArg] = &[FormatArg::Table, FormatArg::Json, FormatArg::Csv];
/// The formats of `export`.
pub const EXPORT_FORMATS: &[FormatArg] = &[FormatArg::Parquet, FormatArg::Csv, FormatArg::Jsonl];

/// A size: a number of bytes, or a number with a unit. `K`, `M`, `G`, `T` and `KiB`, `MiB`, `GiB`,
/// `TiB` are powers of 1024, `KB`, `MB`, `GB`, `TB` powers of 1000 (as GNU `dd` reads them); the
/// unit's case does not matter and a space may come before it.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let invalid =
        || format!("{text:?} is not a size: a number of bytes, or one with a unit (500MB, 2GiB)");
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(invalid()),
    };
    let bytes = if number.contains('.') {
        let value: f64 = number.parse().map_err(|_| invalid())?;
        let bytes = (value * scale as f64).round();
        if !bytes.is_finite() || bytes >= u64::MAX as f64 {
            return Err(invalid());
        }
        bytes as u64
    } else {
        number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(invalid)?
    };
    if bytes == 0 {
        return Err(format!("{text:?}: a size must be more than 0 bytes"));
    }
    Ok(bytes)
}

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
