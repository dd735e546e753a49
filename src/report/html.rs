//! `--format html`: one self-contained page (no script, no network) with the summary, findings,
//! shared roles and each finding's chain drawn as inline SVG; its header names the provenance
//! (tool, inputs, filters, policy file). Every log string is escaped.
#![allow(clippy::write_with_newline)] // HTML is built as text; its newlines are part of the markup

use std::fmt::Write as _;
use std::io::Write;

use super::chains::{delegated, edge_label};
use super::layout::count;
use super::sanitize::is_unsafe;
use super::{Provenance, Report};
use crate::link::Status;
use crate::link::tree::{ChainView, Node};

/// Escapes text for HTML content and attribute values; what the terminal shows escaped
/// (controls, bidi overrides, zero-width characters: [`is_unsafe`]) is shown as `\u{…}` here too.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem;color:#1a202c;background:#fafafa}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.sub{color:#555;margin-top:0}table{border-collapse:collapse;margin:.5rem 0;background:#fff}
td,th{border:1px solid #ddd;padding:.3rem .6rem;font-size:.85rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}.sev-high{color:#fff;background:#c0392b}.sev-medium{background:#f6c343}.sev-low{background:#bcd4f6}
.bar{display:flex;height:1.2rem;width:100%;max-width:48rem;border:1px solid #ccc;margin:.5rem 0}
.bar div{height:100%}.propagated{background:#48bb78}.reconstructable{background:#ecc94b}.lost{background:#e53e3e}
.unattributed{background:#a0aec0}.service{background:#e2e8f0}.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.finding{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
.finding h3{margin:.1rem 0 .5rem 0;font-size:1rem}code{font-size:.85rem}svg{max-width:100%}
";

/// Writes the page.
pub(super) fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.summary;
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>tip-audit report</title><style>{STYLE}</style></head><body>\n\
         <h1>tip-audit: trusted identity propagation audit</h1>\n\
         <p class=\"sub\">{} · {} ({}) · {} · {} · {} · {}</p>\n",
        esc(&super::table::files_read(report)),
        count(s.events, "event", "events"),
        count(s.duplicates, "duplicate", "duplicates"),
        count(s.humans, "person", "people"),
        count(s.sessions, "session", "sessions"),
        count(s.chains, "chain", "chains"),
        count(report.findings.len() as u64, "finding", "findings")
    );
    page.push_str(&provenance(&report.provenance));

    page.push_str("<h2>Coverage</h2>\n<div class=\"bar\" id=\"coverage\">");
    let total: u64 = s.coverage.values().sum::<u64>().max(1);
    for status in Status::ALL {
        let n = s.coverage.get(&status).copied().unwrap_or(0);
        let _ = write!(
            page,
            "<div class=\"{0}\" style=\"width:{1:.2}%\" title=\"{0}: {2}\"></div>",
            status.as_str(),
            100.0 * n as f64 / total as f64,
            n
        );
    }
    page.push_str("</div><div class=\"legend\">");
    for status in Status::ALL {
        let n = s.coverage.get(&status).copied().unwrap_or(0);
        let _ = write!(
            page,
            "<span><i class=\"{0}\"></i>{0}: {1}</span>",
            status.as_str(),
            n
        );
    }
    page.push_str("</div>\n");

    let _ = write!(page, "<h2>Findings ({})</h2>\n", report.findings.len());
    if report.findings.is_empty() {
        page.push_str("<p>No findings.</p>\n");
    }
    for (i, f) in report.findings.iter().enumerate() {
        let _ = write!(
            page,
            "<div class=\"finding\" id=\"finding-{i}\"><h3><span class=\"sev-{sev}\">&nbsp;{sev}&nbsp;</span> {kind} · {human}</h3>\n\
             <table><tr><th>role</th><td><code>{role}</code></td></tr><tr><th>service</th><td>{service}</td></tr>\
             <tr><th>link</th><td>{link}</td></tr><tr><th>break event</th><td><code>{event}</code> at {time}</td></tr>\
             <tr><th>events after the break</th><td>{events}</td></tr><tr><th>accounts</th><td>{accounts}</td></tr>\
             <tr><th>chain</th><td><code>{chain}</code></td></tr></table>\n",
            sev = f.severity.as_str(),
            kind = f.kind.as_str(),
            human = esc(&match f.human {
                Some(_) => f.person_shown(),
                None => "(nobody)".to_owned(),
            }),
            role = esc(f.role_arn.as_deref().unwrap_or("-")),
            service = esc(&f.service),
            link = f.link.map_or("-", |l| l.as_str()),
            event = esc(f.break_event_id.as_deref().unwrap_or("-")),
            time = f.break_time.map_or("-".to_owned(), |t| t
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()),
            events = f.events_after_break,
            accounts = esc(&f.accounts.join(", ")),
            chain = esc(f.chain_id.as_deref().unwrap_or("-")),
        );
        let chain = f
            .chain_id
            .as_deref()
            .and_then(|id| report.chains.iter().find(|c| c.id == id));
        if let Some(chain) = chain {
            page.push_str(&svg(chain, f.break_event_id.as_deref(), i));
        }
        page.push_str("</div>\n");
    }

    if !report.shared_roles.is_empty() {
        page.push_str("<h2>Shared roles</h2>\n<table><tr><th>role</th><th>status</th><th>people</th><th>chains</th><th>events</th><th>assumed by</th></tr>\n");
        for r in &report.shared_roles {
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td class=\"{status}\">{status}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.role_arn),
                r.humans,
                r.chains,
                r.events,
                esc(&r.services.join(", ")),
                status = r.status.as_str(),
            );
        }
        page.push_str("</table>\n");
    }
    if !report.files.is_empty() {
        page.push_str("<h2>Files not audited</h2>\n<table><tr><th>file</th><th>status</th><th>reason</th></tr>\n");
        for f in &report.files {
            let status = super::table::file_status(f.status);
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td>{status}</td><td>{}</td></tr>",
                esc(&f.path),
                esc(&f.reason)
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str("<p class=\"sub\">Generated by tip-audit. Statuses: propagated (names the person), reconstructable (only through STS lineage), lost (a service's own role), unattributed, service.</p>\n</body></html>\n");
    out.write_all(page.as_bytes())
}

/// The header's provenance line: tool and version, inputs as given, filters, policy file and
/// its SHA-256. No time of day: the page is the same bytes on every run over the same logs.
fn provenance(p: &Provenance) -> String {
    let policy = match &p.policy {
        Some(used) => format!(
            "{} (sha256 <code>{}</code>{})",
            esc(&used.path),
            esc(&used.sha256),
            if used.source == "current_directory" {
                ", found in the current directory"
            } else {
                ""
            }
        ),
        None => "none".to_owned(),
    };
    format!(
        "<p class=\"sub\" id=\"provenance\">{} {} · inputs: {} · filters: {} · policy: {policy}</p>\n",
        esc(p.tool.name),
        esc(p.tool.version),
        esc(&p.inputs.join(", ")),
        esc(&p.filters_text()),
    )
}

const BOX_W: usize = 250;
const BOX_H: usize = 56;
const GAP_X: usize = 120;
const GAP_Y: usize = 18;

fn colors(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Lost => ("#fde2e1", "#c0392b"),
        Status::Reconstructable => ("#fff4d6", "#b7791f"),
        Status::Propagated => ("#e3f6e8", "#2f855a"),
        Status::Unattributed | Status::Service => ("#f2f2f2", "#777777"),
    }
}

fn short(node: &Node) -> String {
    let text = match node.principal.split_once(":assumed-role/") {
        Some((_, rest)) => rest,
        None => node.principal.rsplit(':').next().unwrap_or(&node.principal),
    };
    let mut shown: String = text.chars().take(36).collect();
    if text.chars().count() > 36 {
        shown.push('…');
    }
    shown
}

/// The chain as boxes (sessions) joined by edges labelled with their kind and how sure the link is
/// (`exact`, `inferred`, `ambiguous`, as in `chains --format dot`), the break marked. Hovering a
/// box or an edge shows its full text (`<title>`). `n` numbers the drawing in the page, so that
/// its ids are unique.
fn svg(chain: &ChainView, break_event: Option<&str>, n: usize) -> String {
    let depth = chain.nodes.iter().map(|n| n.depth).max().unwrap_or(0);
    let width = (depth + 1) * (BOX_W + GAP_X) + 20;
    let height = chain.nodes.len() * (BOX_H + GAP_Y) + 20;
    let position = |i: usize| {
        let node = &chain.nodes[i];
        (10 + node.depth * (BOX_W + GAP_X), 10 + i * (BOX_H + GAP_Y))
    };
    let arrow = format!("arrow-{n}");
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chain\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"chain {id}\">\
         <title>chain {id} · {human}</title>\
         <defs><marker id=\"{arrow}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n",
        id = esc(&chain.id),
        human = esc(&chain.human),
    );
    for (i, node) in chain.nodes.iter().enumerate() {
        let Some(parent) = node.parent else { continue };
        let (px, py) = position(parent);
        let (x, y) = position(i);
        let (x1, y1, x2, y2) = (px + BOX_W, py + BOX_H / 2, x, y + BOX_H / 2);
        let stroke = if node.is_break {
            "#c0392b\" stroke-dasharray=\"6 4"
        } else {
            "#555"
        };
        let mut title = esc(&edge_label(node));
        if let Some(service) = &node.service {
            let _ = write!(title, ", assumed by {}", esc(service));
        }
        if let Some(via) = &node.via_event_id {
            let _ = write!(title, ", via event {}", esc(via));
        }
        let _ = write!(
            svg,
            "<g class=\"edge\"><title>{title}</title>\
             <path d=\"M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\" marker-end=\"url(#{arrow})\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#333\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#555\">{}</text></g>\n",
            x1 + GAP_X / 2,
            x2 - GAP_X / 2,
            x1 + 6,
            y2 - 15,
            node.edge.map_or("", |e| e.as_str()),
            x1 + 6,
            y2 - 4,
            node.link.map_or("", |l| l.as_str()),
        );
    }
    for (i, node) in chain.nodes.iter().enumerate() {
        let (x, y) = position(i);
        let (fill, border) = colors(node.status);
        let marked = node.is_break
            || (break_event.is_some() && node.first_event_id.as_deref() == break_event);
        let width = if marked { 3 } else { 1 };
        let evidence = node
            .evidence
            .map_or(String::new(), |e| format!(" · {}", e.as_str()));
        let events = count(node.events, "event", "events");
        let _ = write!(
            svg,
            "<g class=\"session {status}\"><title>{title}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{border}\" stroke-width=\"{width}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\">{status}{evidence} · {events}{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#555\">{}</text></g>\n",
            x + 8,
            y + 17,
            esc(&short(node)),
            x + 8,
            y + 32,
            if node.is_break {
                " · identity lost here"
            } else {
                ""
            },
            x + 8,
            y + 47,
            esc(&match delegated(node) {
                Some(d) => format!("{} · {d}", node.accounts.join(", ")),
                None => node.accounts.join(", "),
            }),
            status = node.status.as_str(),
            title = node_title(node, &evidence, &events),
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Everything a box stands for, one fact a line, escaped: shown when the box is hovered.
fn node_title(node: &Node, evidence: &str, events: &str) -> String {
    let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut lines = vec![esc(&node.principal)];
    if let Some(role) = &node.role {
        lines.push(format!("role {}", esc(role)));
    }
    lines.push(format!("{}{evidence} · {events}", node.status.as_str()));
    if let (Some(first), Some(last)) = (node.first_time, node.last_time) {
        lines.push(format!("{} .. {}", time(first), time(last)));
    }
    if let Some(id) = &node.first_event_id {
        lines.push(format!("first event {}", esc(id)));
    }
    if !node.accounts.is_empty() {
        lines.push(format!("accounts {}", esc(&node.accounts.join(", "))));
    }
    if let Some(d) = delegated(node) {
        lines.push(format!("{} (invokedByDelegate)", esc(&d)));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x')</script>&\u{1b}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\\u{001b}"
        );
    }

    // Issue 13, item 8: the HTML escaped ESC but left bidi overrides raw.
    #[test]
    fn escapes_bidi_overrides_and_zero_width_as_the_terminal_does() {
        assert_eq!(esc("evil\u{202e}gnp.exe"), "evil\\u{202e}gnp.exe");
        assert_eq!(esc("ad\u{200b}min"), "ad\\u{200b}min");
    }
}
