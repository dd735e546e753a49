//! Identity Center users, from the JSON that `aws identitystore list-users` prints
//! (`{"Users":[{"UserId","UserName","DisplayName","Emails":[{"Value"}]}],"NextToken":…}`),
//! pages concatenated or not. Only maps ids to names; never decides who acted.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// One user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// The immutable id (`onBehalfOf.userId`).
    #[serde(rename = "UserId")]
    pub user_id: String,
    /// The sign-in name.
    #[serde(rename = "UserName", default)]
    pub user_name: Option<String>,
    /// The display name.
    #[serde(rename = "DisplayName", default)]
    pub display_name: Option<String>,
    /// E-mail addresses.
    #[serde(rename = "Emails", default)]
    pub emails: Vec<Email>,
}

/// An e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Email {
    /// The address.
    #[serde(rename = "Value", default)]
    pub value: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "Users", default)]
    users: Vec<User>,
}

/// The users known from `--users`.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    users: BTreeMap<String, User>,
}

impl Directory {
    /// Reads a `list-users` export (one page, or pages one after another).
    pub fn load(path: &Path) -> anyhow::Result<Directory> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Directory::parse(&bytes).with_context(|| {
            format!(
                "{}: not `aws identitystore list-users` output",
                path.display()
            )
        })
    }

    /// Parses the export.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<Directory> {
        let mut directory = Directory::default();
        for page in serde_json::Deserializer::from_slice(bytes).into_iter::<Page>() {
            for user in page?.users {
                directory.users.insert(user.user_id.clone(), user);
            }
        }
        Ok(directory)
    }

    /// The user with this id.
    pub fn get(&self, user_id: &str) -> Option<&User> {
        self.users.get(user_id)
    }

    /// Ids of users whose id, user name, display name or e-mail is `text` (case-insensitive
    /// for names and addresses).
    pub fn find(&self, text: &str) -> Vec<&str> {
        let wanted = text.to_lowercase();
        self.users
            .values()
            .filter(|u| {
                u.user_id == text
                    || u.user_name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase() == wanted)
                    || u.display_name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase() == wanted)
                    || u.emails.iter().any(|e| {
                        e.value
                            .as_deref()
                            .is_some_and(|v| v.to_lowercase() == wanted)
                    })
            })
            .map(|u| u.user_id.as_str())
            .collect()
    }

    /// Id → user name, for display.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.users.values().filter_map(|u| {
            Some((
                u.user_id.as_str(),
                u.user_name.as_deref().or(u.display_name.as_deref())?,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_concatenated_pages() {
        let pages = br#"{"Users":[{"IdentityStoreId":"d-9067a1b2c3","UserId":"b2c3d4e5-6789-01ab-cdef-222222222222",
            "UserName":"alice@example.com","DisplayName":"Alice Example","Emails":[{"Value":"alice@example.com","Type":"work","Primary":true}]}],
            "NextToken":"abc"}
            {"Users":[{"IdentityStoreId":"d-9067a1b2c3","UserId":"c3d4e5f6-7890-12ab-cdef-333333333333","UserName":"dave"}]}"#;
        let directory = Directory::parse(pages).expect("valid export");
        assert_eq!(
            directory.find("Alice Example"),
            ["b2c3d4e5-6789-01ab-cdef-222222222222"]
        );
        assert_eq!(
            directory.find("ALICE@example.com"),
            ["b2c3d4e5-6789-01ab-cdef-222222222222"]
        );
        assert_eq!(
            directory.find("dave"),
            ["c3d4e5f6-7890-12ab-cdef-333333333333"]
        );
        assert_eq!(directory.names().count(), 2);
    }
}
