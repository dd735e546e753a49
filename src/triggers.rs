//! The trigger table: calls after which an AWS service acts under a role of its own, the
//! correlation tokens those calls write, and the configuring calls that are never a cause.
//!
//! Data, not code: the built-in table is `src/triggers.toml`, compiled in; users extend it in
//! their config file. Answers "is this call a trigger, which service principals follow it, how
//! late may it be logged, which ids tie it to the service's session", and "does this call only
//! configure a role the service uses on its own schedule".

use chrono::Duration;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The built-in table, as shipped (shard summaries carry its SHA-256).
pub(crate) const BUILTIN: &str = include_str!("triggers.toml");

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
    /// How long after the session it caused the call may be logged: CloudTrail logs a call when
    /// it completes, so a synchronous call (`lambda:Invoke`) can follow its effect. Absent: the
    /// clock-skew allowance (`--link-skew`).
    #[serde(default)]
    pub max_lag: Option<String>,
    /// The service renews a running job's credentials: a later session with the same role and
    /// session name, started before the first expires, is the same work, not a new effect.
    #[serde(default)]
    pub refreshes: bool,
    /// The service's session is a machine's (an EC2 instance): linked to the call that launched
    /// it, but its work is the machine's, never the launcher's request continuing.
    #[serde(default)]
    pub launches: bool,
    /// Ids the call writes that name the service's session: a link on them is exact.
    #[serde(default)]
    pub tokens: Vec<TokenRule>,
}

/// Where a correlation token is and how the service names its session after it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenRule {
    /// `responseElements.…`, `additionalEventData.…` or `requestParameters.…`; `[]` walks an array.
    pub path: String,
    /// Keep only what follows the last occurrence of this text (`/` for an ARN's id).
    #[serde(default)]
    pub after: Option<String>,
    /// The session name, with `{token}` for the token; a trailing `*` matches anything after.
    #[serde(default = "TokenRule::default_session_name")]
    pub session_name: String,
}

impl TokenRule {
    fn default_session_name() -> String {
        "{token}".to_owned()
    }

    /// The session-name key the token gives: the template with the token in and any trailing
    /// `*` cut off (see [`session_name_keys`]).
    fn session_key(&self, token: &str) -> String {
        self.session_name
            .trim_end_matches('*')
            .trim_end_matches(',')
            .replace("{token}", token)
    }
}

/// A configuring call: the roles it names are used by the service on its own schedule.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// The call's `eventSource`.
    pub event_source: String,
    /// The call's `eventName`s.
    pub event_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    trigger: Vec<Trigger>,
    #[serde(default)]
    configuration: Vec<Configuration>,
}

/// What the table says of one successful call that starts work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerFacts<'t> {
    /// Service principals that follow it.
    pub principals: Vec<&'t str>,
    /// How late it may be logged after its effect (`None`: the clock-skew allowance).
    pub max_lag: Option<Duration>,
    /// Whether the service refreshes the credentials of the work it starts.
    pub refreshes: bool,
    /// Whether it launches a machine.
    pub launches: bool,
    /// Session-name keys its tokens give.
    pub session_keys: Vec<String>,
}

/// All trigger rules in force.
#[derive(Debug, Clone)]
pub struct Triggers {
    rules: Vec<Trigger>,
    configuration: Vec<Configuration>,
}

impl Triggers {
    /// The built-in table.
    pub fn builtin() -> Triggers {
        // The table is part of the binary and a unit test parses it, so this cannot fail at run time.
        #[allow(clippy::expect_used)]
        let table: Table = toml::from_str(BUILTIN).expect("src/triggers.toml is valid");
        Triggers {
            rules: table.trigger,
            configuration: table.configuration,
        }
    }

    /// Adds rules (from a config file).
    pub fn extend(&mut self, rules: impl IntoIterator<Item = Trigger>) {
        self.rules.extend(rules);
    }

    /// The service principals that follow the call `source`/`name`, if it is a trigger.
    pub fn principals(&self, source: &str, name: &str) -> Option<Vec<&str>> {
        let principals: Vec<&str> = self
            .matching(source, name)
            .flat_map(|t| t.principals.iter().map(String::as_str))
            .collect();
        (!principals.is_empty()).then_some(principals)
    }

    /// Whether the call only configures roles that a service uses on its own schedule.
    pub fn configures(&self, source: &str, name: &str) -> bool {
        self.configuration
            .iter()
            .any(|c| c.event_source == source && c.event_names.iter().any(|n| n == name))
    }

    /// Everything the table says of a trigger call, with the tokens read from its record.
    pub fn facts(
        &self,
        source: &str,
        name: &str,
        record: &TokenFields<'_>,
    ) -> Option<TriggerFacts<'_>> {
        let mut facts = TriggerFacts::default();
        let mut any = false;
        for trigger in self.matching(source, name) {
            any = true;
            facts
                .principals
                .extend(trigger.principals.iter().map(String::as_str));
            let lag = trigger
                .max_lag
                .as_deref()
                .and_then(|text| humantime::parse_duration(text).ok())
                .and_then(|lag| Duration::from_std(lag).ok());
            facts.max_lag = facts.max_lag.max(lag);
            facts.refreshes |= trigger.refreshes;
            facts.launches |= trigger.launches;
            for rule in &trigger.tokens {
                for token in record.tokens_at(&rule.path, rule.after.as_deref()) {
                    facts.session_keys.push(rule.session_key(&token));
                }
            }
        }
        facts.session_keys.sort();
        facts.session_keys.dedup();
        any.then_some(facts)
    }

    /// The call that starts work for a service principal, as `service:Action`
    /// (`states:StartExecution`): what is missing when a session the service holds has no cause.
    pub fn call_starting(&self, principal: &str) -> Option<String> {
        let trigger = self
            .rules
            .iter()
            .find(|t| t.principals.iter().any(|p| p == principal))?;
        let service = trigger.event_source.split('.').next()?;
        Some(format!("{service}:{}", trigger.event_names.first()?))
    }

    fn matching(&self, source: &str, name: &str) -> impl Iterator<Item = &Trigger> {
        self.rules
            .iter()
            .filter(move |t| t.event_source == source && t.event_names.iter().any(|n| n == name))
    }
}

/// The keys under which a service session's name can match a token: the whole name, and the
/// part before the first `,` (EMR Serverless names its sessions `<jobRunId>,<attemptId>`).
pub fn session_name_keys(name: &str) -> Vec<&str> {
    let mut keys = vec![name];
    if let Some((head, _)) = name.split_once(',') {
        keys.push(head);
    }
    keys
}

/// The parts of a record token paths may name.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenFields<'a> {
    /// `requestParameters`.
    pub request: Option<&'a RawValue>,
    /// `responseElements`.
    pub response: Option<&'a RawValue>,
    /// `additionalEventData`.
    pub additional: Option<&'a RawValue>,
}

impl TokenFields<'_> {
    /// Every string at `path`, cut after the last `after` when given.
    fn tokens_at(&self, path: &str, after: Option<&str>) -> Vec<String> {
        let mut steps = path.split('.');
        let root = match steps.next() {
            Some("requestParameters") => self.request,
            Some("responseElements") => self.response,
            Some("additionalEventData") => self.additional,
            _ => None,
        };
        let Some(value) = root.and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok()) else {
            return Vec::new();
        };
        let mut found = vec![&value];
        for step in steps {
            let (key, each) = match step.strip_suffix("[]") {
                Some(key) => (key, true),
                None => (step, false),
            };
            found = found
                .into_iter()
                .filter_map(|v| v.get(key))
                .flat_map(|v| match (each, v) {
                    (true, Value::Array(items)) => items.iter().collect::<Vec<_>>(),
                    (true, _) => Vec::new(),
                    (false, v) => vec![v],
                })
                .collect();
        }
        found
            .into_iter()
            .filter_map(Value::as_str)
            .map(|s| match after.and_then(|a| s.rsplit_once(a)) {
                Some((_, tail)) => tail,
                None => s,
            })
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

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
        assert!(triggers.configures("cloudtrail.amazonaws.com", "UpdateTrail"));
        assert!(!triggers.configures("glue.amazonaws.com", "StartJobRun"));
    }

    #[test]
    fn extensions_are_honoured() {
        let mut triggers = Triggers::builtin();
        triggers.extend([Trigger {
            event_source: "example.amazonaws.com".into(),
            event_names: vec!["StartThing".into()],
            principals: vec!["example.amazonaws.com".into()],
            max_lag: None,
            refreshes: false,
            launches: false,
            tokens: Vec::new(),
        }]);
        assert!(
            triggers
                .principals("example.amazonaws.com", "StartThing")
                .is_some()
        );
    }

    #[test]
    fn ecs_task_ids_become_session_keys() {
        let response = raw(
            r#"{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:111122223333:task/prod/0f4a7c3e9b2d4e1f8a6b5c4d3e2f1a0b"},{"taskArn":"arn:aws:ecs:us-east-1:111122223333:task/prod/1a2b"}],"failures":[]}"#,
        );
        let fields = TokenFields {
            response: Some(&response),
            ..TokenFields::default()
        };
        let triggers = Triggers::builtin();
        let facts = triggers
            .facts("ecs.amazonaws.com", "RunTask", &fields)
            .unwrap();
        assert_eq!(
            facts.session_keys,
            vec!["0f4a7c3e9b2d4e1f8a6b5c4d3e2f1a0b", "1a2b"]
        );
        assert!(facts.refreshes);
    }

    #[test]
    fn codebuild_and_emr_serverless_names_follow_their_templates() {
        let build = raw(
            r#"{"build":{"id":"invoice-build:817f3b8c-54de-45c7-b547-05ace80ed7fd","arn":"arn:aws:codebuild:us-east-1:111122223333:build/invoice-build:817f3b8c-54de-45c7-b547-05ace80ed7fd"}}"#,
        );
        let fields = TokenFields {
            response: Some(&build),
            ..TokenFields::default()
        };
        let triggers = Triggers::builtin();
        let facts = triggers
            .facts("codebuild.amazonaws.com", "StartBuild", &fields)
            .unwrap();
        assert_eq!(
            facts.session_keys,
            vec!["AWSCodeBuild-817f3b8c-54de-45c7-b547-05ace80ed7fd"]
        );
        let run = raw(r#"{"applicationId":"00f1abcd","jobRunId":"00f1exjob2","arn":"x"}"#);
        let fields = TokenFields {
            response: Some(&run),
            ..TokenFields::default()
        };
        let facts = triggers
            .facts("emr-serverless.amazonaws.com", "StartJobRun", &fields)
            .unwrap();
        assert_eq!(facts.session_keys, vec!["00f1exjob2"]);
        assert!(session_name_keys("00f1exjob2,00f1attempt1").contains(&"00f1exjob2"));
    }

    #[test]
    fn a_lambda_invoke_may_be_logged_after_its_effect() {
        let triggers = Triggers::builtin();
        let facts = triggers
            .facts("lambda.amazonaws.com", "Invoke", &TokenFields::default())
            .unwrap();
        assert_eq!(facts.max_lag, Some(Duration::minutes(15)));
        let glue = triggers
            .facts("glue.amazonaws.com", "StartJobRun", &TokenFields::default())
            .unwrap();
        assert_eq!(glue.max_lag, None);
    }
}
