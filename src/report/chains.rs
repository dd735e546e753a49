//! `tip-audit chains`: session trees as an indented text tree, JSON, Graphviz dot or Mermaid.

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use super::layout::count;
use super::sanitize::{is_unsafe, terminal};
use super::{Format, Provenance, Style, unsupported};
use crate::link::Status;
use crate::link::tree::{ChainView, Node};

/// Renders chains; the JSON document carries `provenance`.
pub fn write(
    chains: &[ChainView],
    provenance: &Provenance,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text(chains, style, out),
        Format::Json => json(chains, provenance, out),
        Format::Dot => out.write_all(dot(chains).as_bytes()),
        Format::Mermaid => out.write_all(mermaid(chains).as_bytes()),
        other => Err(unsupported(other, "chains")),
    }
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or("-".to_owned(), |t| {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    })
}

/// The short name a node is drawn with: the role and session, or the principal.
fn short(node: &Node) -> &str {
    match node.principal.split_once(":assumed-role/") {
        Some((_, rest)) => rest,
        None => node.principal.rsplit(':').next().unwrap_or(&node.principal),
    }
}

/// What links a node to its parent and how surely: `service_trigger (inferred)`.
pub(super) fn edge_label(node: &Node) -> String {
    match (node.edge, node.link) {
        (Some(edge), Some(link)) => format!("{} ({})", edge.as_str(), link.as_str()),
        _ => String::new(),
    }
}

/// `delegate account 999988887777`: the product providers that made a session's calls with
/// delegated access (`invokedByDelegate`), if any.
pub(super) fn delegated(node: &Node) -> Option<String> {
    (!node.delegates.is_empty()).then(|| format!("delegate account {}", node.delegates.join(", ")))
}

fn text(chains: &[ChainView], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    if chains.is_empty() {
        return writeln!(out, "No chains.");
    }
    for chain in chains {
        writeln!(
            out,
            "{} {} ({}, {})",
            chain.id,
            terminal(&chain.human),
            chain.evidence.as_str(),
            count(chain.nodes.len() as u64, "session", "sessions")
        )?;
        for node in &chain.nodes {
            let indent = "  ".repeat(node.depth + 1);
            let arrow = if node.depth == 0 { "" } else { "└─ " };
            let status = node.status.as_str();
            let status = if style.color {
                match node.status {
                    Status::Lost => format!("\u{1b}[1;31m{status}\u{1b}[0m"),
                    Status::Reconstructable => format!("\u{1b}[33m{status}\u{1b}[0m"),
                    Status::Propagated => format!("\u{1b}[32m{status}\u{1b}[0m"),
                    _ => status.to_owned(),
                }
            } else {
                status.to_owned()
            };
            let link = edge_label(node);
            writeln!(
                out,
                "{indent}{arrow}{}  [{status}{}] {}, {} .. {}{}{}{}",
                terminal(short(node)),
                node.evidence
                    .map_or(String::new(), |e| format!(", {}", e.as_str())),
                count(node.events, "event", "events"),
                time(node.first_time),
                time(node.last_time),
                if link.is_empty() {
                    String::new()
                } else {
                    format!("  via {link}")
                },
                if node.is_break {
                    "  <- identity lost here"
                } else {
                    ""
                },
                delegated(node).map_or(String::new(), |d| format!("  ({})", terminal(&d))),
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Document<'c> {
    schema: &'static str,
    provenance: &'c Provenance,
    chains: &'c [ChainView],
}

fn json(chains: &[ChainView], provenance: &Provenance, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Document {
            schema: "tip-audit/chains/v1",
            provenance,
            chains,
        },
    )?;
    out.write_all(b"\n")
}

/// A string as a dot or Mermaid quoted label: only safe characters survive.
fn label(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' | '<' | '>' | '{' | '}' | '|' | '[' | ']' | '#' | ';' | '`' => '_',
            c if is_unsafe(c) => '_',
            c => c,
        })
        .collect()
}

fn node_text(node: &Node) -> String {
    format!(
        "{}\\n{}{} · {}{}",
        label(short(node)),
        node.status.as_str(),
        node.evidence
            .map_or(String::new(), |e| format!(" · {}", e.as_str())),
        count(node.events, "event", "events"),
        delegated(node).map_or(String::new(), |d| format!("\\n{}", label(&d))),
    )
}

fn dot(chains: &[ChainView]) -> String {
    let mut out = String::from(
        "digraph chains {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n",
    );
    for (c, chain) in chains.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{c} {{\n    label=\"{} · {}\";",
            label(&chain.id),
            label(&chain.human)
        );
        for (n, node) in chain.nodes.iter().enumerate() {
            let (fill, border) = match node.status {
                Status::Lost => ("#fde2e1", "#c0392b"),
                Status::Reconstructable => ("#fff4d6", "#b7791f"),
                Status::Propagated => ("#e3f6e8", "#2f855a"),
                _ => ("#f2f2f2", "#777777"),
            };
            let extra = if node.is_break { ", penwidth=3" } else { "" };
            let _ = writeln!(
                out,
                "    c{c}n{n} [label=\"{}\", fillcolor=\"{fill}\", color=\"{border}\"{extra}];",
                node_text(node)
            );
            if let Some(parent) = node.parent {
                let style = if node.is_break {
                    ", color=\"#c0392b\", style=dashed"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "    c{c}n{parent} -> c{c}n{n} [label=\"{}\"{style}];",
                    label(&edge_label(node))
                );
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

fn mermaid(chains: &[ChainView]) -> String {
    let mut out = String::from("flowchart LR\n");
    for (c, chain) in chains.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph c{c}[\"{} · {}\"]",
            label(&chain.id),
            label(&chain.human)
        );
        for (n, node) in chain.nodes.iter().enumerate() {
            let _ = writeln!(
                out,
                "    c{c}n{n}[\"{}\"]",
                node_text(node).replace("\\n", "<br/>")
            );
            if let Some(parent) = node.parent {
                let arrow = if node.is_break { "-.->" } else { "-->" };
                let _ = writeln!(
                    out,
                    "    c{c}n{parent} {arrow}|\"{}\"| c{c}n{n}",
                    label(&edge_label(node))
                );
            }
        }
        out.push_str("  end\n");
        for (n, node) in chain.nodes.iter().enumerate() {
            let _ = writeln!(out, "  class c{c}n{n} {};", node.status.as_str());
        }
    }
    out.push_str("  classDef lost fill:#fde2e1,stroke:#c0392b,stroke-width:3px;\n");
    out.push_str("  classDef reconstructable fill:#fff4d6,stroke:#b7791f;\n");
    out.push_str("  classDef propagated fill:#e3f6e8,stroke:#2f855a;\n");
    out.push_str("  classDef unattributed fill:#f2f2f2,stroke:#777777;\n");
    out.push_str("  classDef service fill:#f2f2f2,stroke:#777777;\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_nothing_that_could_break_out() {
        assert_eq!(label("a\"];evil[\"b\u{1b}"), "a___evil__b_");
        assert_eq!(label("Role/alice@example.com"), "Role/alice@example.com");
    }
}
