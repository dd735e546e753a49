//! The trigger table: calls after which an AWS service acts under a role of its own.
//!
//! Data, not code: the built-in table is `src/triggers.toml`, compiled in; users extend it in
//! their config file. Only answers "is this call a trigger, and which service principals follow it".

use serde::Deserialize;

/// The built-in table, as shipped.
const BUILTIN: &str = include_str!("triggers.toml");

/// One trigger rule.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// The call's `eventSource`.
    pub event_source: String,
    /// The call's `eventName`s.
    pub event_names: Vec<String>,
    /// Service principals that then assume roles (`invokedBy` of their `AssumeRole`).
    pub principals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    trigger: Vec<Trigger>,
}

/// All trigger rules in force.
#[derive(Debug, Clone)]
pub struct Triggers {
    rules: Vec<Trigger>,
}

impl Triggers {
    /// The built-in table.
    pub fn builtin() -> Triggers {
        // The table is part of the binary and a unit test parses it, so this cannot fail at run time.
        #[allow(clippy::expect_used)]
        let table: Table = toml::from_str(BUILTIN).expect("src/triggers.toml is valid");
        Triggers {
            rules: table.trigger,
        }
    }

    /// Adds rules (from a config file).
    pub fn extend(&mut self, rules: impl IntoIterator<Item = Trigger>) {
        self.rules.extend(rules);
    }

    /// The service principals that follow the call `source`/`name`, if it is a trigger.
    pub fn principals(&self, source: &str, name: &str) -> Option<Vec<&str>> {
        let principals: Vec<&str> = self
            .rules
            .iter()
            .filter(|t| t.event_source == source && t.event_names.iter().any(|n| n == name))
            .flat_map(|t| t.principals.iter().map(String::as_str))
            .collect();
        (!principals.is_empty()).then_some(principals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_maps_across_services() {
        let triggers = Triggers::builtin();
        assert_eq!(
            triggers.principals("redshift-data.amazonaws.com", "ExecuteStatement"),
            Some(vec![
                "redshift.amazonaws.com",
                "redshift-serverless.amazonaws.com"
            ])
        );
        assert_eq!(triggers.principals("glue.amazonaws.com", "GetTable"), None);
    }

    #[test]
    fn extensions_are_honoured() {
        let mut triggers = Triggers::builtin();
        triggers.extend([Trigger {
            event_source: "example.amazonaws.com".into(),
            event_names: vec!["StartThing".into()],
            principals: vec!["example.amazonaws.com".into()],
        }]);
        assert!(
            triggers
                .principals("example.amazonaws.com", "StartThing")
                .is_some()
        );
    }
}
