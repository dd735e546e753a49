//! Where a session's calls came from: each distinct source address with the user agent that
//! called from it (a *place*), the first call made from there and when the last one was.
//!
//! Collected while files are read ([`crate::estate`]) and read by the `exfiltrated_credentials`
//! rule ([`crate::findings`]), which compares the places of a machine's credentials with the
//! places of people's sessions. At most [`Places::MAX`] places are kept per session. Calls an AWS
//! service made for the session (`invokedBy`, a service name instead of an address) have no
//! place: they say nothing about where the credentials are.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Event, Origin};

/// One place calls came from: a source address and the tools (user agent) that called from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// `sourceIPAddress`.
    pub address: String,
    /// `userAgent`, without the brackets S3 data events put around it; empty when absent.
    pub user_agent: String,
    /// `eventID` of the first call from here.
    pub first_id: Option<String>,
    /// Its `eventTime`.
    pub first_time: Option<DateTime<Utc>>,
    /// Its `eventSource`.
    pub first_source: String,
    /// Where it is recorded.
    pub first_origin: Origin,
    /// When the last call from here was made.
    pub last_time: Option<DateTime<Utc>>,
}

impl Place {
    /// The order of first calls: time, then event id; calls without a time last.
    pub fn order(&self) -> (bool, Option<DateTime<Utc>>, Option<&str>) {
        (
            self.first_time.is_none(),
            self.first_time,
            self.first_id.as_deref(),
        )
    }
}

/// The places of one session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Places {
    /// In first-seen order.
    pub list: Vec<Place>,
    /// More places were seen than are kept.
    pub truncated: bool,
}

impl Places {
    /// Places kept per session: a machine calls from one or two, a person from a handful.
    pub const MAX: usize = 16;

    /// Notes where `event` came from.
    pub(crate) fn record(&mut self, event: &Event<'_>) {
        let Some(address) = event.source_address.as_deref() else {
            return;
        };
        if event.actor.invoked_by.is_some() {
            return;
        }
        let agent = user_agent(event.user_agent.as_deref());
        let found = self
            .list
            .iter()
            .position(|p| p.address == address && p.user_agent == agent);
        if let Some(i) = found {
            let place = &mut self.list[i];
            let earlier = (event.time.is_none(), event.time, event.id.as_deref()) < place.order();
            if earlier {
                place.first_id = event.id.as_deref().map(str::to_owned);
                place.first_time = event.time;
                place.first_source = event.source.to_string();
                place.first_origin = event.origin;
            }
            place.last_time = place.last_time.max(event.time);
            return;
        }
        // Service names (`ec2.amazonaws.com`) and `AWS Internal` are not places.
        if address.parse::<IpAddr>().is_err() {
            return;
        }
        if self.list.len() >= Self::MAX {
            self.truncated = true;
            return;
        }
        self.list.push(Place {
            address: address.to_owned(),
            user_agent: agent.to_owned(),
            first_id: event.id.as_deref().map(str::to_owned),
            first_time: event.time,
            first_source: event.source.to_string(),
            first_origin: event.origin,
            last_time: event.time,
        });
    }

    /// Adds another file's places of the same session.
    pub(crate) fn merge(&mut self, other: Places) {
        self.truncated |= other.truncated;
        for place in other.list {
            let found = self
                .list
                .iter()
                .position(|p| p.address == place.address && p.user_agent == place.user_agent);
            match found {
                Some(i) => {
                    let mine = &mut self.list[i];
                    let last = place.last_time;
                    if place.order() < mine.order() {
                        mine.first_id = place.first_id;
                        mine.first_time = place.first_time;
                        mine.first_source = place.first_source;
                        mine.first_origin = place.first_origin;
                    }
                    mine.last_time = mine.last_time.max(last);
                }
                None if self.list.len() < Self::MAX => self.list.push(place),
                None => self.truncated = true,
            }
        }
    }
}

/// A user agent as compared: S3 data events write it in brackets (`[aws-cli/2.22.0 …]`).
fn user_agent(text: Option<&str>) -> &str {
    let text = text.unwrap_or("");
    text.strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_of_s3_data_events_are_not_another_tool() {
        assert_eq!(
            user_agent(Some("[aws-cli/2.22.0 md/awscrt#0.23.0]")),
            "aws-cli/2.22.0 md/awscrt#0.23.0"
        );
        assert_eq!(user_agent(Some("Boto3/1.34.0")), "Boto3/1.34.0");
        assert_eq!(user_agent(None), "");
    }
}
