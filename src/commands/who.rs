//! `tip-audit who`: the person behind an event, an access key, a session or a source address,
//! and the path from their sign-in to it. Events are found by id in a second pass over the files;
//! keys, sessions and addresses in what the first pass kept. Anything asked about that the logs
//! do not hold is said on standard error, and the exit status is 2: never an empty success.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::{Messages, Outcome, check_input, completeness, emit, given, note_policy};
use crate::config::WhoConfig;
use crate::link::Locator;
use crate::pipeline;
use crate::report;
use crate::report::sanitize::terminal;
use crate::who::{self, Answer, NotFound, Selector};

/// Prints who is behind what the settings ask about.
pub fn run(config: &WhoConfig, messages: Messages) -> anyhow::Result<Outcome> {
    note_policy(&config.input, messages);
    if !config.events.is_empty() {
        pipeline::require_rereadable(&config.input, "who --event")?;
    }
    let analysis = pipeline::analyze(&config.input, None)?;
    // The input's problems first: an id cannot be found in logs that could not be read.
    if !check_input(&analysis.report, &config.input, messages) {
        return Ok(Outcome::Incomplete);
    }
    let graph = &analysis.graph;
    let mut unread = Vec::new();
    let found = if config.events.is_empty() {
        Vec::new()
    } else {
        let wanted: BTreeSet<&str> = config.events.iter().map(String::as_str).collect();
        let locator = Locator::new(graph);
        let filter = &config.input.filter;
        let mut found = Vec::new();
        unread = pipeline::for_each_record(
            &analysis.sources,
            &config.input,
            |_path, _index, record, out| {
                who::collect_events(&locator, &wanted, filter, record, out);
            },
            |file_events| {
                found.extend(file_events);
                Ok(())
            },
        )?;
        who::unique(found)
    };

    // Events, keys, sessions, addresses, each in the order given.
    let asked = config
        .events
        .iter()
        .map(|id| (Selector::Event, id.clone()))
        .chain(config.keys.iter().map(|key| (Selector::Key, key.clone())))
        .chain(
            config
                .sessions
                .iter()
                .map(|arn| (Selector::Session, arn.clone())),
        )
        .chain(config.ips.iter().map(|ip| (Selector::Ip, ip.to_string())));
    let mut answers: Vec<Answer> = Vec::new();
    let mut not_found: Vec<NotFound> = Vec::new();
    let mut seen: BTreeSet<(Selector, String)> = BTreeSet::new();
    for (selector, value) in asked {
        // The same indicator twice is answered once.
        if !seen.insert((selector, value.clone())) {
            continue;
        }
        let answer = match selector {
            Selector::Event => who::by_event(graph, &value, &found),
            Selector::Key => who::by_key(graph, &value),
            Selector::Session => who::by_session(graph, &value),
            Selector::Ip => value
                .parse::<IpAddr>()
                .ok()
                .and_then(|ip| who::by_ip(graph, ip)),
        };
        match answer {
            Some(answer) => answers.push(answer),
            None => not_found.push(NotFound::new(selector, &value)),
        }
    }

    let filter = &config.input.filter;
    let filtered = filter.since.is_some()
        || filter.until.is_some()
        || !filter.accounts.is_empty()
        || !filter.regions.is_empty();
    let within = if filtered {
        " (within the filters)"
    } else {
        ""
    };
    let inputs = given(&config.input.paths);
    for missing in &not_found {
        messages.error(format_args!(
            "--{} {}: not in {inputs}{within}: {}",
            missing.selector.as_str(),
            terminal(&missing.value),
            missing.reason
        ));
    }
    if answers.is_empty() {
        return Ok(super::after_second_pass(
            &unread,
            messages,
            Outcome::Incomplete,
        ));
    }
    let what = format!("{} who", config.format.as_str());
    emit(config.output.as_deref(), &what, messages, |out| {
        report::who::write(
            &answers,
            &not_found,
            &config.input.provenance,
            config.format,
            config.style,
            out,
        )
    })?;
    let outcome = if not_found.is_empty() {
        completeness(&analysis.report)
    } else {
        Outcome::Incomplete
    };
    Ok(super::after_second_pass(&unread, messages, outcome))
}
