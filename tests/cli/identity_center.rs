//! Identity Center chains (issue 12, item 1): an application's `CreateTokenWithIAM` is the parent
//! of the Identity Center user's bearer-token calls with its credential id (`identity_token`,
//! exact); a portal `GetRoleCredentials` is the parent of Identity Center's `AssumeRoleWithSAML`
//! into that account and permission set a second later (`role_credentials`, inferred); and that
//! call is the parent of the role session even when the session uses another access key
//! (`rekeyed`, inferred). The person is one person, named by user id and shown by name where a
//! name is known; a chain an application started says which application.
//!
//! Records are shaped as CloudTrail writes them (the portal's `GetRoleCredentials` in its 2026
//! service-event form, Identity Center's `AssumeRoleWithSAML`, a captured `CreateTokenWithIAM`),
//! with ids of our own.

use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::*;

// People, ids, times ------------------------------------------------------------------------------

const STORE: &str = "arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3";
const ALICE_ID: &str = "e4c8a4f8-6011-7065-d2b9-7a3c5e1f9d08";
const BOB_ID: &str = "b4a8f4d8-3041-70e3-2c7d-1e9f0a6b5c22";
const DAVE_ID: &str = "94f8e4a8-d0a1-70c4-6b1f-5e2a7c9d0e13";
const ERIN_ID: &str = "04d8b4c8-1071-7012-9a3e-8f6b2d4c1a57";

/// Portal sessions (`credentialId` of access-portal calls).
const ALICE_PORTAL: &str = "5d2e8f1a-3c7b-4e9d-a6f0-1b4c7e2d9a35";
const BOB_PORTAL: &str = "3b9f1c2e-7d4a-4e8b-9c6f-2a1d5e8b7c40";
const DAVE_PORTAL: &str = "c0a4e6b2-5f3d-4a1c-8e7b-9d2f6a3c1e58";
const ERIN_PORTAL: &str = "8e1b5d3f-9a2c-4f6e-b7d0-4c8a2e6f1b93";

/// Tokens obtained by `CreateTokenWithIAM` (`identitycenter:CredentialId`).
const ERIN_TOKEN: &str = "AAAAAhTnP9PpUmBjKeGxekVwfwgH4WYathYEzFMga8seg4t7";

const APP_ROLE: &str = "arn:aws:iam::111122223333:role/apps/DataPortalAppRole";
const APP_KEY: &str = "ASIARTX3GSDSAPPKEY01";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:data-portal-backend";
const APPLICATION: &str =
    "arn:aws:sso::111122223333:application/ssoins-7223f1e5a3b2c4d0/apl-3333cccc4444dddd";

/// An `eventID` shaped like CloudTrail's: `story` tells the test, `n` the event.
fn uuid(story: u32, n: u32) -> String {
    format!("{story:08x}-6c1d-4e2f-8a3b-{n:012x}")
}

/// A time on the day of the stories, `2026-03-02T<hms>Z`.
fn t(hms: &str) -> String {
    format!("2026-03-02T{hms}Z")
}

// Records -----------------------------------------------------------------------------------------

/// An Identity Center user calling with a bearer token (`IdentityCenterUser`, since July 2025).
fn identity_center_user(user_id: &str, credential_id: &str) -> Value {
    json!({"type": "IdentityCenterUser", "accountId": APPS,
           "onBehalfOf": {"userId": user_id, "identityStoreArn": STORE},
           "credentialId": credential_id})
}

/// An access-portal call (`sso.amazonaws.com`) made with a user's token.
fn portal_call(id: &str, time: &str, user_id: &str, credential_id: &str, name: &str) -> Value {
    let mut e = event(
        id,
        time,
        "sso.amazonaws.com",
        name,
        APPS,
        identity_center_user(user_id, credential_id),
    );
    e["tlsDetails"]["clientProvidedHostHeader"] = json!("portal.sso.us-east-1.amazonaws.com");
    e
}

/// `GetRoleCredentials` as logged in 2026: a service event with `requestParameters: null` and
/// the account and permission set in `serviceEventDetails`.
fn get_role_credentials(
    id: &str,
    time: &str,
    user_id: &str,
    portal: &str,
    account: &str,
    permission_set: &str,
) -> Value {
    let mut e = portal_call(id, time, user_id, portal, "GetRoleCredentials");
    e["eventType"] = json!("AwsServiceEvent");
    e["serviceEventDetails"] = json!({"role_name": permission_set, "account_id": account});
    e
}

/// The role of a permission set in an account.
fn sso_role(account: &str, permission_set: &str, suffix: &str) -> String {
    format!(
        "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{permission_set}_{suffix}"
    )
}

/// Identity Center's `AssumeRoleWithSAML` for `user` (subject and session name) into `role`,
/// logged in the role's account, returning `key`.
fn assume_role_with_saml(id: &str, time: &str, user: &str, role: &str, key: &str) -> Value {
    let account = role.split(':').nth(4).unwrap();
    let qualifier = "kgaq3wCMMWZKXtgpfUb/mJzl1hs=";
    let provider =
        format!("arn:aws:iam::{account}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE");
    let mut e = event(
        id,
        time,
        "sts.amazonaws.com",
        "AssumeRoleWithSAML",
        account,
        json!({"type": "SAMLUser", "principalId": format!("{qualifier}:{user}"),
               "userName": user, "identityProvider": qualifier}),
    );
    e["userAgent"] = json!(
        "aws-internal/3 aws-sdk-java/1.12.772 Linux/5.10.230-202.885.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 vendor/Amazon.com_Inc. cfg/retry-mode/standard"
    );
    e["requestParameters"] = json!({
        "sAMLAssertionID": format!("_{}", id.replace('-', "")),
        "roleSessionName": user, "roleArn": role, "principalArn": provider, "durationSeconds": 28800});
    e["responseElements"] = json!({
        "credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE",
                        "expiration": "Mar 2, 2026, 4:05:13 PM"},
        "assumedRoleUser": {"assumedRoleId": format!("AROAWO645SY5HYP2YQ4BB:{user}"),
            "arn": format!("arn:aws:sts::{account}:assumed-role/{}/{user}", role.rsplit('/').next().unwrap())},
        "subject": user, "subjectType": "persistent",
        "issuer": "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/MTExMTIyMjIzMzMzX2lucy03MjIzZjFlNWEzYjJjNGQw",
        "audience": "https://signin.aws.amazon.com/saml", "nameQualifier": qualifier});
    e["additionalEventData"] =
        json!({"RequestDetails": {"awsServingRegion": "us-east-1", "endpointType": "regional"}});
    e["resources"] = json!([
        {"accountId": account, "type": "AWS::IAM::Role", "ARN": role},
        {"accountId": account, "type": "AWS::IAM::SAMLProvider", "ARN": provider}]);
    e
}

/// The application's session: a Lambda function's role (`inScopeOf`).
fn app_identity() -> Value {
    let mut identity = role_session(
        APP_ROLE,
        "data-portal-backend",
        APP_KEY,
        "2026-03-02T08:04:58Z",
    );
    identity["inScopeOf"] =
        json!({"issuerType": "AWS::Lambda::Function", "credentialsIssuedTo": FUNCTION});
    identity
}

/// Lambda assuming the application's role for its function.
fn app_assumed(id: &str) -> Value {
    assume_role(
        id,
        "2026-03-02T08:04:58Z",
        APPS,
        aws_service("lambda.amazonaws.com"),
        APP_ROLE,
        "data-portal-backend",
        APP_KEY,
    )
}

/// The application exchanging a user's token (`sso-oauth:CreateTokenWithIAM`).
fn create_token_with_iam(id: &str, time: &str, user_id: &str, credential_id: &str) -> Value {
    let mut e = event(
        id,
        time,
        "sso-oauth.amazonaws.com",
        "CreateTokenWithIAM",
        APPS,
        app_identity(),
    );
    e["readOnly"] = json!(false);
    // The function calls from its own address (`event` gives a machine's) with its own SDK.
    e["userAgent"] = json!(
        "aws-sdk-rust/1.3.0 os/linux lang/rust#1.85.0 exec-env/AWS_Lambda_provided.al2023 api/ssooidc"
    );
    e["requestParameters"] = json!({"clientId": APPLICATION,
        "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": "HIDDEN_DUE_TO_SECURITY_REASONS"});
    e["responseElements"] = json!({"accessToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "idToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "tokenType": "Bearer", "expiresIn": 3600,
        "issuedTokenType": "urn:ietf:params:oauth:token-type:access_token"});
    e["additionalEventData"] = json!({"identitystore:UserId": user_id,
        "identitystore:IdentityStoreArn": STORE, "identitycenter:CredentialId": credential_id});
    e["resources"] = json!([{"type": "AWS::SSO::Application", "ARN": APPLICATION}]);
    e["tlsDetails"]["clientProvidedHostHeader"] = json!("oidc.us-east-1.amazonaws.com");
    e
}

// Running -----------------------------------------------------------------------------------------

/// An estate of trail files: (account, delivery `HHMM`, records) each.
fn estate(files: &[(&str, &str, Vec<Value>)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (account, hhmm, records) in files {
        deliver(dir.path(), account, hhmm, records);
    }
    dir
}

/// `scan --format json`, which must exit 0.
fn scan(dir: &Path, extra: &[&str]) -> Value {
    let (code, document) = scan_json(&[dir], extra);
    assert_eq!(code, 0, "{document:#}");
    document
}

/// `chains --format json` with `extra` arguments: the chains.
fn chains(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let (code, document) = json_of(
        tip()
            .arg("chains")
            .arg(dir)
            .args(["--format", "json", "--threads", "2"])
            .args(extra),
    );
    assert_eq!(code, 0, "{document:#}");
    document["chains"].as_array().unwrap().clone()
}

/// The chain of the person shown as `human`.
fn chain_of<'a>(chains: &'a [Value], human: &str) -> &'a Value {
    chains
        .iter()
        .find(|c| c["human"] == human)
        .unwrap_or_else(|| panic!("no chain of {human}: {chains:#?}"))
}

/// The events of `human`'s timeline (`timeline --format json`).
fn timeline(dir: &Path, human: &str, extra: &[&str]) -> Vec<Value> {
    let (code, document) = json_of(
        tip()
            .arg("timeline")
            .arg(dir)
            .args(["--human", human, "--format", "json", "--threads", "2"])
            .args(extra),
    );
    assert_eq!(code, 0, "{document:#}");
    document["events"].as_array().unwrap().clone()
}

fn actions(rows: &[Value]) -> Vec<&str> {
    rows.iter().map(|r| r["action"].as_str().unwrap()).collect()
}

// An application acting for a person: identity_token ----------------------------------------------

#[test]
fn the_users_token_calls_hang_below_the_applications_token_exchange() {
    // The data portal (a Lambda function) exchanges erin's token at 08:05:12; the portal calls
    // made with that token (credentialId = the exchange's CredentialId) follow. bob signs in to
    // the portal himself: his calls carry a credential id no application obtained.
    let dir = estate(&[(
        APPS,
        "0810",
        vec![
            app_assumed(&uuid(1, 1)),
            create_token_with_iam(&uuid(1, 2), &t("08:05:12"), ERIN_ID, ERIN_TOKEN),
            portal_call(
                &uuid(1, 3),
                &t("08:05:13"),
                ERIN_ID,
                ERIN_TOKEN,
                "ListAccounts",
            ),
            portal_call(
                &uuid(1, 4),
                &t("08:05:14"),
                ERIN_ID,
                ERIN_TOKEN,
                "ListAccountRoles",
            ),
            portal_call(
                &uuid(1, 5),
                &t("08:05:20"),
                BOB_ID,
                BOB_PORTAL,
                "ListAccounts",
            ),
        ],
    )]);
    let document = scan(dir.path(), &[]);
    assert_eq!(document["findings"], json!([]), "{document:#}");
    assert_eq!(document["summary"]["humans"], 2);
    assert_eq!(document["summary"]["chains"], 2);

    let chains = chains(dir.path(), &[]);
    let erin = chain_of(&chains, ERIN_ID);
    let app = &erin["application"];
    assert_eq!(app["edge"], "identity_token", "{erin:#}");
    assert_eq!(app["link"], "exact");
    assert_eq!(app["via_event_id"], uuid(1, 2));
    assert_eq!(app["via_source"], "sso-oauth.amazonaws.com");
    assert_eq!(app["via_action"], "CreateTokenWithIAM");
    assert_eq!(app["role"], APP_ROLE);
    assert_eq!(app["issued_to"], FUNCTION);
    let nodes = erin["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{erin:#}");
    assert_eq!(nodes[0]["events"], 2);
    assert_eq!(nodes[0]["status"], "propagated");
    let bob = chain_of(&chains, BOB_ID);
    assert!(bob.get("application").is_none(), "{bob:#}");

    // erin's timeline shows the application's exchange before her own calls.
    let rows = timeline(dir.path(), ERIN_ID, &[]);
    assert_eq!(
        actions(&rows),
        ["CreateTokenWithIAM", "ListAccounts", "ListAccountRoles"]
    );
    assert!(
        rows[0]["principal"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/DataPortalAppRole/"),
        "{rows:#?}"
    );
    assert_eq!(rows[0]["status"], "service", "the application's own work");
    assert_eq!(rows[0]["chain_id"], erin["id"]);
    assert!(
        actions(&timeline(dir.path(), BOB_ID, &[]))
            .iter()
            .all(|a| *a != "CreateTokenWithIAM")
    );
}

#[test]
fn another_credential_id_or_another_users_token_is_not_linked() {
    // The application obtains a token for erin. Her calls carry the credential id of her own
    // portal sign-in, not the token's; bob's calls carry the token's credential id, but the
    // token was obtained for erin. Neither is the application's.
    let dir = estate(&[(
        APPS,
        "0810",
        vec![
            app_assumed(&uuid(2, 1)),
            create_token_with_iam(&uuid(2, 2), &t("08:05:12"), ERIN_ID, ERIN_TOKEN),
            portal_call(
                &uuid(2, 3),
                &t("08:05:13"),
                ERIN_ID,
                ERIN_PORTAL,
                "ListAccounts",
            ),
            portal_call(
                &uuid(2, 4),
                &t("08:05:14"),
                BOB_ID,
                ERIN_TOKEN,
                "ListAccounts",
            ),
        ],
    )]);
    let chains = chains(dir.path(), &[]);
    assert_eq!(chains.len(), 2, "{chains:#?}");
    for chain in &chains {
        assert!(chain.get("application").is_none(), "{chain:#}");
    }
    // The exchange names erin, so her timeline still lists it, outside any chain.
    let rows = timeline(dir.path(), ERIN_ID, &[]);
    let exchange = rows
        .iter()
        .find(|r| r["action"] == "CreateTokenWithIAM")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(exchange["chain_id"], Value::Null);
    assert!(
        actions(&timeline(dir.path(), BOB_ID, &[]))
            .iter()
            .all(|a| *a != "CreateTokenWithIAM")
    );
}

// Account access through the portal: role_credentials, rekeyed ------------------------------------

#[test]
fn a_portal_request_reaches_the_role_session_through_the_saml_call() {
    // dave asks the portal for DataAnalyst in the data account at 08:05:12; Identity Center's
    // AssumeRoleWithSAML follows at 08:05:13. The credentials dave then uses carry another key
    // than that call returned, and their events carry no onBehalfOf: only the role, the session
    // name and the creationDate tie them to it.
    let role = sso_role(DATA, "DataAnalyst", "0123456789abcdef");
    let portal_key = "ASIAWO645SY5PORTAL01";
    let session = role_session(&role, "dave@example.com", portal_key, &t("08:05:13"));
    let dir = estate(&[
        (
            APPS,
            "0810",
            vec![get_role_credentials(
                &uuid(3, 1),
                &t("08:05:12"),
                DAVE_ID,
                DAVE_PORTAL,
                DATA,
                "DataAnalyst",
            )],
        ),
        (
            DATA,
            "0810",
            vec![
                assume_role_with_saml(
                    &uuid(3, 2),
                    &t("08:05:13"),
                    "dave@example.com",
                    &role,
                    "ASIAWO645SY5SAMLKY01",
                ),
                event(
                    &uuid(3, 3),
                    &t("08:05:40"),
                    "s3.amazonaws.com",
                    "ListBuckets",
                    DATA,
                    session.clone(),
                ),
                event(
                    &uuid(3, 4),
                    &t("08:06:02"),
                    "s3.amazonaws.com",
                    "GetObject",
                    DATA,
                    session,
                ),
            ],
        ),
    ]);
    let document = scan(dir.path(), &[]);
    assert_eq!(document["findings"], json!([]), "{document:#}");
    assert_eq!(document["summary"]["humans"], 1, "one person, counted once");
    assert_eq!(document["summary"]["chains"], 1);

    let found = chains(dir.path(), &[]);
    assert_eq!(found.len(), 1, "{found:#?}");
    // Named by the SAML subject the portal request led to.
    let dave = chain_of(&found, "dave@example.com");
    assert_eq!(dave["evidence"], "on_behalf_of");
    let nodes = dave["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{dave:#}");
    assert_eq!(
        nodes[0]["principal"],
        format!("IdentityCenterUser {DAVE_ID}")
    );
    assert_eq!(nodes[1]["principal"], "SAMLUser dave@example.com");
    assert_eq!(nodes[1]["depth"], 1);
    assert_eq!(nodes[1]["edge"], "role_credentials");
    assert_eq!(nodes[1]["link"], "inferred");
    assert_eq!(nodes[1]["via_event_id"], uuid(3, 1));
    assert_eq!(nodes[2]["access_key"], portal_key);
    assert_eq!(nodes[2]["depth"], 2);
    assert_eq!(nodes[2]["edge"], "rekeyed");
    assert_eq!(nodes[2]["link"], "inferred");
    assert_eq!(nodes[2]["via_event_id"], uuid(3, 2));
    assert!(
        dave.get("application").is_none(),
        "a person, no application"
    );

    let rows = timeline(dir.path(), "dave@example.com", &[]);
    assert_eq!(
        actions(&rows),
        [
            "GetRoleCredentials",
            "AssumeRoleWithSAML",
            "ListBuckets",
            "GetObject"
        ]
    );
    let depths: Vec<u64> = rows.iter().map(|r| r["depth"].as_u64().unwrap()).collect();
    assert_eq!(depths, [0, 1, 2, 2]);

    // A directory export names him everywhere, still as one person.
    let users = json!({"Users": [{"IdentityStoreId": "d-9067a1b2c3", "UserId": DAVE_ID,
        "UserName": "dave.bowman", "DisplayName": "Dave Bowman",
        "Emails": [{"Value": "dave@example.com", "Type": "work", "Primary": true}]}]});
    let directory = tempfile::tempdir().unwrap();
    let path = write_file(directory.path(), "users.json", users.to_string().as_bytes());
    let users = ["--users", path.to_str().unwrap()];
    let named = chains(dir.path(), &users);
    assert_eq!(named.len(), 1);
    assert_eq!(named[0]["human"], "dave.bowman");
    assert_eq!(scan(dir.path(), &users)["summary"]["humans"], 1);
}

#[test]
fn other_roles_accounts_times_and_session_names_are_not_linked() {
    // dave asks for DataAnalyst in the data account at 08:05:12. None of these is his:
    // - an AssumeRoleWithSAML into another permission set (DataEngineer) of that account;
    // - one into DataAnalyst of another account;
    // - one into DataAnalyst of the data account two and a half minutes later;
    // - a DataAnalyst session named like him, its key never issued, created at 08:45:00, far
    //   from any STS call; and one created at the second of the late call, under another name.
    let data_analyst = sso_role(DATA, "DataAnalyst", "0123456789abcdef");
    let late_session = role_session(
        &data_analyst,
        "dave@example.com",
        "ASIAWO645SY5LATEKEY1",
        &t("08:45:00"),
    );
    let renamed = role_session(
        &data_analyst,
        "erin@example.com",
        "ASIAWO645SY5ERINKEY2",
        &t("08:07:40"),
    );
    let dir = estate(&[
        (
            APPS,
            "0810",
            vec![
                get_role_credentials(
                    &uuid(4, 1),
                    &t("08:05:12"),
                    DAVE_ID,
                    DAVE_PORTAL,
                    DATA,
                    "DataAnalyst",
                ),
                assume_role_with_saml(
                    &uuid(4, 3),
                    &t("08:05:13"),
                    "carol@example.com",
                    &sso_role(APPS, "DataAnalyst", "0123456789abcdef"),
                    "ASIARTX3GSDSCAROLKY1",
                ),
            ],
        ),
        (
            DATA,
            "0810",
            vec![
                assume_role_with_saml(
                    &uuid(4, 2),
                    &t("08:05:13"),
                    "erin@example.com",
                    &sso_role(DATA, "DataEngineer", "fedcba9876543210"),
                    "ASIAWO645SY5ERINKEY1",
                ),
                assume_role_with_saml(
                    &uuid(4, 4),
                    &t("08:07:40"),
                    "dave@example.com",
                    &data_analyst,
                    "ASIAWO645SY5DAVESAM1",
                ),
            ],
        ),
        (
            DATA,
            "0850",
            vec![
                event(
                    &uuid(4, 5),
                    &t("08:46:00"),
                    "s3.amazonaws.com",
                    "ListBuckets",
                    DATA,
                    late_session,
                ),
                event(
                    &uuid(4, 6),
                    &t("08:08:10"),
                    "s3.amazonaws.com",
                    "ListBuckets",
                    DATA,
                    renamed,
                ),
            ],
        ),
    ]);
    let chains = chains(dir.path(), &[]);
    let portal = chains
        .iter()
        .find(|c| c["nodes"][0]["principal"] == format!("IdentityCenterUser {DAVE_ID}"))
        .unwrap_or_else(|| panic!("{chains:#?}"));
    assert_eq!(
        portal["nodes"].as_array().unwrap().len(),
        1,
        "nothing served dave's request: {portal:#}"
    );
    let nodes: Vec<&Value> = chains
        .iter()
        .flat_map(|c| c["nodes"].as_array().unwrap())
        .collect();
    for node in &nodes {
        assert!(
            node["edge"] != "role_credentials" && node["edge"] != "rekeyed",
            "{node:#}"
        );
    }
    for key in ["ASIAWO645SY5LATEKEY1", "ASIAWO645SY5ERINKEY2"] {
        let node = nodes
            .iter()
            .find(|n| n["access_key"] == key)
            .unwrap_or_else(|| panic!("{key}: {chains:#?}"));
        assert_eq!(node["depth"], 0, "{node:#}");
        assert_eq!(node["edge"], Value::Null, "{node:#}");
    }
    let sign_ins = nodes
        .iter()
        .filter(|n| n["principal"].as_str().unwrap().starts_with("SAMLUser "))
        .count();
    assert_eq!(sign_ins, 3, "{chains:#?}");
}

#[test]
fn two_people_asking_for_one_role_in_one_second_are_not_crossed() {
    // alice and bob ask for DataAnalyst in the data account in the same second; Identity
    // Center's two AssumeRoleWithSAML calls follow in the next. Their permission-set sessions
    // carry onBehalfOf, which says whose user name is whose: each sign-in hangs below its own
    // request, although bob's request is the later record.
    let dir = estate(&[
        (
            APPS,
            "0810",
            vec![
                get_role_credentials(
                    &uuid(5, 1),
                    &t("08:05:12"),
                    ALICE_ID,
                    ALICE_PORTAL,
                    DATA,
                    "DataAnalyst",
                ),
                get_role_credentials(
                    &uuid(5, 2),
                    &t("08:05:12"),
                    BOB_ID,
                    BOB_PORTAL,
                    DATA,
                    "DataAnalyst",
                ),
            ],
        ),
        (
            DATA,
            "0810",
            vec![
                assume_role_with_saml(
                    &uuid(5, 3),
                    &t("08:05:13"),
                    "alice@example.com",
                    &sso_role(DATA, "DataAnalyst", "0123456789abcdef"),
                    "ASIAWO645SY5ALICESS1",
                ),
                assume_role_with_saml(
                    &uuid(5, 4),
                    &t("08:05:13"),
                    "bob@example.com",
                    &sso_role(DATA, "DataAnalyst", "0123456789abcdef"),
                    "ASIAWO645SY5BOBSESS1",
                ),
                event(
                    &uuid(5, 5),
                    &t("08:05:30"),
                    "s3.amazonaws.com",
                    "ListBuckets",
                    DATA,
                    sso_session(
                        DATA,
                        "alice@example.com",
                        ALICE_ID,
                        "ASIAWO645SY5ALICESS1",
                        &t("08:05:13"),
                    ),
                ),
                event(
                    &uuid(5, 6),
                    &t("08:05:31"),
                    "s3.amazonaws.com",
                    "ListBuckets",
                    DATA,
                    sso_session(
                        DATA,
                        "bob@example.com",
                        BOB_ID,
                        "ASIAWO645SY5BOBSESS1",
                        &t("08:05:13"),
                    ),
                ),
            ],
        ),
    ]);
    assert_eq!(scan(dir.path(), &[])["summary"]["humans"], 2);
    let chains = chains(dir.path(), &[]);
    assert_eq!(chains.len(), 2, "{chains:#?}");
    for (name, id, request) in [
        ("alice@example.com", ALICE_ID, uuid(5, 1)),
        ("bob@example.com", BOB_ID, uuid(5, 2)),
    ] {
        let chain = chain_of(&chains, name);
        let nodes = chain["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3, "{chain:#}");
        assert_eq!(nodes[0]["principal"], format!("IdentityCenterUser {id}"));
        assert_eq!(nodes[1]["principal"], format!("SAMLUser {name}"));
        assert_eq!(nodes[1]["edge"], "role_credentials");
        assert_eq!(nodes[1]["link"], "inferred", "no rival person: {chain:#}");
        assert_eq!(nodes[1]["via_event_id"], request);
        assert_eq!(nodes[2]["edge"], "issued");
        assert_eq!(nodes[2]["link"], "exact");
    }
}

// The sample estate -------------------------------------------------------------------------------

#[test]
fn on_the_sample_estate_a_portal_sign_in_is_one_chain_and_the_application_is_shown() {
    let logs = sample_logs();
    let dave = chains(&logs, &["--human", "dave@example.com"]);
    assert_eq!(dave.len(), 1, "{dave:#?}");
    let nodes = dave[0]["nodes"].as_array().unwrap();
    assert_eq!(
        nodes[0]["principal"],
        "IdentityCenterUser c3d4e5f6-7890-12ab-cdef-333333333333"
    );
    assert_eq!(nodes[1]["principal"], "SAMLUser dave@example.com");
    assert_eq!(nodes[1]["edge"], "role_credentials");

    // erin's session on the shared analytics role was started by the data portal's function.
    let erin_id = "a1b2c3d4-5678-90ab-cdef-111111111111";
    let erin = chains(&logs, &["--human", erin_id]);
    assert_eq!(erin.len(), 1, "{erin:#?}");
    let app = &erin[0]["application"];
    assert!(
        app["role"]
            .as_str()
            .unwrap()
            .ends_with("/DataPortalAppRole"),
        "{app:#}"
    );
    assert_eq!(app["edge"], "issued");
    assert_eq!(app["via_action"], "AssumeRole");
    assert_eq!(
        app["issued_to"],
        "arn:aws:lambda:us-east-1:111122223333:function:data-portal-backend"
    );
    let rows = timeline(&logs, erin_id, &[]);
    for action in ["CreateTokenWithIAM", "AssumeRole"] {
        let row = rows
            .iter()
            .find(|r| r["action"] == action)
            .unwrap_or_else(|| panic!("{action}: {rows:#?}"));
        assert_eq!(row["status"], "service", "{row:#}");
    }
}
