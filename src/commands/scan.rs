//! `tip-audit scan`: audit the inputs and report findings, shared roles and coverage, with the
//! exit status a CI gate reads.

use super::{Outcome, emit};
use crate::baseline::{self, Baseline};
use crate::config::ScanConfig;
use crate::findings::Finding;
use crate::pipeline;
use crate::report::{self, Report};

/// Runs a scan.
pub fn run(config: &ScanConfig) -> anyhow::Result<Outcome> {
    let mut report = pipeline::analyze(&config.input, config.verify.as_ref())?.report;
    let s = &report.summary;
    if s.not_auditable > 0 {
        #[allow(clippy::print_stderr)] // a warning about the input, next to the report
        {
            eprintln!(
                "tip-audit: warning: {} of {} events have no userIdentity (the export stripped it?): \
                 they name nobody and are counted as not_auditable",
                s.not_auditable, s.events
            );
        }
    }
    let nothing_auditable = s.events > 0 && s.not_auditable == s.events;
    if let Some(path) = &config.write_baseline {
        baseline::write(path, &report.findings)?;
    }
    if let Some(path) = &config.baseline {
        report.summary.baselined = Baseline::load(path)?.filter(&mut report.findings);
    }
    report.summary.excused_by_min_link = excused(&report, config).count() as u64;
    emit(config.output.as_deref(), |out| {
        report::write(&report, config.format, config.style, out)
    })?;
    for (format, path) in &config.exports {
        let plain = report::Style::default();
        emit(Some(path), |out| {
            report::write(&report, *format, plain, out)
        })?;
    }
    if nothing_auditable {
        #[allow(clippy::print_stderr)] // the reason for exit status 2
        {
            eprintln!("tip-audit: no event could be audited: none has a userIdentity");
        }
        return Ok(Outcome::Incomplete);
    }
    Ok(outcome(&report, config))
}

fn outcome(report: &Report, config: &ScanConfig) -> Outcome {
    if report.is_incomplete() && !config.allow_partial {
        return Outcome::Incomplete;
    }
    let failing = config.fail_on.is_some_and(|level| {
        report
            .findings
            .iter()
            .filter(|f| f.severity >= level)
            .count()
            > excused(report, config).count()
    });
    if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// Findings at or above `--fail-on` whose link is weaker than the policy's `min_link`.
fn excused<'r>(report: &'r Report, config: &ScanConfig) -> impl Iterator<Item = &'r Finding> {
    let level = config.fail_on;
    let min_link = config.input.policy.min_link;
    report.findings.iter().filter(move |f| {
        level.is_some_and(|level| f.severity >= level)
            && matches!((f.link, min_link), (Some(link), Some(min)) if link > min)
    })
}
