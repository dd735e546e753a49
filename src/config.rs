//! Validated, resolved settings: the only place that turns command-line text into settings.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::cli::{ColorArg, FailOnArg, FormatArg, ScanArgs};
use crate::decode::Limits;
use crate::discover::Filter;
use crate::findings::Severity;
use crate::link::LinkOptions;
use crate::report::{Format, Style};

/// Settings for one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanConfig {
    /// Inputs.
    pub paths: Vec<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Output file (stdout when absent).
    pub output: Option<PathBuf>,
    /// Fail when a finding at or above this exists.
    pub fail_on: Option<Severity>,
    /// Event and file filters.
    pub filter: Filter,
    /// Linking settings.
    pub link: LinkOptions,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Size limits.
    pub limits: Limits,
    /// Terminal style.
    pub style: Style,
    /// Exit on findings even when some input could not be read.
    pub allow_partial: bool,
}

impl ScanConfig {
    /// Resolves the arguments; an error here is a usage error (exit status 2).
    pub fn from_args(args: ScanArgs) -> anyhow::Result<ScanConfig> {
        let window = humantime::parse_duration(&args.link_window).with_context(|| {
            format!(
                "--link-window {:?} is not a duration (try 15m)",
                args.link_window
            )
        })?;
        if window > std::time::Duration::from_secs(7 * 24 * 3600) {
            bail!("--link-window is longer than 7 days");
        }
        let window = chrono::Duration::from_std(window).context("--link-window is too long")?;
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
        if args.threads == Some(0) {
            bail!("--threads must be at least 1");
        }
        let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(ScanConfig {
            paths: args.paths,
            format: match args.format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
            },
            output: args.output,
            fail_on: match args.fail_on {
                FailOnArg::Low => Some(Severity::Low),
                FailOnArg::Medium => Some(Severity::Medium),
                FailOnArg::High => Some(Severity::High),
                FailOnArg::Never => None,
            },
            filter: Filter {
                since,
                until,
                accounts: args.account,
                regions: args.region,
                // Role sessions last up to 12 hours (STS `DurationSeconds`, IAM user guide
                // `id_roles_use`), and a trigger may precede its role by the link window.
                link_margin: chrono::Duration::hours(12) + window,
            },
            link: LinkOptions {
                window,
                ..LinkOptions::default()
            },
            threads: args.threads.unwrap_or(0),
            limits: Limits {
                max_file_bytes: args.max_file_bytes,
                max_ratio: args.max_ratio,
                in_memory_bytes: args.in_memory_bytes,
            },
            allow_partial: args.allow_partial,
            style: Style { color },
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
