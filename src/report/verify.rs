//! Rendering of `tip-audit verify` results: table, JSON (`tip-audit/verify/v1`), CSV.

use std::io::Write;

use comfy_table::Cell;
use serde::Serialize;

use super::layout::{self, count};
use super::sanitize::terminal;
use super::{Format, Provenance, Style, csv, new_table, unsupported};
use crate::verify::{ChainBreak, DigestCheck, FileCheck, FileState, Verification, VerifySummary};

/// Renders a verification; the JSON document carries `provenance`.
pub fn write(
    v: &Verification,
    provenance: &Provenance,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table(v, style, out),
        Format::Json => json(v, provenance, out),
        Format::Csv => csv_rows(v, out),
        other => Err(unsupported(other, "verify")),
    }
}

fn table(v: &Verification, style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let s = v.summary();
    writeln!(
        out,
        "{}",
        layout::prose(&format!(
            "tip-audit verify: {} verified, {} modified, {} missing, {} unverified, {} unreadable",
            count(s.verified, "log file", "log files"),
            s.modified,
            s.missing,
            s.unverified,
            s.unreadable
        ))
    )?;
    writeln!(
        out,
        "{}",
        layout::prose(&format!(
            "{}, {}; signatures: {} valid, {} invalid, {} not checked",
            count(s.digests, "digest", "digests"),
            count(s.chain_breaks, "chain break", "chain breaks"),
            s.signatures_valid,
            s.signatures_invalid,
            s.signatures_unchecked
        ))
    )?;
    writeln!(
        out,
        "{}\n",
        if !v.verifiable() {
            "NOTHING VERIFIED: no digest files given."
        } else if v.intact() {
            "Everything verifiable is intact."
        } else {
            "INTEGRITY PROBLEMS FOUND."
        }
    )?;
    // Unverified files are listed one by one only when they are few; the JSON and CSV list all.
    let unverified = v
        .files
        .iter()
        .filter(|f| f.state == FileState::Unverified)
        .count();
    let show_unverified = unverified <= 10;
    let problems: Vec<&FileCheck> = v
        .files
        .iter()
        .filter(|f| f.state != FileState::Verified)
        .filter(|f| show_unverified || f.state != FileState::Unverified)
        .collect();
    if !show_unverified {
        writeln!(
            out,
            "{unverified} log files are listed in no digest given (--format json or csv lists them).\n"
        )?;
    }
    if !problems.is_empty() {
        let mut t = new_table(style);
        t.set_header(vec!["log file", "state", "detail"]);
        for f in problems {
            t.add_row(vec![
                Cell::new(terminal(f.path.as_deref().unwrap_or(&f.key))),
                Cell::new(f.state.as_str()),
                Cell::new(terminal(f.detail.as_deref().unwrap_or(""))),
            ]);
        }
        writeln!(out, "Log files not verified\n{t}\n")?;
    }
    if !v.breaks.is_empty() {
        let mut t = new_table(style);
        t.set_header(vec!["digest", "chain break"]);
        for b in &v.breaks {
            t.add_row(vec![
                Cell::new(terminal(&b.digest)),
                Cell::new(terminal(&b.problem)),
            ]);
        }
        writeln!(out, "Digest chain\n{t}\n")?;
    }
    if !v.digests.is_empty() {
        let mut t = new_table(style);
        t.set_header(vec!["digest", "end time", "log files", "signature", "note"]);
        for d in &v.digests {
            t.add_row(vec![
                Cell::new(terminal(&d.key)),
                Cell::new(terminal(d.end_time.as_deref().unwrap_or("-"))),
                Cell::new(d.log_files),
                Cell::new(format!("{:?}", d.signature).to_lowercase()),
                Cell::new(terminal(d.note.as_deref().unwrap_or(""))),
            ]);
        }
        writeln!(out, "Digests\n{t}")?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Document<'v> {
    schema: &'static str,
    provenance: &'v Provenance,
    intact: bool,
    summary: VerifySummary,
    files: &'v [FileCheck],
    digests: &'v [DigestCheck],
    chain_breaks: &'v [ChainBreak],
}

fn json(v: &Verification, provenance: &Provenance, out: &mut dyn Write) -> std::io::Result<()> {
    let document = Document {
        schema: "tip-audit/verify/v1",
        provenance,
        intact: v.intact(),
        summary: v.summary(),
        files: &v.files,
        digests: &v.digests,
        chain_breaks: &v.breaks,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

fn csv_rows(v: &Verification, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(csv::row(["kind", "key", "path", "state", "detail"]).as_bytes())?;
    for f in &v.files {
        let row = csv::row([
            "log_file",
            &f.key,
            f.path.as_deref().unwrap_or(""),
            f.state.as_str(),
            f.detail.as_deref().unwrap_or(""),
        ]);
        out.write_all(row.as_bytes())?;
    }
    for d in &v.digests {
        let state = format!("signature_{:?}", d.signature).to_lowercase();
        out.write_all(
            csv::row([
                "digest",
                &d.key,
                &d.path,
                &state,
                d.note.as_deref().unwrap_or(""),
            ])
            .as_bytes(),
        )?;
    }
    for b in &v.breaks {
        out.write_all(csv::row(["chain_break", &b.digest, "", "break", &b.problem]).as_bytes())?;
    }
    Ok(())
}
