//! `tip-audit scan`: audit the inputs and report findings, shared roles and coverage, with the
//! exit status a CI gate reads. A run that audited nothing never passes, and every exit status
//! other than 0 is explained on standard error. `tip-audit merge` ends the same way, with the
//! report of its shard summaries ([`finish`]).

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::{Messages, Outcome, emit, given, note_policy, nothing_audited, plural, unread};
use crate::baseline::{self, Baseline};
use crate::config::ScanConfig;
use crate::findings::{Finding, Severity};
use crate::link::Confidence;
use crate::pipeline::{self, Analysis};
use crate::report::{self, Report};
use crate::verify::Verification;

/// Runs a scan.
pub fn run(config: &ScanConfig, messages: Messages) -> anyhow::Result<Outcome> {
    note_policy(&config.input, messages);
    let Analysis {
        report,
        verification,
        ..
    } = pipeline::analyze(&config.input, config.verify.as_ref())?;
    finish(config, report, verification.as_ref(), messages)
}

/// What a scan does with its report once the logs are linked, and a merge with the report of
/// its shard summaries: warnings, baselines, the report in every format asked for, then the exit
/// status and its reasons on standard error.
pub(crate) fn finish(
    config: &ScanConfig,
    mut report: Report,
    verification: Option<&Verification>,
    messages: Messages,
) -> anyhow::Result<Outcome> {
    let s = &report.summary;
    if s.not_auditable > 0 && s.not_auditable < s.events {
        messages.note(format_args!(
            "warning: {} of {} events have no userIdentity (the export stripped it?): \
             they name nobody and are counted as not_auditable",
            s.not_auditable, s.events
        ));
    }
    if let Some(s3) = &report.provenance.s3 {
        messages.note(format_args!(
            "read {} ({} bytes) from S3 in {}: {} listed, {} left unlisted by the filters",
            plural(s3.objects_read, "object"),
            s3.bytes_read,
            plural(s3.requests, "request"),
            plural(s3.prefixes_listed, "folder"),
            plural(s3.prefixes_pruned, "folder"),
        ));
    }
    let nothing = nothing_audited(&report, &config.input);
    if let Some(path) = &config.write_baseline {
        baseline::write(path, &report.findings)?;
        messages.note(format_args!(
            "wrote {} (baseline of {})",
            path.display(),
            plural(report.findings.len() as u64, "finding")
        ));
    }
    if let Some(path) = &config.baseline {
        report.summary.baselined = Baseline::load(path)?.filter(&mut report.findings);
    }
    report.summary.excused_by_min_link = excused(&report, config).count() as u64;
    let what = format!("{} report", config.format.as_str());
    emit(config.output.as_deref(), &what, messages, |out| {
        report::write(&report, config.format, config.style, out)
    })?;
    for (format, path) in &config.exports {
        let plain = report::Style::default();
        let what = format!("{} report", format.as_str());
        emit(Some(path), &what, messages, |out| {
            report::write(&report, *format, plain, out)
        })?;
    }

    // Why the exit status is what it is: what could not be read, what was not audited, what the
    // digests say, which findings crossed --fail-on.
    for line in unread(&report) {
        if config.allow_partial {
            messages.note(line);
        } else {
            messages.error(line);
        }
    }
    let mut incomplete = report.is_incomplete() && !config.allow_partial;
    let mut failing = false;
    if let Some(reason) = nothing {
        messages.error(reason);
        incomplete = true;
    }
    if let Some(verification) = verification {
        if verification.verifiable() {
            let problems = super::verify::problems(verification);
            failing |= !problems.is_empty();
            for line in problems {
                messages.error(format_args!("--verify: {line}"));
            }
        } else {
            messages.error(format_args!(
                "--verify: nothing to verify: no digest files under {}",
                given(&config.input.paths)
            ));
            incomplete = true;
        }
    }
    if let Some(level) = config.fail_on {
        let min_link = config.input.policy.min_link;
        let crossing: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity >= level && !excuses(Some(level), min_link, f))
            .collect();
        if !crossing.is_empty() {
            failing = true;
            let excused = report.summary.excused_by_min_link;
            messages.error(crossed(level, &crossing, excused));
        }
    }
    Ok(if incomplete {
        Outcome::Incomplete
    } else if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// `--fail-on medium: 3 findings at medium or above (2 high identity_lost, 1 medium
/// lineage_only)`: the findings that failed the gate, by severity and kind.
fn crossed(level: Severity, crossing: &[&Finding], excused: u64) -> String {
    let mut groups: BTreeMap<(Reverse<Severity>, &'static str), u64> = BTreeMap::new();
    for f in crossing {
        *groups
            .entry((Reverse(f.severity), f.kind.as_str()))
            .or_default() += 1;
    }
    let kinds: Vec<String> = groups
        .iter()
        .map(|((Reverse(severity), kind), n)| format!("{n} {} {kind}", severity.as_str()))
        .collect();
    let at = match level {
        Severity::High => "high".to_owned(),
        other => format!("{} or above", other.as_str()),
    };
    let also = if excused > 0 {
        format!("; {excused} more excused by the policy's min_link")
    } else {
        String::new()
    };
    format!(
        "--fail-on {}: {} at {at} ({}){also}",
        level.as_str(),
        plural(crossing.len() as u64, "finding"),
        kinds.join(", ")
    )
}

/// Findings at or above `--fail-on` whose link is weaker than the policy's `min_link`.
fn excused<'r>(report: &'r Report, config: &ScanConfig) -> impl Iterator<Item = &'r Finding> {
    let level = config.fail_on;
    let min_link = config.input.policy.min_link;
    report
        .findings
        .iter()
        .filter(move |f| excuses(level, min_link, f))
}

/// Whether a finding at or above `level` does not fail the gate: its link is weaker than
/// `min_link`.
fn excuses(level: Option<Severity>, min_link: Option<Confidence>, f: &Finding) -> bool {
    level.is_some_and(|level| f.severity >= level)
        && matches!((f.link, min_link), (Some(link), Some(min)) if link > min)
}
