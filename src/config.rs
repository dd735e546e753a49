//! Validated, resolved settings: the only place that turns command-line text into settings.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::cli::{
    ChainsArgs, ColorArg, ExportArgs, FailOnArg, FormatArg, InitArgs, InputArgs, ScanArgs,
    TimelineArgs, VerifyArgs,
};
use crate::decode::Limits;
use crate::discover::Filter;
use crate::findings::Severity;
use crate::link::LinkOptions;
use crate::policy::{Policy, SeverityOrNever};
use crate::report::{Format, Style};

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
    /// Where it came from.
    pub policy_path: Option<PathBuf>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Size limits.
    pub limits: Limits,
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
    /// The person.
    pub human: String,
    /// Output format.
    pub format: Format,
    /// Output file.
    pub output: Option<PathBuf>,
    /// Terminal style.
    pub style: Style,
}

impl ChainsConfig {
    /// Resolves the arguments.
    pub fn from_args(args: ChainsArgs) -> anyhow::Result<ChainsConfig> {
        Ok(ChainsConfig {
            style: Style {
                color: use_color(args.input.color.when, args.output.path.is_none()),
            },
            input: InputConfig::from_args(args.input)?,
            chain: args.chain,
            human: args.human,
            format: format(args.format),
            output: args.output.path,
        })
    }
}

impl TimelineConfig {
    /// Resolves the arguments.
    pub fn from_args(args: TimelineArgs) -> anyhow::Result<TimelineConfig> {
        Ok(TimelineConfig {
            style: Style {
                color: use_color(args.input.color.when, args.output.path.is_none()),
            },
            input: InputConfig::from_args(args.input)?,
            human: args.human,
            format: format(args.format),
            output: args.output.path,
        })
    }
}

/// Settings for `export`.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// What to read.
    pub input: InputConfig,
    /// Where the rows go (the file type chooses the format).
    pub output: PathBuf,
}

impl ExportConfig {
    /// Resolves the arguments.
    pub fn from_args(args: ExportArgs) -> anyhow::Result<ExportConfig> {
        Ok(ExportConfig {
            input: InputConfig::from_args(args.input)?,
            output: args.output,
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
    /// Terminal style.
    pub style: Style,
}

impl VerifyConfig {
    /// Resolves the arguments.
    pub fn from_args(args: VerifyArgs) -> anyhow::Result<VerifyConfig> {
        if args.threads.count == Some(0) {
            bail!("--threads must be at least 1");
        }
        Ok(VerifyConfig {
            style: Style {
                color: use_color(args.color.when, args.output.path.is_none()),
            },
            paths: args.paths,
            public_key: args.public_key,
            format: format(args.format),
            output: args.output.path,
            threads: args.threads.count.unwrap_or(0),
        })
    }
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
    }
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
    /// Resolves the shared arguments; an error here is a usage error (exit status 2).
    pub fn from_args(args: InputArgs) -> anyhow::Result<InputConfig> {
        let (policy, policy_path) = Policy::find(args.config.as_deref())?;
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
            .map(|t| parse_bound(t, false))
            .transpose()?;
        let until = args
            .until
            .as_deref()
            .map(|t| parse_bound(t, true))
            .transpose()?;
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            bail!("--since is after --until");
        }
        if args.threads.count == Some(0) {
            bail!("--threads must be at least 1");
        }
        Ok(InputConfig {
            paths: args.paths,
            filter: Filter {
                since,
                until,
                accounts: args.account,
                regions: args.region,
                // Role sessions last up to 12 hours (STS `DurationSeconds`, IAM user guide
                // `id_roles_use`), and a trigger may precede its role by the link window.
                link_margin: chrono::Duration::hours(12) + window,
            },
            link: LinkOptions { window, skew },
            users: args.users,
            policy,
            policy_path,
            threads: args.threads.count.unwrap_or(0),
            limits: Limits {
                max_file_bytes: args.max_file_bytes,
                max_ratio: args.max_ratio,
                in_memory_bytes: args.in_memory_bytes,
            },
        })
    }
}

impl ScanConfig {
    /// Resolves the arguments; an error here is a usage error (exit status 2).
    pub fn from_args(args: ScanArgs) -> anyhow::Result<ScanConfig> {
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
        let color = use_color(args.input.color.when, args.output.path.is_none());
        let input = InputConfig::from_args(args.input)?;
        let fail_on = match args.fail_on {
            Some(FailOnArg::Low) => Some(Severity::Low),
            Some(FailOnArg::Medium) => Some(Severity::Medium),
            Some(FailOnArg::High) => Some(Severity::High),
            Some(FailOnArg::Never) => None,
            None => input.policy.fail_on.and_then(SeverityOrNever::threshold),
        };
        Ok(ScanConfig {
            style: Style { color },
            input,
            format: format(args.format),
            output: args.output.path,
            fail_on,
            allow_partial: args.allow_partial,
            verify: args.verify.then_some(args.public_key),
            exports,
            baseline: args.baseline,
            write_baseline: args.write_baseline,
        })
    }
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
