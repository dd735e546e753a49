//! `tip-audit timeline`: every event of one person's sessions, or of what an indicator touched
//! (an access key or a session and the chains around them, an address, a user agent), in time
//! order, by a second pass over the files.

use super::{Messages, Outcome, check_input, completeness, emit, note_policy};
use crate::config::TimelineConfig;
use crate::pipeline;
use crate::report;
use crate::report::sanitize::terminal;
use crate::timeline::{self, Heading, Pivot};
use crate::who;

/// Prints the timeline of the people and indicators the settings name.
pub fn run(config: &TimelineConfig, messages: Messages) -> anyhow::Result<Outcome> {
    note_policy(&config.input, messages);
    pipeline::require_rereadable(&config.input, "timeline")?;
    let analysis = pipeline::analyze(&config.input, None)?;
    // The input's problems first: a person cannot be found in logs that could not be read.
    if !check_input(&analysis.report, &config.input, messages) {
        return Ok(Outcome::Incomplete);
    }
    let graph = &analysis.graph;
    let humans = match &config.human {
        Some(text) => analysis.humans_named(text)?,
        None => Vec::new(),
    };
    let mut places = timeline::places(graph, &humans);
    // A key or a session brings the chains around it; one the logs do not hold is an error, as
    // a person they do not name is.
    let inputs = super::given(&config.input.paths);
    let mut around = Vec::new();
    let mut missing = Vec::new();
    let mut pivots = Vec::new();
    for key in &config.keys {
        let sessions = who::sessions_with_key(graph, key);
        if sessions.is_empty() {
            missing.push(format!(
                "--key {}: not in {inputs}: no call made with this access key",
                terminal(key)
            ));
        }
        around.extend(sessions);
        pivots.push(Pivot {
            selector: "key",
            value: key.clone(),
        });
    }
    for arn in &config.sessions {
        let sessions = who::sessions_with_arn(graph, arn);
        if sessions.is_empty() {
            missing.push(format!(
                "--session {}: not in {inputs}: no session with this principal ARN",
                terminal(arn)
            ));
        }
        around.extend(sessions);
        pivots.push(Pivot {
            selector: "session",
            value: arn.clone(),
        });
    }
    if !missing.is_empty() {
        for line in missing {
            messages.error(line);
        }
        return Ok(Outcome::Incomplete);
    }
    places.extend(timeline::places_around(graph, &around));
    for ip in &config.ips {
        pivots.push(Pivot {
            selector: "ip",
            value: ip.to_string(),
        });
    }
    for agent in &config.user_agents {
        pivots.push(Pivot {
            selector: "user_agent",
            value: agent.clone(),
        });
    }
    let selection = timeline::Selection::new(graph, places, &config.ips, &config.user_agents);
    let filter = &config.input.filter;
    let mut rows = Vec::new();
    let unread = pipeline::for_each_record(
        &analysis.sources,
        &config.input,
        |path, index, record, out| {
            timeline::rows_of(&selection, filter, path, index, record, out);
        },
        |file_rows| {
            rows.extend(file_rows);
            Ok(())
        },
    )?;
    let rows = timeline::finish(rows);
    // An address or a tool that no event came from is not in these logs either.
    for ip in &config.ips {
        let seen = rows.iter().any(|r| {
            r.source_address
                .as_deref()
                .is_some_and(|a| timeline::address_matches(a, *ip))
        });
        if !seen {
            missing.push(format!(
                "--ip {ip}: not in {inputs}: no event from this address"
            ));
        }
    }
    for agent in &config.user_agents {
        let seen = rows.iter().any(|r| {
            r.user_agent
                .as_deref()
                .is_some_and(|a| timeline::agent_matches(a, agent))
        });
        if !seen {
            missing.push(format!(
                "--user-agent {}: not in {inputs}: no event whose user agent holds it",
                terminal(agent)
            ));
        }
    }
    if !missing.is_empty() {
        for line in missing {
            messages.error(line);
        }
        return Ok(Outcome::Incomplete);
    }
    if config.format == report::Format::Timesketch {
        let untimed = rows.iter().filter(|r| r.time.is_none()).count();
        if untimed > 0 {
            messages.note(format_args!(
                "{} without a readable eventTime left out: Timesketch needs a time on every line",
                super::plural(untimed as u64, "event")
            ));
        }
    }
    let heading = Heading {
        human: (!humans.is_empty()).then(|| {
            humans
                .iter()
                .map(|h| graph.display(h))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        pivots,
    };
    let what = format!("{} timeline", config.format.as_str());
    emit(config.output.as_deref(), &what, messages, |out| {
        report::timeline::write(
            &heading,
            &rows,
            &config.input.provenance,
            config.format,
            config.style,
            out,
        )
    })?;
    Ok(super::after_second_pass(
        &unread,
        messages,
        completeness(&analysis.report),
    ))
}
