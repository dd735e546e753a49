//! Validated, resolved settings: the only place that turns command-line text into settings.

use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::cli::{
    CHAINS_FORMATS, ChainsArgs, ColorArg, EXPORT_FORMATS, ExportArgs, FailOnArg, FormatArg,
    InitArgs, InputArgs, MergeArgs, ReportArgs, SCAN_FORMATS, ScanArgs, SummarizeArgs,
    TIMELINE_FORMATS, TimelineArgs, VERIFY_FORMATS, VerifyArgs, WHO_FORMATS, WhoArgs,
};
use crate::decode::Limits;
use crate::discover::Filter;
use crate::findings::Severity;
use crate::link::LinkOptions;
use crate::policy::{Policy, PolicyFile, SeverityOrNever};
use crate::report::{Format, Provenance, Style};
use crate::shard;

/// What to read and how to link it: shared by `scan`, `chains` and `timeline`.
#[derive(Debug, Clone, Default)]
pub struct InputConfig {
    /// Inputs.
    pub paths: Vec<PathBuf>,
    /// Event and file filters.
    pub filter: Filter,
    /// Linking settings.
    pub link: LinkOptions,
    /// Identity Center directory export (`--users`).
    pub users: Option<PathBuf>,
    /// The policy file in force.
    pub policy: Policy,
    /// Where it came from, and the SHA-256 of its bytes.
    pub policy_file: Option<PolicyFile>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// How `s3://` inputs are read.
    pub s3: crate::s3::Options,
    /// Size limits.
    pub limits: Limits,
    /// AWS's published address ranges (`scan --aws-ip-ranges`), for `exfiltrated_credentials`.
    pub aws_ip_ranges: Option<PathBuf>,
    /// Show a progress bar on standard error while the files are read: only when standard error
    /// is a terminal and `--quiet` is off.
    pub progress: bool,
    /// Where the report comes from (tool, inputs as given, filters, policy file), for the
    /// reports that carry it.
    pub provenance: Provenance,
}

/// Settings for one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanConfig {
    /// What to read.
    pub input: InputConfig,
    /// Output format.
    pub format: Format,
    /// Output file (stdout when absent).
    pub output: Option<PathBuf>,
    /// Fail when a finding at or above this exists.
    pub fail_on: Option<Severity>,
    /// Terminal style.
    pub style: Style,
    /// Exit on findings even when some input could not be read.
    pub allow_partial: bool,
    /// Verify against digests first (`--verify`), with these keys.
    pub verify: Option<Option<PathBuf>>,
    /// Extra outputs (`--export FORMAT=PATH`).
    pub exports: Vec<(Format, PathBuf)>,
    /// Baseline to compare with.
    pub baseline: Option<PathBuf>,
    /// Where to write a baseline.
    pub write_baseline: Option<PathBuf>,
}

/// Settings for `chains`.
#[derive(Debug, Clone)]
pub struct ChainsConfig {
    /// What to read.
    pub input: InputConfig,
    /// Only this chain.
    pub chain: Option<String>,
    /// Only this person's chains.
    pub human: Option<String>,
    /// Output format.
    pub format: Format,
    /// Output file.
    pub output: Option<PathBuf>,
    /// Terminal style.
    pub style: Style,
}

/// Settings for `timeline`.
#[derive(Debug, Clone)]
pub struct TimelineConfig {
    /// What to read.
    pub input: InputConfig,
    /// The person (`--human`).
    pub human: Option<String>,
    /// Access keys whose sessions' chains to show (`--key`).
    pub keys: Vec<String>,
    /// Session principal ARNs whose chains to show (`--session`).
    pub sessions: Vec<String>,
    /// Source addresses whose events to show (`--ip`).
    pub ips: Vec<IpAddr>,
    /// Text of the user agents whose events to show (`--user-agent`).
    pub user_agents: Vec<String>,
    /// Output format.
    pub format: Format,
    /// Output file.
    pub output: Option<PathBuf>,
    /// Terminal style.
    pub style: Style,
}

/// Settings for `who`.
#[derive(Debug, Clone)]
pub struct WhoConfig {
    /// What to read.
    pub input: InputConfig,
    /// CloudTrail event ids (`--event`).
    pub events: Vec<String>,
    /// Access key ids (`--key`).
    pub keys: Vec<String>,
    /// Session principal ARNs (`--session`).
    pub sessions: Vec<String>,
    /// Source addresses (`--ip`).
    pub ips: Vec<IpAddr>,
    /// Output format.
    pub format: Format,
    /// Output file.
    pub output: Option<PathBuf>,
    /// Terminal style.
    pub style: Style,
}

impl ChainsConfig {
    /// Resolves the arguments (`quiet`: `--quiet` was given).
    pub fn from_args(args: ChainsArgs, quiet: bool) -> anyhow::Result<ChainsConfig> {
        let output = args.output.path.as_deref();
        let format = choose_format(args.format, output, CHAINS_FORMATS, Format::Text, "chains")?;
        Ok(ChainsConfig {
            style: Style {
                color: use_color(args.input.color.when, to_stdout(output)),
            },
            input: InputConfig::from_args(args.input, quiet)?,
            chain: args.chain,
            human: args.human,
            format,
            output: args.output.path,
        })
    }
}

impl TimelineConfig {
    /// Resolves the arguments (`quiet`: `--quiet` was given).
    pub fn from_args(args: TimelineArgs, quiet: bool) -> anyhow::Result<TimelineConfig> {
        let output = args.output.path.as_deref();
        let format = choose_format(
            args.format,
            output,
            TIMELINE_FORMATS,
            Format::Table,
            "timeline",
        )?;
        Ok(TimelineConfig {
            style: Style {
                color: use_color(args.input.color.when, to_stdout(output)),
            },
            keys: indicators(args.key, "--key")?,
            sessions: indicators(args.session, "--session")?,
            ips: addresses(args.ip)?,
            user_agents: indicators(args.user_agent, "--user-agent")?,
            input: InputConfig::from_args(args.input, quiet)?,
            human: args.human,
            format,
            output: args.output.path,
        })
    }
}

impl WhoConfig {
    /// Resolves the arguments (`quiet`: `--quiet` was given).
    pub fn from_args(args: WhoArgs, quiet: bool) -> anyhow::Result<WhoConfig> {
        let output = args.output.path.as_deref();
        let format = choose_format(args.format, output, WHO_FORMATS, Format::Table, "who")?;
        Ok(WhoConfig {
            style: Style {
                color: use_color(args.input.color.when, to_stdout(output)),
            },
            events: indicators(args.event, "--event")?,
            keys: indicators(args.key, "--key")?,
            sessions: indicators(args.session, "--session")?,
            ips: addresses(args.ip)?,
            input: InputConfig::from_args(args.input, quiet)?,
            format,
            output: args.output.path,
        })
    }
}

/// Indicators as given, without surrounding spaces; an empty one is a usage error.
fn indicators(values: Vec<String>, flag: &str) -> anyhow::Result<Vec<String>> {
    values
        .into_iter()
        .map(|value| {
            let value = value.trim().to_owned();
            if value.is_empty() {
                bail!("{flag} needs a value");
            }
            Ok(value)
        })
        .collect()
}

/// `--ip`: IPv4 or IPv6 addresses, compared as addresses (`2001:db8::1` is `2001:0db8::0001`).
fn addresses(values: Vec<String>) -> anyhow::Result<Vec<IpAddr>> {
    values
        .iter()
        .map(|value| {
            value.trim().parse::<IpAddr>().with_context(|| {
                format!("--ip {value:?}: not an IP address (such as 198.51.100.24 or 2001:db8::1)")
            })
        })
        .collect()
}

/// Settings for `export`.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// What to read.
    pub input: InputConfig,
    /// `-o` as given.
    pub output: PathBuf,
    /// Where the rows go, in which format.
    pub target: ExportTarget,
}

/// Where `export` writes, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTarget {
    /// One Parquet file.
    Parquet(PathBuf),
    /// A directory of Parquet files partitioned by account and date.
    Partitioned(PathBuf),
    /// One CSV file.
    Csv(PathBuf),
    /// JSON Lines, one object per event, to a file or (`None`) standard output.
    JsonLines(Option<PathBuf>),
}

impl ExportTarget {
    /// `--format` when given, else what `-o` names: `-` is standard output (JSON Lines), a
    /// directory (existing, or ending in `/`) a partitioned Parquet table, and a file's extension
    /// its format (`.parquet`, `.csv`, `.jsonl` or `.json`). Anything else is a usage error, never
    /// a guess.
    fn choose(path: &Path, given: Option<Format>) -> anyhow::Result<ExportTarget> {
        let shown = path.display();
        let text = path.to_string_lossy();
        if path.as_os_str() == STDOUT {
            return match given {
                None | Some(Format::Jsonl) => Ok(ExportTarget::JsonLines(None)),
                Some(other) => bail!(
                    "-o -: only JSON Lines go to standard output, not {} (drop --format, or name a file)",
                    other.as_str()
                ),
            };
        }
        if path.is_dir() || text.ends_with('/') {
            return match given {
                None | Some(Format::Parquet) => Ok(ExportTarget::Partitioned(path.to_owned())),
                Some(other) => bail!(
                    "-o {shown}: a directory holds a Parquet table partitioned by account and date, not {} (name a file for {0})",
                    other.as_str()
                ),
            };
        }
        let named = match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("parquet") => Some(Format::Parquet),
            Some("csv") => Some(Format::Csv),
            Some("jsonl" | "json" | "ndjson") => Some(Format::Jsonl),
            _ => None,
        };
        match given.or(named) {
            Some(Format::Parquet) => Ok(ExportTarget::Parquet(path.to_owned())),
            Some(Format::Csv) => Ok(ExportTarget::Csv(path.to_owned())),
            Some(Format::Jsonl) => Ok(ExportTarget::JsonLines(Some(path.to_owned()))),
            Some(other) => bail!(
                "export writes {}, not {}",
                format_names(EXPORT_FORMATS),
                other.as_str()
            ),
            None => bail!(
                "-o {shown}: cannot tell the format from the file name: name it .parquet, .csv, \
                 .jsonl or .json (JSON Lines), a directory for a partitioned Parquet table, or - \
                 for standard output; or give --format parquet|csv|jsonl"
            ),
        }
    }
}

impl ExportConfig {
    /// Resolves the arguments (`quiet`: `--quiet` was given).
    pub fn from_args(args: ExportArgs, quiet: bool) -> anyhow::Result<ExportConfig> {
        let target = ExportTarget::choose(&args.output, args.format.map(format))?;
        Ok(ExportConfig {
            input: InputConfig::from_args(args.input, quiet)?,
            output: args.output,
            target,
        })
    }
}

/// Settings for `init`.
#[derive(Debug, Clone)]
pub struct InitConfig {
    /// Where the policy template goes.
    pub output: PathBuf,
    /// Replace an existing file.
    pub force: bool,
}

impl InitConfig {
    /// Resolves the arguments.
    pub fn from_args(args: InitArgs) -> InitConfig {
        InitConfig {
            output: args.output,
            force: args.force,
        }
    }
}

/// Settings for `verify`.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// Inputs.
    pub paths: Vec<PathBuf>,
    /// Public keys.
    pub public_key: Option<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Output file.
    pub output: Option<PathBuf>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// How `s3://` inputs are read.
    pub s3: crate::s3::Options,
    /// Terminal style.
    pub style: Style,
    /// Where the report comes from (tool, inputs as given; no filters, no policy file).
    pub provenance: Provenance,
}

impl VerifyConfig {
    /// Resolves the arguments.
    pub fn from_args(args: VerifyArgs) -> anyhow::Result<VerifyConfig> {
        if args.threads.count == Some(0) {
            bail!("--threads must be at least 1");
        }
        let output = args.output.path.as_deref();
        let format = choose_format(args.format, output, VERIFY_FORMATS, Format::Table, "verify")?;
        let provenance = Provenance::new(&args.paths, &Filter::default(), None, arguments());
        Ok(VerifyConfig {
            style: Style {
                color: use_color(args.color.when, to_stdout(output)),
            },
            paths: args.paths,
            public_key: args.public_key,
            format,
            output: args.output.path,
            threads: args.threads.count.unwrap_or(0),
            s3: s3_options(&args.s3)?,
            provenance,
        })
    }
}

/// The command line as given, after the program name, for the provenance (SARIF's
/// `invocations`): the record of the run, never a setting.
fn arguments() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

/// The one mapping from the command line's format names to the report's.
fn format(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Html => Format::Html,
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Csv => Format::Csv,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Text => Format::Text,
        FormatArg::Dot => Format::Dot,
        FormatArg::Mermaid => Format::Mermaid,
        FormatArg::Parquet => Format::Parquet,
        FormatArg::Timesketch => Format::Timesketch,
    }
}

/// The command-line name of standard output, for `-o`.
const STDOUT: &str = "-";

/// Whether output goes to standard output: no `-o`, or `-o -`.
fn to_stdout(output: Option<&Path>) -> bool {
    output.is_none_or(|path| path.as_os_str() == STDOUT)
}

/// The format a command writes: `--format` when given, else the one the file name of `-o` names
/// (`report.html`; an error when the command cannot write it), else the command's default.
fn choose_format(
    given: Option<FormatArg>,
    output: Option<&Path>,
    offered: &[FormatArg],
    default: Format,
    command: &str,
) -> anyhow::Result<Format> {
    if let Some(arg) = given {
        return Ok(format(arg));
    }
    let Some(path) = output.filter(|path| path.as_os_str() != STDOUT) else {
        return Ok(default);
    };
    match Format::for_path(path) {
        None => Ok(default),
        Some(named) if offered.iter().any(|&arg| format(arg) == named) => Ok(named),
        Some(named) => bail!(
            "-o {}: {command} cannot write {} (it writes {}): give --format, or name the file otherwise",
            path.display(),
            named.as_str(),
            format_names(offered)
        ),
    }
}

/// `table, json, csv`: the names of a command's formats.
fn format_names(offered: &[FormatArg]) -> String {
    offered
        .iter()
        .map(|&arg| format(arg).as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--account`: AWS account ids are 12 digits.
fn accounts(values: Vec<String>) -> anyhow::Result<Vec<String>> {
    values
        .into_iter()
        .map(|value| {
            let value = value.trim().to_owned();
            if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
                Ok(value)
            } else {
                bail!("--account {value:?}: an AWS account id is 12 digits (such as 111122223333)")
            }
        })
        .collect()
}

/// `--region`: names such as `us-east-1`, `us-gov-west-1`, `cn-north-1`.
fn regions(values: Vec<String>) -> anyhow::Result<Vec<String>> {
    values
        .into_iter()
        .map(|value| {
            let value = value.trim().to_owned();
            if is_region(&value) {
                Ok(value)
            } else {
                bail!(
                    "--region {value:?}: not a region name (such as us-east-1, us-gov-west-1, cn-north-1)"
                )
            }
        })
        .collect()
}

/// The shape of AWS region names (`us-east-1`, `us-gov-west-1`, `cn-north-1`, `eusc-de-east-1`):
/// lower-case words joined by hyphens, the first of 2 to 4 letters, the last a number.
fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    let word = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    (2..=4).contains(&first.len())
        && word(first)
        && (1..=3).contains(&middle.len())
        && middle.iter().all(word)
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// Colour: always, never, or on a terminal when `NO_COLOR` is unset (no-color.org).
fn use_color(choice: ColorArg, to_stdout: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            to_stdout
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

impl InputConfig {
    /// Resolves the shared arguments (`quiet`: `--quiet` was given); an error here is a usage
    /// error (exit status 2).
    pub fn from_args(args: InputArgs, quiet: bool) -> anyhow::Result<InputConfig> {
        let (policy, policy_file) = Policy::find(args.config.as_deref())?;
        let link_window = args
            .link_window
            .or_else(|| policy.link_window.clone())
            .unwrap_or_else(|| "15m".to_owned());
        let window = humantime::parse_duration(&link_window)
            .with_context(|| format!("link window {link_window:?} is not a duration (try 15m)"))?;
        if window > std::time::Duration::from_secs(7 * 24 * 3600) {
            bail!("--link-window is longer than 7 days");
        }
        let window = chrono::Duration::from_std(window).context("--link-window is too long")?;
        let link_skew = args
            .link_skew
            .or_else(|| policy.link_skew.clone())
            .unwrap_or_else(|| "2m".to_owned());
        let skew = humantime::parse_duration(&link_skew)
            .with_context(|| format!("link skew {link_skew:?} is not a duration (try 2m)"))?;
        if skew > std::time::Duration::from_secs(24 * 3600) {
            bail!("--link-skew is longer than a day");
        }
        let skew = chrono::Duration::from_std(skew).context("--link-skew is too long")?;
        let since = args
            .since
            .as_deref()
            .map(|t| parse_bound(t, false).context("--since"))
            .transpose()?;
        let until = args
            .until
            .as_deref()
            .map(|t| parse_bound(t, true).context("--until"))
            .transpose()?;
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            bail!("--since is after --until");
        }
        if args.threads.count == Some(0) {
            bail!("--threads must be at least 1");
        }
        let filter = Filter {
            since,
            until,
            accounts: accounts(args.account)?,
            regions: regions(args.region)?,
            // Role sessions last up to 12 hours (STS `DurationSeconds`, IAM user guide
            // `id_roles_use`), and a trigger may precede its role by the link window.
            link_margin: chrono::Duration::hours(12) + window,
        };
        let provenance = Provenance::new(&args.paths, &filter, policy_file.as_ref(), arguments());
        Ok(InputConfig {
            paths: args.paths,
            filter,
            link: LinkOptions { window, skew },
            users: args.users,
            policy,
            policy_file,
            threads: args.threads.count.unwrap_or(0),
            s3: s3_options(&args.s3)?,
            limits: Limits {
                max_file_bytes: args.max_file_bytes,
                max_ratio: args.max_ratio,
                in_memory_bytes: args.in_memory_bytes,
            },
            aws_ip_ranges: None,
            progress: !quiet && std::io::stderr().is_terminal(),
            provenance,
        })
    }
}

impl ScanConfig {
    /// Resolves the arguments (`quiet`: `--quiet` was given); an error here is a usage error
    /// (exit status 2).
    pub fn from_args(args: ScanArgs, quiet: bool) -> anyhow::Result<ScanConfig> {
        let report = ReportSettings::from_args(args.report, args.input.color.when, "scan")?;
        let input = InputConfig::from_args(args.input, quiet)?;
        let mut config = report.over(input);
        config.verify = args.verify.then_some(args.public_key);
        Ok(config)
    }
}

/// The report settings of `scan` and `merge`, resolved from their arguments but for the gate's
/// default, which the policy file gives.
#[derive(Debug, Clone)]
struct ReportSettings {
    format: Format,
    output: Option<PathBuf>,
    style: Style,
    fail_on: Option<FailOnArg>,
    allow_partial: bool,
    exports: Vec<(Format, PathBuf)>,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
    aws_ip_ranges: Option<PathBuf>,
}

impl ReportSettings {
    /// Resolves the report's arguments of `command`, with colour as `--color` asks.
    fn from_args(args: ReportArgs, color: ColorArg, command: &str) -> anyhow::Result<Self> {
        let exports = args
            .export
            .iter()
            .map(|spec| {
                let (name, path) = spec
                    .split_once('=')
                    .with_context(|| format!("--export {spec:?}: expected FORMAT=PATH"))?;
                let format = Format::parse(name).with_context(|| {
                    format!("--export {spec:?}: unknown format {name:?} (table, json, jsonl, csv, sarif, markdown, html)")
                })?;
                Ok((format, PathBuf::from(path)))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let output = args.output.path.as_deref();
        let color = use_color(color, to_stdout(output));
        let format = choose_format(args.format, output, SCAN_FORMATS, Format::Table, command)?;
        Ok(ReportSettings {
            format,
            output: args.output.path,
            style: Style { color },
            fail_on: args.fail_on,
            allow_partial: args.allow_partial,
            exports,
            baseline: args.baseline,
            write_baseline: args.write_baseline,
            aws_ip_ranges: args.aws_ip_ranges,
        })
    }

    /// The settings of a scan of `input` with this report; without `--fail-on`, the gate is
    /// the policy file's `fail_on`.
    fn over(self, mut input: InputConfig) -> ScanConfig {
        input.aws_ip_ranges = self.aws_ip_ranges;
        let fail_on = match self.fail_on {
            Some(FailOnArg::Low) => Some(Severity::Low),
            Some(FailOnArg::Medium) => Some(Severity::Medium),
            Some(FailOnArg::High) => Some(Severity::High),
            Some(FailOnArg::Never) => None,
            None => input.policy.fail_on.and_then(SeverityOrNever::threshold),
        };
        ScanConfig {
            style: self.style,
            input,
            format: self.format,
            output: self.output,
            fail_on,
            allow_partial: self.allow_partial,
            verify: None,
            exports: self.exports,
            baseline: self.baseline,
            write_baseline: self.write_baseline,
        }
    }
}

/// Settings for `summarize`.
#[derive(Debug, Clone)]
pub struct SummarizeConfig {
    /// What to read, as a scan reads it.
    pub input: InputConfig,
    /// Where the shard summary goes.
    pub output: PathBuf,
}

impl SummarizeConfig {
    /// Resolves the arguments (`quiet`: `--quiet` was given).
    pub fn from_args(args: SummarizeArgs, quiet: bool) -> anyhow::Result<SummarizeConfig> {
        if args.output.as_os_str() == STDOUT {
            bail!("-o -: a shard summary is binary: name a file (such as logs.shard)");
        }
        Ok(SummarizeConfig {
            input: InputConfig::from_args(args.input, quiet)?,
            output: args.output,
        })
    }
}

/// Settings for `merge`: the report's, and the shards to read. The rest (the policy file,
/// the filters, the link window, the size limits) is what the shard summaries were made with.
#[derive(Debug, Clone)]
pub struct MergeConfig {
    /// Shard summaries, or folders of them.
    pub shards: Vec<PathBuf>,
    /// Identity Center directory export (`--users`).
    pub users: Option<PathBuf>,
    report: ReportSettings,
    arguments: Vec<String>,
}

impl MergeConfig {
    /// Resolves the arguments; an error here is a usage error (exit status 2).
    pub fn from_args(args: MergeArgs) -> anyhow::Result<MergeConfig> {
        Ok(MergeConfig {
            report: ReportSettings::from_args(args.report, args.color.when, "merge")?,
            shards: args.shards,
            users: args.users,
            arguments: arguments(),
        })
    }

    /// The settings of the scan a merge stands for: its report, of the shards, made with
    /// `settings` (the shards' own).
    pub fn scan(&self, settings: &shard::Settings) -> anyhow::Result<ScanConfig> {
        let (policy, policy_file) = settings.policy()?;
        let filter = settings.filter();
        let provenance = Provenance::new(
            &self.shards,
            &filter,
            policy_file.as_ref(),
            self.arguments.clone(),
        );
        let input = InputConfig {
            paths: self.shards.clone(),
            filter,
            link: settings.link(),
            users: self.users.clone(),
            policy,
            policy_file,
            threads: 0,
            s3: crate::s3::Options::default(),
            limits: settings.limits(),
            aws_ip_ranges: None,
            progress: false,
            provenance,
        };
        Ok(self.report.clone().over(input))
    }
}

/// `--s3-concurrency`, checked.
fn s3_options(args: &crate::cli::S3Arg) -> anyhow::Result<crate::s3::Options> {
    if args.concurrency == 0 {
        bail!("--s3-concurrency must be at least 1");
    }
    Ok(crate::s3::Options {
        concurrency: args.concurrency,
    })
}

/// RFC 3339, or a bare date: its start for `--since`, its last second for `--until`.
fn parse_bound(text: &str, end_of_day: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{text:?} is neither an RFC 3339 time nor a YYYY-MM-DD date"))?;
    let (h, m, s) = if end_of_day { (23, 59, 59) } else { (0, 0, 0) };
    let naive = date.and_hms_opt(h, m, s).context("invalid time of day")?;
    Ok(Utc.from_utc_datetime(&naive))
}
