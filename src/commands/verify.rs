//! `tip-audit verify`: log integrity against CloudTrail digest files, offline.

use super::{Messages, Outcome, emit, given, plural};
use crate::config::VerifyConfig;
use crate::discover::{self, Filter};
use crate::pipeline;
use crate::report;
use crate::report::sanitize::terminal;
use crate::verify::{self, FileState, KeyRing, SignatureState, Verification};

/// Verifies every log file and digest under the inputs.
pub fn run(config: &VerifyConfig, messages: Messages) -> anyhow::Result<Outcome> {
    let keys = config
        .public_key
        .as_deref()
        .map(KeyRing::load)
        .transpose()?;
    let discovered = discover::sources(&config.paths, &Filter::default(), &config.s3)?;
    let verification =
        pipeline::pool(config.threads)?.install(|| verify::run(&discovered.sources, keys.as_ref()));
    let what = format!("{} verification report", config.format.as_str());
    emit(config.output.as_deref(), &what, messages, |out| {
        report::verify::write(
            &verification,
            &config.provenance,
            config.format,
            config.style,
            out,
        )
    })?;
    let mut outcome = Outcome::Clean;
    for source in &discovered.sources {
        if let Some(reason) = source.unreadable_reason() {
            messages.error(format_args!(
                "{}: cannot read: {}",
                terminal(&source.display()),
                terminal(reason)
            ));
            outcome = Outcome::Incomplete;
        }
    }
    if !verification.verifiable() {
        let logs = verification.files.len() as u64;
        let found = if logs > 0 {
            format!(
                " ({} found, none can be checked without the digest that lists it)",
                plural(logs, "log file")
            )
        } else {
            String::new()
        };
        messages.error(format_args!(
            "nothing to verify: no digest files under {}{found}",
            given(&config.paths)
        ));
        return Ok(Outcome::Incomplete);
    }
    let problems = problems(&verification);
    for line in &problems {
        messages.error(line);
    }
    if outcome == Outcome::Clean && !problems.is_empty() {
        outcome = Outcome::Findings;
    }
    Ok(outcome)
}

/// What a verification found wrong, for standard error: a verdict line with the counts, then one
/// line per problem (the first 20). Empty when everything verifiable is intact.
pub(crate) fn problems(v: &Verification) -> Vec<String> {
    const SHOWN: usize = 20;
    if v.intact() || !v.verifiable() {
        return Vec::new();
    }
    let s = v.summary();
    let counts: Vec<String> = [
        (s.modified, "log file modified", "log files modified"),
        (s.missing, "log file missing", "log files missing"),
        (s.unreadable, "log file unreadable", "log files unreadable"),
        (
            s.digests_unreadable,
            "digest unreadable",
            "digests unreadable",
        ),
        (
            s.chain_breaks,
            "break in the digest chain",
            "breaks in the digest chain",
        ),
        (
            s.signatures_invalid,
            "invalid signature",
            "invalid signatures",
        ),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    let mut details = Vec::new();
    for f in &v.files {
        let state = match f.state {
            FileState::Modified | FileState::Missing | FileState::Unreadable => f.state.as_str(),
            FileState::Verified | FileState::Unverified => continue,
        };
        details.push(format!(
            "{state}: {}: {}",
            terminal(f.path.as_deref().unwrap_or(f.key.as_str())),
            terminal(f.detail.as_deref().unwrap_or(""))
        ));
    }
    for d in &v.digests {
        if !d.readable {
            details.push(format!(
                "unreadable digest: {}: {}",
                terminal(&d.path),
                terminal(d.note.as_deref().unwrap_or(""))
            ));
        } else if d.signature == SignatureState::Invalid {
            details.push(format!(
                "invalid signature: {}: {}",
                terminal(&d.key),
                terminal(d.note.as_deref().unwrap_or(""))
            ));
        }
    }
    for b in &v.breaks {
        details.push(format!(
            "digest chain broken at {}: {}",
            terminal(&b.digest),
            terminal(&b.problem)
        ));
    }
    let mut lines = vec![format!("integrity problems: {}", counts.join(", "))];
    let more = details.len().saturating_sub(SHOWN);
    lines.extend(details.into_iter().take(SHOWN));
    if more > 0 {
        lines.push(format!(
            "and {more} more (tip-audit verify --format json lists every one)"
        ));
    }
    lines
}
