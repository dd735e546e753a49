//! Workloads are not people (issue 12, item 5): a GitHub Actions or EKS web identity starts a
//! chain as a `workload`, is not counted among the people, and a person's own web identity
//! (a corporate OIDC provider) still is one.

use serde_json::{Value, json};

use crate::util::*;

const DEPLOY_ROLE: &str = "arn:aws:iam::444455556666:role/github-deploy";

/// `AssumeRoleWithWebIdentity` by a web identity, issuing `key` for the deploy role.
fn web_identity_story(provider: &str, subject: &str, key: &str) -> Vec<Value> {
    let caller = json!({
        "type": "WebIdentityUser",
        "principalId": format!("arn:aws:iam::444455556666:oidc-provider/{provider}:sts.amazonaws.com:{subject}"),
        "userName": subject,
        "identityProvider": format!("arn:aws:iam::444455556666:oidc-provider/{provider}")
    });
    let mut assume = event(
        "e7000000-0000-4000-8000-000000000001",
        "2026-03-02T10:00:00Z",
        "sts.amazonaws.com",
        "AssumeRoleWithWebIdentity",
        DATA,
        caller,
    );
    assume["requestParameters"] = json!({"roleArn": DEPLOY_ROLE,
        "roleSessionName": "GitHubActions", "durationSeconds": 3600});
    assume["responseElements"] = json!({
        "credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE",
                        "expiration": "Mar 2, 2026, 11:00:00 AM"},
        "subjectFromWebIdentityToken": subject,
        "assumedRoleUser": {"assumedRoleId": "AROAQEXAMPLEDEPLOY01:GitHubActions",
            "arn": "arn:aws:sts::444455556666:assumed-role/github-deploy/GitHubActions"},
        "provider": format!("arn:aws:iam::444455556666:oidc-provider/{provider}"),
        "audience": "sts.amazonaws.com"
    });
    let mut session = role_session(DEPLOY_ROLE, "GitHubActions", key, "2026-03-02T10:00:00Z");
    session["sessionContext"]["webIdFederationData"] = json!({
        "federatedProvider": format!("arn:aws:iam::444455556666:oidc-provider/{provider}"),
        "attributes": {}
    });
    let deploy = event(
        "e7000000-0000-4000-8000-000000000002",
        "2026-03-02T10:00:04Z",
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        DATA,
        session,
    );
    vec![assume, deploy]
}

fn scan_story(records: &[Value]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    write_trail_file(
        dir.path(),
        &trail_key(DATA, "1005", "0000000000000000"),
        records,
    );
    let (code, document) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{document:#}");
    document
}

#[test]
fn a_github_actions_subject_is_a_workload_not_a_person() {
    let subject = "repo:octo-org/payments:ref:refs/heads/main";
    let document = scan_story(&web_identity_story(
        "token.actions.githubusercontent.com",
        subject,
        "ASIAWO645SY5GITHUB01",
    ));
    assert_eq!(
        document["summary"]["humans"], 0,
        "{:#}",
        document["summary"]
    );
    assert_eq!(document["summary"]["workloads"], 1);
    let findings = document["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{document:#}");
    for finding in findings {
        assert_eq!(finding["human"], subject);
        assert_eq!(finding["principal_kind"], "workload", "{finding:#}");
    }
}

#[test]
fn an_eks_service_account_is_a_workload() {
    let document = scan_story(&web_identity_story(
        "oidc.eks.us-east-1.amazonaws.com/id/4F1C2A7B9D3E5F60718293A4B5C6D7E8",
        "system:serviceaccount:payments:api",
        "ASIAWO645SY5EKSPOD01",
    ));
    assert_eq!(document["summary"]["humans"], 0);
    assert_eq!(document["summary"]["workloads"], 1);
}

#[test]
fn a_person_signing_in_with_a_corporate_oidc_provider_is_still_a_person() {
    let document = scan_story(&web_identity_story(
        "login.example.com",
        "alice@example.com",
        "ASIAWO645SY5OIDCUSR1",
    ));
    assert_eq!(document["summary"]["humans"], 1);
    assert_eq!(document["summary"]["workloads"], 0);
    let findings = document["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["principal_kind"] == "person"),
        "{document:#}"
    );
}
