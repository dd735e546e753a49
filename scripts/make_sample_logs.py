#!/usr/bin/env python3
"""Write the deterministic sample CloudTrail estate used by tip-audit's tests and docs.

Output (default: <repo>/sample-logs/):

    AWSLogs/<account>/CloudTrail/<region>/2026/03/02/<account>_CloudTrail_<region>_20260302T<HHmm>Z_<16 chars>.json.gz
    AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/..._20260302T100000Z.json.gz
    README.md       the stories, the files they live in, the expected findings

and tests/fixtures/sample-logs-expected.json: what a correct `tip-audit scan` must find (read by
the integration tests; kept outside sample-logs/ so the folder holds only logs and its README).

Two accounts (111122223333 management/apps, 444455556666 data), two Regions (us-east-1,
eu-west-1), one day (2026-03-02, 08:00-14:00 UTC), eleven stories (see STORIES below).
Every record is shaped after docs/reference `cloudtrail-identity.md` (sections 2, 3, 4, 5, 6).

Determinism: no clock, no OS randomness. Every id is derived from a story tag (uuid5 / SHA-256),
shuffles use random.Random(<seed derived from the file name>), gzip uses mtime=0. Running the
script twice writes byte-identical files. Standard library only.

Usage: python3 scripts/make_sample_logs.py [--out DIR] [--expected FILE] [--quiet]
"""

from __future__ import annotations

import argparse
import base64
import copy
import gzip
import hashlib
import json
import random
import re
import shutil
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = "tip-audit/sample-logs/v1"
NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/tip-audit/sample-logs/v1")
DAY = datetime(2026, 3, 2, tzinfo=timezone.utc)

MGMT = "111122223333"  # management / apps account
DATA = "444455556666"  # data account
USE1 = "us-east-1"
EUW1 = "eu-west-1"

IDSTORE_ARN = "arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3"
TRAIL_BUCKET = "example-cloudtrail-archive"
TRAIL_NAME = "org-audit-trail"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/{TRAIL_NAME}"
TRAIL_KMS_KEY = f"arn:aws:kms:us-east-1:{MGMT}:key/7d1c2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"

UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

TLS13 = ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
TLS12 = ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")

STORIES = {
    1: "Identity Center user alice: SSO session in the data account, forward access session (S3 -> KMS)",
    2: "Redshift Data API: alice and dave lose their identity to RedshiftSharedServiceRole",
    3: "Glue job run by carol loses her identity to AWSGlueServiceRole-SharedETL",
    4: "Custom app doing trusted identity propagation right for erin (CreateTokenWithIAM, S3 Access Grants)",
    5: "frank invokes a Lambda function; the function role (inScopeOf) does not carry him",
    6: "IAM user ci-deployer: long-term key, cross-account role chain without sourceIdentity",
    7: "Okta SAML user grace: sourceIdentity carried through a cross-account role chain",
    8: "LegacyAutomationRole session whose AssumeRole is outside the logs",
    9: "Service noise: CloudTrail delivery, AWS Config, EC2 instance role, scheduled Lambda, Glue crawler",
    10: "Overlapping redelivery: one file repeats two events of story 1",
    11: "Digest file for 111122223333 us-east-1, 09:00-10:00",
}


# ------------------------------------------------------------------------------------------------
# deterministic values


def hbytes(tag: str, n: int) -> bytes:
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{SEED}|{tag}|{i}".encode()).digest()
        i += 1
    return out[:n]


def hstr(tag: str, n: int, alphabet: str) -> str:
    return "".join(alphabet[b % len(alphabet)] for b in hbytes(tag, n))


def huuid(tag: str) -> str:
    return str(uuid.uuid5(NS, tag))


def at(hms: str) -> datetime:
    h, m, s = (int(x) for x in hms.split(":"))
    return DAY.replace(hour=h, minute=m, second=s)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def java_time(dt: datetime) -> str:
    """STS `expiration` text, e.g. "Mar 2, 2026, 10:15:31 AM" (reference 5.6)."""
    h12 = dt.hour % 12 or 12
    ampm = "AM" if dt.hour < 12 else "PM"
    return f"{MONTHS[dt.month - 1]} {dt.day}, {dt.year}, {h12}:{dt.minute:02d}:{dt.second:02d} {ampm}"


def _account_b32(prefix: str, account: str, tag: str) -> str:
    """prefix + 16 base32 chars whose first 6 bytes encode the account like post-2019 AWS ids
    (bit 47 set, account id in bits 7..46; reference 3.3)."""
    r = hbytes(tag, 5)
    z = (1 << 47) | (int(account) << 7) | (r[0] & 0x7F)
    return prefix + base64.b32encode(z.to_bytes(6, "big") + r[1:5]).decode("ascii")


def key_account(key: str) -> str:
    z = int.from_bytes(base64.b32decode(key[4:20])[:6], "big")
    return f"{(z & 0x7FFFFFFFFF80) >> 7:012d}"


def access_key(temporary: bool, account: str, tag: str) -> str:
    return _account_b32("ASIA" if temporary else "AKIA", account, "key:" + tag)


def unique_id(prefix: str, account: str, tag: str) -> str:
    return _account_b32(prefix, account, "uid:" + tag) + hstr("uidx:" + tag, 1, B32)


def session_token(tag: str) -> str:
    return "IQoJb3JpZ2luX2VjE" + base64.b64encode(hbytes("token:" + tag, 258)).decode("ascii")


def s3_request_id(tag: str) -> str:
    return hstr("s3rid:" + tag, 16, UPPER_ALNUM)


def amz_id_2(tag: str) -> str:
    return base64.b64encode(hbytes("id2:" + tag, 57)).decode("ascii")


def name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """saml:namequalifier = base64(SHA1(issuer + account id + "/" + provider name))."""
    return base64.b64encode(hashlib.sha1(f"{issuer}{account}/{provider_name}".encode()).digest()).decode()


# ------------------------------------------------------------------------------------------------
# identities


class Role:
    def __init__(self, account: str, path: str, name: str):
        self.account = account
        self.name = name
        self.arn = f"arn:aws:iam::{account}:role/{path}{name}"
        self.id = unique_id("AROA", account, "role:" + self.arn)

    def issuer(self) -> dict:
        return {"type": "Role", "principalId": self.id, "arn": self.arn,
                "accountId": self.account, "userName": self.name}

    def resource(self) -> dict:
        return {"accountId": self.account, "type": "AWS::IAM::Role", "ARN": self.arn}


class Session:
    """One set of temporary role credentials and the userIdentity its events carry."""

    def __init__(self, label: str, role: Role, name: str, created: datetime, *, key: str | None = None,
                 mfa: str = "false", on_behalf_of: dict | None = None, in_scope_of: dict | None = None,
                 source_identity: str | None = None, ec2_delivery: str | None = None,
                 web_id: bool = False):
        self.label = label
        self.role = role
        self.name = name
        self.created = created
        self.key = key or access_key(True, role.account, label)
        self.mfa = mfa
        self.on_behalf_of = on_behalf_of
        self.in_scope_of = in_scope_of
        self.source_identity = source_identity
        self.ec2_delivery = ec2_delivery
        self.web_id = web_id

    @property
    def account(self) -> str:
        return self.role.account

    @property
    def arn(self) -> str:
        return f"arn:aws:sts::{self.role.account}:assumed-role/{self.role.name}/{self.name}"

    @property
    def principal_id(self) -> str:
        return f"{self.role.id}:{self.name}"

    def ui(self, invoked_by: str | None = None) -> dict:
        sc: dict = {"sessionIssuer": self.role.issuer()}
        if self.web_id:
            sc["webIdFederationData"] = {}
        sc["attributes"] = {"creationDate": iso(self.created), "mfaAuthenticated": self.mfa}
        if self.source_identity:
            sc["sourceIdentity"] = self.source_identity
        if self.ec2_delivery:
            sc["ec2RoleDelivery"] = self.ec2_delivery
        ui = {"type": "AssumedRole", "principalId": self.principal_id, "arn": self.arn,
              "accountId": self.role.account, "accessKeyId": self.key, "sessionContext": sc}
        if invoked_by:
            ui["invokedBy"] = invoked_by
        if self.on_behalf_of:
            ui["onBehalfOf"] = dict(self.on_behalf_of)
        if self.in_scope_of:
            ui["inScopeOf"] = dict(self.in_scope_of)
        return ui

    def credentials(self, duration: int) -> dict:
        return {"credentials": {"accessKeyId": self.key, "sessionToken": session_token(self.label),
                                "expiration": java_time(self.created + timedelta(seconds=duration))},
                "assumedRoleUser": {"assumedRoleId": self.principal_id, "arn": self.arn}}


class IdcUser:
    def __init__(self, user_id: str, name: str, ip: str, ua_os: str):
        self.user_id = user_id
        self.name = name
        self.ip = ip
        self.ua_os = ua_os

    def obo(self) -> dict:
        return {"userId": self.user_id, "identityStoreArn": IDSTORE_ARN}

    def cli(self, command: str) -> str:
        return (f"aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/{self.ua_os} md/arch#arm64 lang/python#3.12.6 "
                f"md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{command}")


ALICE = IdcUser("b2c3d4e5-6789-01ab-cdef-222222222222", "alice@example.com", "192.0.2.45", "macos#24.3.0")
DAVE = IdcUser("c3d4e5f6-7890-12ab-cdef-333333333333", "dave@example.com", "192.0.2.88", "linux#6.8.0-52-generic")
CAROL = IdcUser("d4e5f6a7-8901-23ab-cdef-444444444444", "carol@example.com", "198.51.100.61", "macos#24.3.0")
ERIN = IdcUser("a1b2c3d4-5678-90ab-cdef-111111111111", "erin@example.com", "", "")
FRANK = IdcUser("e5f6a7b8-9012-34ab-cdef-555555555555", "frank@example.com", "203.0.113.12", "linux#6.8.0-52-generic")

IDC_ISSUER = ("https://portal.sso.us-east-1.amazonaws.com/saml/assertion/"
              + base64.b64encode(f"{MGMT}_ins-7223f1e5a3b2c4d0".encode()).decode())
OKTA_ISSUER = "http://www.okta.com/exk1a2b3c4d5e6f7g8h9"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
INTERNAL_JAVA_UA = ("aws-internal/3 aws-sdk-java/1.12.772 Linux/5.10.230-202.885.amzn2int.x86_64 "
                    "OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 vendor/Amazon.com_Inc. "
                    "cfg/retry-mode/standard")
GLUE_JOB_UA = ("aws-sdk-java/1.12.767 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS "
               "java/17.0.13 scala/2.12.18 kotlin/1.9.24 vendor/Amazon.com_Inc. cfg/retry-mode/standard "
               "exec-env/AWS_Glue/4.0")
REDSHIFT_UA = "aws-sdk-cpp/1.11.212 Linux/5.10.228-219.884.amzn2.x86_64 x86_64 GCC/7.3.1 redshift-spectrum/1.0.84217"
LAMBDA_PY_UA = ("Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 "
                "lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy "
                "Botocore/1.34.145")
RUST_APP_UA = "aws-sdk-rust/1.3.0 os/linux lang/rust#1.85.0 exec-env/AWS_Lambda_provided.al2023 api/{api}"
LEGACY_UA = ("Boto3/1.26.12 md/Botocore#1.29.12 ua/2.0 os/linux#4.14.355-275.570.amzn2.x86_64 md/arch#x86_64 "
             "lang/python#3.8.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.29.12")
CI_UA = ("aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/linux#6.8.0-1021-azure md/arch#x86_64 lang/python#3.12.6 "
         "md/pyimpl#CPython exec-env/GitHub-Actions cfg/retry-mode#standard md/installer#exe "
         "md/distrib#ubuntu.24 md/prompt#off md/command#{cmd}")
GRACE_UA = ("aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.6 md/pyimpl#CPython "
            "cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{cmd}")
EC2_APP_UA = ("Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/linux#6.1.119-129.201.amzn2023.x86_64 md/arch#x86_64 "
              "lang/python#3.9.20 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.90")
SSM_AGENT_UA = "aws-sdk-go/1.55.5 (go1.22.9; linux; amd64) amazon-ssm-agent/3.3.1142.0"


# ------------------------------------------------------------------------------------------------
# the estate


class Estate:
    def __init__(self) -> None:
        self.items: list[tuple[int, str, dict]] = []  # (story, tag, record), creation order
        self.by_tag: dict[str, dict] = {}
        self.story_of: dict[str, int] = {}  # eventID -> story
        self.sessions: dict[str, tuple[Session, str, int]] = {}  # label -> (session, expected status, story)
        self.long_term_keys: dict[str, str] = {}
        self.findings: list[dict] = []
        self.shared_roles: list[dict] = []

    # -- records --------------------------------------------------------------------------------

    def emit(self, story: int, tag: str, *, t: datetime, account: str, region: str, source: str, name: str,
             ui: dict, ip: str, ua: str, req: dict | None = None, resp: dict | None = None, read_only: bool,
             resources: list | None = None, category: str = "Management", etype: str = "AwsApiCall",
             version: str = "1.09", request_id: str | None = None, additional: dict | None = None,
             host: str | None = None, tls: tuple[str, str] = TLS13, api_version: str | None = None,
             shared: str | None = None, sed: dict | None = None) -> dict:
        assert tag not in self.by_tag, tag
        rec: dict = {
            "eventVersion": version,
            "userIdentity": ui,
            "eventTime": iso(t),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": ip,
            "userAgent": ua,
            "requestParameters": req,
            "responseElements": resp,
        }
        if additional is not None:
            rec["additionalEventData"] = additional
        rec["requestID"] = request_id or huuid("requestID:" + tag)
        rec["eventID"] = huuid("eventID:" + tag)
        rec["readOnly"] = read_only
        if resources is not None:
            rec["resources"] = resources
        rec["eventType"] = etype
        if api_version:
            rec["apiVersion"] = api_version
        rec["managementEvent"] = category == "Management"
        rec["recipientAccountId"] = account
        if shared:
            rec["sharedEventID"] = shared
        if sed is not None:
            rec["serviceEventDetails"] = sed
        rec["eventCategory"] = category
        if "invokedBy" in ui:
            assert host is None, f"{tag}: a service call has no tlsDetails"
        else:
            assert host, f"{tag}: a client call needs tlsDetails"
            rec["tlsDetails"] = {"tlsVersion": tls[0], "cipherSuite": tls[1], "clientProvidedHostHeader": host}
        self.items.append((story, tag, rec))
        self.by_tag[tag] = rec
        self.story_of[rec["eventID"]] = story
        return rec

    def eid(self, tag: str) -> str:
        return self.by_tag[tag]["eventID"]

    def session(self, story: int, status: str, sess: Session) -> Session:
        assert sess.label not in self.sessions
        self.sessions[sess.label] = (sess, status, story)
        return sess

    # -- common event shapes --------------------------------------------------------------------

    def s3_object(self, story: int, tag: str, *, t: datetime, region: str, ui: dict, ip: str, ua: str,
                  op: str, bucket: str, bucket_account: str, key: str, size: int = 0, tls=TLS13,
                  version: str = "1.10", extra_req: dict | None = None, resp: dict | None = None) -> dict:
        req = {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com"}
        if op == "ListObjects":
            req.update({"list-type": "2", "prefix": key, "encoding-type": "url"})
        else:
            req["key"] = key
        if extra_req:
            req.update(extra_req)
        reads = op in ("GetObject", "HeadObject", "ListObjects")
        additional = {"SignatureVersion": "SigV4", "CipherSuite": tls[1],
                      "bytesTransferredIn": 0 if reads else size,
                      "bytesTransferredOut": size if op == "GetObject" else (612 if op == "ListObjects" else 0),
                      "AuthenticationMethod": "AuthHeader", "x-amz-id-2": amz_id_2(tag)}
        if op == "ListObjects":
            resources = [{"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/{key}"},
                         {"accountId": bucket_account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        else:
            resources = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                         {"accountId": bucket_account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        invoked = "invokedBy" in ui
        return self.emit(story, tag, t=t, account=bucket_account, region=region, source="s3.amazonaws.com",
                         name=op, ui=ui, ip=ip, ua=ua, req=req, resp=resp, read_only=reads,
                         resources=resources, category="Data", version=version,
                         request_id=s3_request_id(tag), additional=additional,
                         host=None if invoked else f"{bucket}.s3.{region}.amazonaws.com", tls=tls)

    def s3_list_buckets(self, story: int, tag: str, *, t: datetime, account: str, region: str, ui: dict, ip: str,
                        ua: str) -> dict:
        return self.emit(story, tag, t=t, account=account, region=region, source="s3.amazonaws.com",
                         name="ListBuckets", ui=ui, ip=ip, ua=ua, req={"Host": f"s3.{region}.amazonaws.com"},
                         read_only=True, version="1.10", request_id=s3_request_id(tag),
                         additional={"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                                     "bytesTransferredIn": 0, "bytesTransferredOut": 1243,
                                     "AuthenticationMethod": "AuthHeader", "x-amz-id-2": amz_id_2(tag)},
                         host=f"s3.{region}.amazonaws.com")

    def call(self, story: int, tag: str, *, t: datetime, account: str, region: str, svc: str, name: str,
             ui: dict, ip: str, ua: str, req: dict | None = None, resp: dict | None = None,
             read_only: bool = True, resources: list | None = None, category: str = "Management",
             version: str = "1.09", tls=TLS13, api_version: str | None = None,
             additional: dict | None = None, host: str | None = None) -> dict:
        """An ordinary API call to `svc` (e.g. "glue"); a forward access session when ui has invokedBy."""
        if "invokedBy" in ui:
            host = None
        elif host is None:
            host = "iam.amazonaws.com" if svc == "iam" else f"{svc}.{region}.amazonaws.com"
        return self.emit(story, tag, t=t, account=account, region=region, source=f"{svc}.amazonaws.com",
                         name=name, ui=ui, ip=ip, ua=ua, req=req, resp=resp, read_only=read_only,
                         resources=resources, category=category, version=version, tls=tls,
                         api_version=api_version, additional=additional, host=host)

    def service_assume_role(self, story: int, tag: str, *, t: datetime, region: str, principal: str,
                            sess: Session, duration: int, duration_param: bool = True) -> dict:
        """`AssumeRole` made by an AWS service principal for its own use (reference 5.4, 6.4)."""
        assert sess.created == t
        req = {"roleArn": sess.role.arn, "roleSessionName": sess.name}
        if duration_param:
            req["durationSeconds"] = duration
        return self.emit(story, tag, t=t, account=sess.account, region=region, source="sts.amazonaws.com",
                         name="AssumeRole", ui={"type": "AWSService", "invokedBy": principal}, ip=principal,
                         ua=principal, req=req, resp=sess.credentials(duration), read_only=True,
                         resources=[sess.role.resource()], version="1.08", shared=huuid("sharedEventID:" + tag))

    def idc_get_role_credentials(self, story: int, tag: str, *, t: datetime, user: IdcUser, role_name: str,
                                 account_id: str) -> dict:
        """Access-portal GetRoleCredentials (reference 4.4, 6.6)."""
        ui = {"type": "IdentityCenterUser", "accountId": MGMT, "onBehalfOf": user.obo(),
              "credentialId": huuid("portal-session:" + user.name)}
        return self.emit(story, tag, t=t, account=MGMT, region=USE1, source="sso.amazonaws.com",
                         name="GetRoleCredentials", ui=ui, ip=user.ip, ua=user.cli("sso.login"),
                         read_only=True, etype="AwsServiceEvent", version="1.11",
                         sed={"role_name": role_name, "account_id": account_id},
                         host="portal.sso.us-east-1.amazonaws.com")

    def assume_role_with_saml(self, story: int, tag: str, *, t: datetime, region: str, sess: Session,
                              user_name: str, ip: str, ua: str, provider_arn: str, issuer: str,
                              duration: int, source_identity: str | None = None,
                              tls=TLS13) -> dict:
        """The SAMLUser `AssumeRoleWithSAML` (reference 4.4, 5.1): no accessKeyId on the caller."""
        account = sess.account
        provider_name = provider_arn.rsplit("/", 1)[1]
        nq = name_qualifier(issuer, account, provider_name)
        ui = {"type": "SAMLUser", "principalId": f"{nq}:{user_name}", "userName": user_name,
              "identityProvider": nq}
        req = {"sAMLAssertionID": "_" + hstr("saml-assertion:" + tag, 32, HEX),
               "roleSessionName": sess.name, "roleArn": sess.role.arn, "principalArn": provider_arn,
               "durationSeconds": duration}
        resp = sess.credentials(duration)
        resp.update({"subject": user_name, "subjectType": "persistent", "issuer": issuer,
                     "audience": SAML_AUDIENCE, "nameQualifier": nq})
        if source_identity:
            resp["sourceIdentity"] = source_identity
        return self.emit(story, tag, t=t, account=account, region=region, source="sts.amazonaws.com",
                         name="AssumeRoleWithSAML", ui=ui, ip=ip, ua=ua, req=req, resp=resp, read_only=True,
                         resources=[sess.role.resource(),
                                    {"accountId": account, "type": "AWS::IAM::SAMLProvider", "ARN": provider_arn}],
                         version="1.08", host=f"sts.{region}.amazonaws.com", tls=tls,
                         additional={"RequestDetails": {"awsServingRegion": region, "endpointType": "regional"}})

    def cross_account_assume_role(self, story: int, tag: str, *, t: datetime, caller_ui: dict, caller_account: str,
                                  caller_principal_id: str, ip: str, ua: str, sess: Session, duration: int,
                                  source_identity: str | None = None, tls=TLS13) -> tuple[dict, dict]:
        """Both copies of a cross-account AssumeRole: same requestID and sharedEventID, different
        eventIDs; the owner-side copy only shows the caller as AWSAccount (reference 5.2, 7)."""
        req = {"roleArn": sess.role.arn, "roleSessionName": sess.name, "durationSeconds": duration}
        if source_identity:
            req["sourceIdentity"] = source_identity
        resp = sess.credentials(duration)
        if source_identity:
            resp["sourceIdentity"] = source_identity
        common = dict(t=t, region=USE1, source="sts.amazonaws.com", name="AssumeRole", ip=ip, ua=ua, req=req,
                      resp=resp, read_only=True, resources=[sess.role.resource()], version="1.08",
                      request_id=huuid("requestID:" + tag), shared=huuid("sharedEventID:" + tag),
                      host="sts.us-east-1.amazonaws.com", tls=tls,
                      additional={"RequestDetails": {"awsServingRegion": USE1, "endpointType": "regional"}})
        caller = self.emit(story, tag + "#caller", account=caller_account, ui=caller_ui, **common)
        owner_ui = {"type": "AWSAccount", "principalId": caller_principal_id, "accountId": caller_account}
        owner = self.emit(story, tag + "#owner", account=sess.account, ui=owner_ui, **copy.deepcopy(common))
        return caller, owner

    # -- expectations ---------------------------------------------------------------------------

    def expect(self, story: int, kind: str, severity: str, *, human: str | None, human_keys: dict | None,
               role_arn: str | None, break_tag: str, link: str | None, session: str | None, service: str | None,
               note: str) -> None:
        f = {"story": story, "kind": kind, "severity": severity, "human": human, "human_keys": human_keys,
             "role_arn": role_arn, "break_event_id": self.eid(break_tag),
             "break_time": self.by_tag[break_tag]["eventTime"], "link": link, "session": session,
             "service": service, "note": note}
        if session:
            sess = self.sessions[session][0]
            f["session_key"] = sess.key
            f["lost_session_events" if kind == "identity_lost" else "session_events"] = sum(
                1 for _, _, r in self.items if r["userIdentity"].get("accessKeyId") == sess.key)
        self.findings.append(f)


def idc_keys(u: IdcUser) -> dict:
    return {"identity_center_user_id": u.user_id, "identity_store_arn": IDSTORE_ARN, "user_name": u.name}


# ------------------------------------------------------------------------------------------------
# stories


def sso_role(account: str, permission_set: str, suffix: str, region_segment: str = "") -> Role:
    return Role(account, f"aws-reserved/sso.amazonaws.com/{region_segment}", f"AWSReservedSSO_{permission_set}_{suffix}")


def build_stories(e: Estate) -> None:  # noqa: C901 (a script: one long, linear narrative)
    # ---------------------------------------------------------------- story 1: alice (SSO + FAS)
    analyst = sso_role(DATA, "DataAnalyst", "0123456789abcdef")
    data_saml = f"arn:aws:iam::{DATA}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    mgmt_saml = f"arn:aws:iam::{MGMT}:saml-provider/AWSSSO_fedcba9876543210_DO_NOT_DELETE"

    e.idc_get_role_credentials(1, "alice.grc", t=at("08:30:11"), user=ALICE, role_name="DataAnalyst",
                               account_id=DATA)
    k_alice = e.session(1, "propagated", Session("K_alice", analyst, ALICE.name, at("08:30:12"),
                                                 on_behalf_of=ALICE.obo()))
    e.assume_role_with_saml(1, "alice.saml", t=at("08:30:12"), region=USE1, sess=k_alice, user_name=ALICE.name,
                            ip=ALICE.ip, ua=INTERNAL_JAVA_UA, provider_arn=data_saml, issuer=IDC_ISSUER,
                            duration=28800)
    a = dict(account=DATA, region=USE1, ui=k_alice.ui(), ip=ALICE.ip)
    e.s3_list_buckets(1, "alice.s3.listbuckets", t=at("08:31:02"), ua=f"[{ALICE.cli('s3.ls')}]", **a)
    e.call(1, "alice.glue.getdatabases", t=at("08:33:47"), svc="glue", name="GetDatabases",
           ua=ALICE.cli("glue.get-databases"), req={"catalogId": DATA}, version="1.11", **a)
    e.call(1, "alice.glue.gettables", t=at("08:34:10"), svc="glue", name="GetTables",
           ua=ALICE.cli("glue.get-tables"), req={"catalogId": DATA, "databaseName": "sales"}, version="1.11", **a)
    e.s3_object(1, "alice.s3.getobject.q1", t=at("08:41:08"), region=USE1, ui=k_alice.ui(), ip=ALICE.ip,
                ua=f"[{ALICE.cli('s3.cp')}]", op="GetObject", bucket="example-finance-reports",
                bucket_account=DATA, key="2026/q1.csv", size=48211, version="1.11")
    # forward access session: S3 calls KMS with alice's own credentials (reference 6.5)
    e.call(1, "alice.kms.decrypt.fas", t=at("08:41:09"), svc="kms", name="Decrypt",
           ui=k_alice.ui(invoked_by="s3.amazonaws.com"), account=DATA, region=USE1, ip="s3.amazonaws.com",
           ua="s3.amazonaws.com",
           req={"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {"aws:s3:arn": "arn:aws:s3:::example-finance-reports/2026/q1.csv"}},
           resources=[{"accountId": DATA, "type": "AWS::KMS::Key",
                       "ARN": f"arn:aws:kms:us-east-1:{DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],
           version="1.11")
    qid_alice = huuid("athena-query:alice")
    e.call(1, "alice.athena.listqueryexecutions", t=at("08:52:30"), svc="athena", name="ListQueryExecutions",
           ua=ALICE.cli("athena.list-query-executions"), req={"workGroup": "primary", "maxResults": 10},
           version="1.11", **a)
    e.call(1, "alice.athena.getqueryresults", t=at("08:52:41"), svc="athena", name="GetQueryResults",
           ua=ALICE.cli("athena.get-query-results"), req={"queryExecutionId": qid_alice, "maxResults": 100},
           version="1.11", **a)

    # ---------------------------------------------------------------- story 2: Redshift (alice, dave)
    rs_role = Role(DATA, "service-role/", "RedshiftSharedServiceRole")
    wg = "analytics-wg"

    def execute_statement(tag: str, user: IdcUser, sess: Session, t: datetime, sql: str) -> str:
        stmt = huuid("redshift-statement:" + tag)
        e.call(2, tag, t=t, account=DATA, region=USE1, svc="redshift-data", name="ExecuteStatement",
               ui=sess.ui(), ip=user.ip, ua=user.cli("redshift-data.execute-statement"),
               req={"workgroupName": wg, "database": "dev", "sql": sql},
               resp={"id": stmt, "createdAt": java_time(t), "database": "dev", "workgroupName": wg},
               read_only=False, version="1.11")
        return stmt

    stmt = execute_statement("alice.redshift.executestatement", ALICE, k_alice, at("09:10:00"),
                             "SELECT region, SUM(amount) FROM spectrum_sales.orders "
                             "WHERE order_date >= '2026-02-01' GROUP BY region")
    e.call(1, "alice.redshift.describestatement", t=at("09:10:21"), svc="redshift-data", name="DescribeStatement",
           ua=ALICE.cli("redshift-data.describe-statement"), req={"id": stmt}, version="1.11", **a)
    e.call(1, "alice.redshift.getstatementresult", t=at("09:10:36"), svc="redshift-data",
           name="GetStatementResult", ua=ALICE.cli("redshift-data.get-statement-result"), req={"id": stmt},
           version="1.11", **a)
    e.s3_object(1, "alice.s3.getobject.summary", t=at("09:38:55"), region=USE1, ui=k_alice.ui(), ip=ALICE.ip,
                ua=f"[{ALICE.cli('s3.cp')}]", op="GetObject", bucket="example-sales-curated",
                bucket_account=DATA, key="reports/2026-02/summary.parquet", size=183377, version="1.11")

    def redshift_hop(label: str, t: datetime, hop: list[tuple[str, str, str]]) -> Session:
        sess = e.session(2, "lost", Session(label, rs_role, "RedshiftIamRoleSession", t))
        e.service_assume_role(2, f"{label}.assumerole", t=t, region=USE1, principal="redshift.amazonaws.com",
                              sess=sess, duration=3600)
        r = dict(region=USE1, ui=sess.ui(), ip="203.0.113.150", ua=REDSHIFT_UA)
        for i, (hms, what, obj) in enumerate(hop):
            tag = f"{label}.{i}"
            if what == "GetTable":
                e.call(2, tag, t=at(hms), account=DATA, svc="glue", name="GetTable",
                       req={"catalogId": DATA, "databaseName": "sales", "name": obj}, **r)
            else:
                e.s3_object(2, tag, t=at(hms), op="GetObject", bucket="example-sales-lake", bucket_account=DATA,
                            key=obj, size=9_437_184 + 4099 * i, **r)
        return sess

    redshift_hop("K_rs1", at("09:10:04"), [
        ("09:10:06", "GetTable", "orders"),
        ("09:10:09", "GetObject", "orders/order_date=2026-02-01/part-00000.parquet"),
        ("09:10:12", "GetObject", "orders/order_date=2026-02-02/part-00000.parquet"),
        ("09:10:30", "GetObject", "orders/order_date=2026-02-03/part-00000.parquet"),
    ])

    e.idc_get_role_credentials(2, "dave.grc", t=at("11:20:14"), user=DAVE, role_name="DataAnalyst",
                               account_id=DATA)
    k_dave = e.session(2, "propagated", Session("K_dave", analyst, DAVE.name, at("11:20:15"),
                                                on_behalf_of=DAVE.obo()))
    e.assume_role_with_saml(2, "dave.saml", t=at("11:20:15"), region=USE1, sess=k_dave, user_name=DAVE.name,
                            ip=DAVE.ip, ua=INTERNAL_JAVA_UA, provider_arn=data_saml, issuer=IDC_ISSUER,
                            duration=28800)
    d = dict(account=DATA, region=USE1, ui=k_dave.ui(), ip=DAVE.ip)
    e.s3_list_buckets(2, "dave.s3.listbuckets", t=at("11:21:03"), ua=f"[{DAVE.cli('s3.ls')}]", **d)
    e.call(2, "dave.glue.gettables", t=at("11:24:30"), svc="glue", name="GetTables",
           ua=DAVE.cli("glue.get-tables"), req={"catalogId": DATA, "databaseName": "sales"}, version="1.11", **d)
    stmt = execute_statement("dave.redshift.executestatement", DAVE, k_dave, at("11:30:00"),
                             "SELECT customer_id, COUNT(*) FROM spectrum_sales.orders "
                             "WHERE order_date = '2026-03-01' GROUP BY customer_id")
    e.call(2, "dave.redshift.describestatement", t=at("11:30:19"), svc="redshift-data", name="DescribeStatement",
           ua=DAVE.cli("redshift-data.describe-statement"), req={"id": stmt}, version="1.11", **d)
    e.call(2, "dave.redshift.getstatementresult", t=at("11:31:02"), svc="redshift-data",
           name="GetStatementResult", ua=DAVE.cli("redshift-data.get-statement-result"), req={"id": stmt},
           version="1.11", **d)
    redshift_hop("K_rs2", at("11:30:05"), [
        ("11:30:07", "GetTable", "orders"),
        ("11:30:09", "GetObject", "orders/order_date=2026-03-01/part-00000.parquet"),
        ("11:30:16", "GetObject", "orders/order_date=2026-03-01/part-00001.parquet"),
    ])

    # ---------------------------------------------------------------- story 3: carol's Glue job
    engineer = sso_role(MGMT, "DataEngineer", "fedcba9876543210", region_segment="eu-west-1/")
    e.idc_get_role_credentials(3, "carol.grc", t=at("12:00:20"), user=CAROL, role_name="DataEngineer",
                               account_id=MGMT)
    k_carol = e.session(3, "propagated", Session("K_carol", engineer, CAROL.name, at("12:00:21"),
                                                 on_behalf_of=CAROL.obo()))
    e.assume_role_with_saml(3, "carol.saml", t=at("12:00:21"), region=EUW1, sess=k_carol, user_name=CAROL.name,
                            ip=CAROL.ip, ua=INTERNAL_JAVA_UA, provider_arn=mgmt_saml, issuer=IDC_ISSUER,
                            duration=28800)
    c = dict(account=MGMT, region=EUW1, ui=k_carol.ui(), ip=CAROL.ip)
    job = "nightly-orders-etl"
    run_id = "jr_" + hstr("glue-job-run:carol", 64, HEX)
    e.call(3, "carol.glue.getjob", t=at("12:01:10"), svc="glue", name="GetJob", ua=CAROL.cli("glue.get-job"),
           req={"jobName": job}, version="1.11", **c)
    e.s3_object(3, "carol.s3.listobjects", t=at("12:02:44"), region=EUW1, ui=k_carol.ui(), ip=CAROL.ip,
                ua=f"[{CAROL.cli('s3.ls')}]", op="ListObjects", bucket="example-orders-raw-eu",
                bucket_account=MGMT, key="incoming/2026-03-01/", version="1.11")
    e.call(3, "carol.glue.startjobrun", t=at("12:05:00"), svc="glue", name="StartJobRun",
           ua=CAROL.cli("glue.start-job-run"), req={"jobName": job, "arguments": {"--run_date": "2026-03-01"}},
           resp={"jobRunId": run_id}, read_only=False, version="1.11", **c)
    e.call(3, "carol.glue.getjobrun.1", t=at("12:07:31"), svc="glue", name="GetJobRun",
           ua=CAROL.cli("glue.get-job-run"), req={"jobName": job, "runId": run_id}, version="1.11", **c)
    e.call(3, "carol.glue.getjobrun.2", t=at("12:12:40"), svc="glue", name="GetJobRun",
           ua=CAROL.cli("glue.get-job-run"), req={"jobName": job, "runId": run_id}, version="1.11", **c)

    etl_role = Role(MGMT, "service-role/", "AWSGlueServiceRole-SharedETL")
    k_glue = e.session(3, "lost", Session("K_glue", etl_role, "GlueJobRunnerSession", at("12:05:40")))
    e.service_assume_role(3, "K_glue.assumerole", t=at("12:05:40"), region=EUW1, principal="glue.amazonaws.com",
                          sess=k_glue, duration=3600)
    g = dict(region=EUW1, ui=k_glue.ui(), ip="198.51.100.190", ua=GLUE_JOB_UA)
    e.s3_object(3, "K_glue.0", t=at("12:06:12"), op="GetObject", bucket=f"aws-glue-assets-{MGMT}-eu-west-1",
                bucket_account=MGMT, key=f"scripts/{job}.py", size=6120, **g)
    e.call(3, "K_glue.1", t=at("12:06:30"), account=MGMT, svc="glue", name="GetTable",
           req={"catalogId": MGMT, "databaseName": "orders", "name": "raw_orders"}, **g)
    e.s3_object(3, "K_glue.2", t=at("12:07:05"), op="GetObject", bucket="example-orders-raw-eu",
                bucket_account=MGMT, key="incoming/2026-03-01/orders-0001.json.gz", size=22_018_311, **g)
    e.s3_object(3, "K_glue.3", t=at("12:10:44"), op="PutObject", bucket="example-orders-curated-eu",
                bucket_account=MGMT, key="orders/run_date=2026-03-01/part-00000.snappy.parquet", size=8_113_402,
                resp={"x-amz-server-side-encryption": "AES256"}, **g)
    e.call(3, "K_glue.4", t=at("12:11:58"), account=MGMT, svc="logs", name="PutLogEvents",
           req={"logGroupName": "/aws-glue/jobs/output", "logStreamName": run_id},
           resp={"nextSequenceToken": None}, read_only=False, category="Data",
           resources=[{"accountId": MGMT, "type": "AWS::Logs::LogGroup",
                       "ARN": f"arn:aws:logs:eu-west-1:{MGMT}:log-group:/aws-glue/jobs/output"}],
           **g)

    # ---------------------------------------------------------------- story 4: erin, TIP done right
    app_fn = f"arn:aws:lambda:us-east-1:{MGMT}:function:data-portal-backend"
    app_role = Role(MGMT, "apps/", "DataPortalAppRole")
    app_ip = "198.51.100.24"
    k_app = e.session(4, "service", Session("K_app", app_role, "data-portal-backend", at("10:14:58"),
                                            in_scope_of={"issuerType": "AWS::Lambda::Function",
                                                         "credentialsIssuedTo": app_fn}))
    e.service_assume_role(4, "K_app.assumerole", t=at("10:14:58"), region=USE1, principal="lambda.amazonaws.com",
                          sess=k_app, duration=7200, duration_param=False)
    e.call(4, "K_app.secretsmanager.getsecretvalue", t=at("10:15:01"), account=MGMT, region=USE1,
           svc="secretsmanager", name="GetSecretValue", ui=k_app.ui(), ip=app_ip,
           ua=RUST_APP_UA.format(api="secretsmanager"), req={"secretId": "data-portal/oidc-client"}, version="1.11")
    idc_app = "arn:aws:sso::111122223333:application/ssoins-1111aaaa2222bbbb/apl-3333cccc4444dddd"
    e.call(4, "K_app.ssooauth.createtokenwithiam", t=at("10:15:30"), account=MGMT, region=USE1, svc="sso-oauth",
           name="CreateTokenWithIAM", ui=k_app.ui(), ip=app_ip, ua=RUST_APP_UA.format(api="ssooidc"),
           req={"clientId": idc_app, "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": "HIDDEN_DUE_TO_SECURITY_REASONS"},
           resp={"accessToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "idToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
                 "tokenType": "Bearer", "expiresIn": 3600,
                 "issuedTokenType": "urn:ietf:params:oauth:token-type:access_token"},
           additional={"identitystore:UserId": ERIN.user_id, "identitystore:IdentityStoreArn": IDSTORE_ARN,
                       "identitycenter:CredentialId": "AAAAA" + hstr("erin-credential", 43, ALNUM)},
           read_only=False, resources=[{"type": "AWS::SSO::Application", "ARN": idc_app}], version="1.11",
           host="oidc.us-east-1.amazonaws.com")
    shared_analytics = Role(MGMT, "", "SharedAnalyticsRole")
    k_tip = e.session(4, "propagated", Session("K_tip", shared_analytics, "portal-7f3c2a91", at("10:15:31"),
                                               on_behalf_of=ERIN.obo()))
    e.emit(4, "K_tip.assumerole", t=at("10:15:31"), account=MGMT, region=USE1, source="sts.amazonaws.com",
           name="AssumeRole", ui=k_app.ui(), ip=app_ip, ua=RUST_APP_UA.format(api="sts"),
           req={"roleArn": shared_analytics.arn, "roleSessionName": k_tip.name, "durationSeconds": 3600,
                "providedContexts": [{"providerArn": "arn:aws:iam::aws:contextProvider/IdentityCenter",
                                      "contextAssertion": "HIDDEN_DUE_TO_SECURITY_REASONS"}]},
           resp=k_tip.credentials(3600), read_only=True, resources=[shared_analytics.resource()], version="1.11",
           additional={"RequestDetails": {"awsServingRegion": USE1, "endpointType": "regional"}},
           host="sts.us-east-1.amazonaws.com")
    tip = dict(account=MGMT, region=USE1, ui=k_tip.ui(), ip=app_ip)
    qid = huuid("athena-query:erin")
    e.call(4, "K_tip.athena.startqueryexecution", t=at("10:15:35"), svc="athena", name="StartQueryExecution",
           ua=RUST_APP_UA.format(api="athena"),
           req={"queryString": "SELECT quarter, revenue FROM finance.quarterly_revenue WHERE fiscal_year = 2026",
                "clientRequestToken": huuid("athena-token:erin"),
                "queryExecutionContext": {"database": "finance", "catalog": "AwsDataCatalog"},
                "workGroup": "tip-enabled"},
           resp={"queryExecutionId": qid}, read_only=False, version="1.11", **tip)
    e.call(4, "K_tip.lakeformation.getdataaccess", t=at("10:15:36"), account=MGMT, region=USE1,
           svc="lakeformation", name="GetDataAccess", ui=k_tip.ui(invoked_by="athena.amazonaws.com"),
           ip="athena.amazonaws.com", ua="athena.amazonaws.com",
           req={"tableArn": f"arn:aws:glue:us-east-1:{MGMT}:table/finance/quarterly_revenue",
                "durationSeconds": 3600, "auditContext": {
                    "additionalAuditContext": json.dumps({"queryId": qid}, separators=(",", ":"))},
                "cellLevelSecurityEnforced": False},
           additional={"requesterService": "ATHENA", "lakeFormationPrincipal": shared_analytics.arn,
                       "lakeFormationRoleSessionName": "AWSLF-00-AT-111122223333-" + hstr("lf-session", 10, "0123456789")},
           version="1.11")
    grant_target = "s3://example-analytics-data/teams/finance/*"
    e.emit(4, "K_tip.s3.getdataaccess", t=at("10:15:36"), account=MGMT, region=USE1, source="s3.amazonaws.com",
           name="GetDataAccess", ui=k_tip.ui(), ip=app_ip, ua=RUST_APP_UA.format(api="s3control"),
           req={"target": grant_target, "permission": "READ", "durationSeconds": 3600, "privilege": "Default",
                "Host": f"{MGMT}.s3-control.us-east-1.amazonaws.com", "accountId": MGMT},
           resp={"matchedGrantTarget": grant_target}, read_only=True, category="Data", version="1.11",
           request_id=s3_request_id("K_tip.s3.getdataaccess"),
           resources=[{"accountId": MGMT, "type": "AWS::S3::AccessGrantsInstance",
                       "ARN": f"arn:aws:s3:us-east-1:{MGMT}:access-grants/default"}],
           additional={"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                       "bytesTransferredIn": 0, "bytesTransferredOut": 1802, "AuthenticationMethod": "AuthHeader",
                       "x-amz-id-2": amz_id_2("K_tip.s3.getdataaccess")},
           host=f"{MGMT}.s3-control.us-east-1.amazonaws.com")
    ag_role = Role(MGMT, "", "S3AGLocationRole")
    k_ag = e.session(4, "propagated", Session("K_ag", ag_role, "access-grants-" + huuid("access-grants:erin"),
                                              at("10:15:37"), on_behalf_of=ERIN.obo()))
    e.service_assume_role(4, "K_ag.assumerole", t=at("10:15:37"), region=USE1,
                          principal="access-grants.s3.amazonaws.com", sess=k_ag, duration=3600)
    for i, (hms, key, size) in enumerate([("10:15:40", "teams/finance/q1.parquet", 482133),
                                          ("10:15:41", "teams/finance/q2.parquet", 477020),
                                          ("10:15:43", "teams/finance/forecast.parquet", 91844)]):
        e.s3_object(4, f"K_ag.{i}", t=at(hms), region=USE1, ui=k_ag.ui(), ip=app_ip,
                    ua=f"[{RUST_APP_UA.format(api='s3')}]", op="GetObject", bucket="example-analytics-data",
                    bucket_account=MGMT, key=key, size=size, version="1.11")
    e.call(4, "K_tip.athena.getqueryexecution", t=at("10:15:49"), svc="athena", name="GetQueryExecution",
           ua=RUST_APP_UA.format(api="athena"), req={"queryExecutionId": qid}, version="1.11", **tip)
    e.call(4, "K_tip.athena.getqueryresults", t=at("10:15:52"), svc="athena", name="GetQueryResults",
           ua=RUST_APP_UA.format(api="athena"), req={"queryExecutionId": qid, "maxResults": 1000},
           version="1.11", **tip)

    # ---------------------------------------------------------------- story 5: frank invokes a Lambda
    developer = sso_role(MGMT, "Developer", "1111222233334444")
    e.idc_get_role_credentials(5, "frank.grc", t=at("13:00:05"), user=FRANK, role_name="Developer",
                               account_id=MGMT)
    k_frank = e.session(5, "propagated", Session("K_frank", developer, FRANK.name, at("13:00:06"),
                                                 on_behalf_of=FRANK.obo()))
    e.assume_role_with_saml(5, "frank.saml", t=at("13:00:06"), region=USE1, sess=k_frank, user_name=FRANK.name,
                            ip=FRANK.ip, ua=INTERNAL_JAVA_UA, provider_arn=mgmt_saml, issuer=IDC_ISSUER,
                            duration=28800)
    fn = f"arn:aws:lambda:us-east-1:{MGMT}:function:invoice-export"
    f_ = dict(account=MGMT, region=USE1, ui=k_frank.ui(), ip=FRANK.ip)
    e.call(5, "frank.lambda.listfunctions", t=at("13:01:20"), svc="lambda", name="ListFunctions20150331",
           ua=FRANK.cli("lambda.list-functions"), version="1.11", **f_)
    e.call(5, "frank.lambda.getfunction", t=at("13:02:05"), svc="lambda", name="GetFunction20150331v2",
           ua=FRANK.cli("lambda.get-function"), req={"functionName": "invoice-export"}, version="1.11", **f_)
    e.call(5, "frank.lambda.invoke", t=at("13:10:00"), svc="lambda", name="Invoke", ua=FRANK.cli("lambda.invoke"),
           req={"functionName": fn, "invocationType": "RequestResponse", "logType": "None"},
           additional={"functionVersion": f"{fn}:$LATEST"}, read_only=False, category="Data",
           resources=[{"accountId": MGMT, "type": "AWS::Lambda::Function", "ARN": fn}], version="1.11", **f_)
    e.call(5, "frank.logs.filterlogevents", t=at("13:14:30"), svc="logs", name="FilterLogEvents",
           ua=FRANK.cli("logs.filter-log-events"),
           req={"logGroupName": "/aws/lambda/invoice-export", "startTime": 1772456400000}, version="1.11", **f_)
    inv_role = Role(MGMT, "service-role/", "invoice-export-role")
    k_inv = e.session(5, "lost", Session("K_inv", inv_role, "invoice-export", at("13:10:01"),
                                         in_scope_of={"issuerType": "AWS::Lambda::Function",
                                                      "credentialsIssuedTo": fn}))
    e.service_assume_role(5, "K_inv.assumerole", t=at("13:10:01"), region=USE1, principal="lambda.amazonaws.com",
                          sess=k_inv, duration=7200, duration_param=False)
    inv = dict(account=MGMT, region=USE1, ui=k_inv.ui(), ip="203.0.113.77", ua=LAMBDA_PY_UA, version="1.11")
    table = f"arn:aws:dynamodb:us-east-1:{MGMT}:table/invoices"
    for i, hms in enumerate(["13:10:02", "13:10:03"]):
        e.call(5, f"K_inv.{i}", t=at(hms), svc="dynamodb", name="Query",
               req={"tableName": "invoices", "indexName": "by-month",
                    "keyConditionExpression": "invoice_month = :m", "limit": 500},
               resources=[{"accountId": MGMT, "type": "AWS::DynamoDB::Table", "ARN": table}], category="Data",
               api_version="2012-08-10", **inv)
    e.call(5, "K_inv.2", t=at("13:10:04"), svc="kms", name="GenerateDataKey",
           req={"keyId": "alias/invoice-export", "keySpec": "AES_256",
                "encryptionContext": {"purpose": "invoice-export"}},
           resources=[{"accountId": MGMT, "type": "AWS::KMS::Key",
                       "ARN": f"arn:aws:kms:us-east-1:{MGMT}:key/9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b"}], **inv)
    e.s3_object(5, "K_inv.3", t=at("13:10:06"), region=USE1, ui=k_inv.ui(), ip="203.0.113.77", ua=LAMBDA_PY_UA,
                op="PutObject", bucket="example-invoice-exports", bucket_account=MGMT,
                key="exports/2026-03/invoices-2026-03-02T131004Z.csv.enc", size=73_204, version="1.11",
                resp={"x-amz-server-side-encryption": "AES256"})

    # ---------------------------------------------------------------- story 6: ci-deployer (AKIA)
    ci_user_arn = f"arn:aws:iam::{MGMT}:user/ci-deployer"
    ci_uid = unique_id("AIDA", MGMT, "user:ci-deployer")
    ci_key = access_key(False, MGMT, "ci-deployer")
    e.long_term_keys["AKIA_ci_deployer"] = ci_key
    ci_ui = {"type": "IAMUser", "principalId": ci_uid, "arn": ci_user_arn, "accountId": MGMT,
             "accessKeyId": ci_key, "userName": "ci-deployer"}
    ci_ip = "198.51.100.200"
    e.emit(6, "ci.sts.getcalleridentity", t=at("09:00:00"), account=MGMT, region=USE1, source="sts.amazonaws.com",
           name="GetCallerIdentity", ui=ci_ui, ip=ci_ip, ua=CI_UA.format(cmd="sts.get-caller-identity"),
           read_only=True, version="1.08", host="sts.us-east-1.amazonaws.com", tls=TLS12,
           additional={"RequestDetails": {"awsServingRegion": USE1, "endpointType": "regional"}})
    deploy_role = Role(DATA, "", "CrossAccountDeployRole")
    k_dep = e.session(6, "reconstructable", Session("K_dep", deploy_role, "deploy-4821", at("09:00:02"),
                                                    web_id=True))
    e.cross_account_assume_role(6, "K_dep.assumerole", t=at("09:00:02"), caller_ui=ci_ui, caller_account=MGMT,
                                caller_principal_id=ci_uid, ip=ci_ip, ua=CI_UA.format(cmd="sts.assume-role"),
                                sess=k_dep, duration=3600, tls=TLS12)
    dep = dict(account=DATA, region=USE1, ui=k_dep.ui(), ip=ci_ip, tls=TLS12)
    e.s3_object(6, "K_dep.0", t=at("09:00:05"), region=USE1, ui=k_dep.ui(), ip=ci_ip, tls=TLS12,
                ua=f"[{CI_UA.format(cmd='s3.cp')}]", op="PutObject", bucket=f"example-deploy-artifacts-{DATA}",
                bucket_account=DATA, key="orders-api/build-4821.zip", size=14_880_012,
                resp={"x-amz-server-side-encryption": "AES256", "x-amz-version-id": hstr("ver:4821", 32, ALNUM)})
    e.call(6, "K_dep.1", t=at("09:00:41"), svc="iam", name="GetRole", ua=CI_UA.format(cmd="iam.get-role"),
           req={"roleName": "orders-api-role"}, **dep)
    orders_fn = f"arn:aws:lambda:us-east-1:{DATA}:function:orders-api"
    e.call(6, "K_dep.2", t=at("09:01:12"), svc="lambda", name="UpdateFunctionCode20150331v2",
           ua=CI_UA.format(cmd="lambda.update-function-code"),
           req={"functionName": "orders-api", "s3Bucket": f"example-deploy-artifacts-{DATA}",
                "s3Key": "orders-api/build-4821.zip", "publish": True, "dryRun": False},
           resp={"functionName": "orders-api", "functionArn": orders_fn, "runtime": "python3.12",
                 "handler": "app.handler", "codeSize": 14880012, "timeout": 30, "memorySize": 512,
                 "lastModified": "2026-03-02T09:01:12.418+0000", "version": "37", "state": "Pending",
                 "lastUpdateStatus": "InProgress", "packageType": "Zip", "architectures": ["arm64"]},
           read_only=False, **dep)
    e.call(6, "K_dep.3", t=at("09:02:37"), svc="lambda", name="GetFunction20150331v2",
           ua=CI_UA.format(cmd="lambda.get-function"), req={"functionName": "orders-api"}, **dep)
    helper_role = Role(DATA, "", "DeployHelperRole")
    k_help = e.session(6, "reconstructable", Session("K_help", helper_role, "helper", at("09:03:10"), web_id=True))
    e.emit(6, "K_help.assumerole", t=at("09:03:10"), account=DATA, region=USE1, source="sts.amazonaws.com",
           name="AssumeRole", ui=k_dep.ui(), ip=ci_ip, ua=CI_UA.format(cmd="sts.assume-role"),
           req={"roleArn": helper_role.arn, "roleSessionName": "helper", "durationSeconds": 900},
           resp=k_help.credentials(900), read_only=True, resources=[helper_role.resource()], version="1.08",
           additional={"RequestDetails": {"awsServingRegion": USE1, "endpointType": "regional"}},
           host="sts.us-east-1.amazonaws.com", tls=TLS12)
    hlp = dict(account=DATA, region=EUW1, ui=k_help.ui(), ip=ci_ip, tls=TLS12)
    e.call(6, "K_help.0", t=at("09:03:12"), svc="ssm", name="GetParameter", ua=CI_UA.format(cmd="ssm.get-parameter"),
           req={"name": "/deploy/orders-api/eu-west-1/config", "withDecryption": False}, **hlp)
    e.call(6, "K_help.1", t=at("09:03:31"), svc="ec2", name="DescribeSubnets",
           ua=CI_UA.format(cmd="ec2.describe-subnets"),
           req={"subnetSet": {}, "filterSet": {"items": [{"name": "tag:tier", "valueSet": {"items": [{"value": "app"}]}}]}},
           **hlp)
    e.call(6, "K_help.2", t=at("09:03:58"), svc="ec2", name="DescribeSecurityGroups",
           ua=CI_UA.format(cmd="ec2.describe-security-groups"),
           req={"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}, **hlp)

    # ---------------------------------------------------------------- story 7: grace (Okta + sourceIdentity)
    okta_role = Role(MGMT, "", "OktaEngineers")
    okta_provider = f"arn:aws:iam::{MGMT}:saml-provider/Okta"
    grace = "grace@example.com"
    grace_ip = "203.0.113.40"
    k_gr1 = e.session(7, "propagated", Session("K_gr1", okta_role, grace, at("10:40:00"), source_identity=grace))
    e.assume_role_with_saml(7, "K_gr1.saml", t=at("10:40:00"), region=USE1, sess=k_gr1, user_name=grace,
                            ip=grace_ip, ua=GRACE_UA.format(cmd="sts.assume-role-with-saml"),
                            provider_arn=okta_provider, issuer=OKTA_ISSUER, duration=3600, source_identity=grace)
    g1 = dict(account=MGMT, region=USE1, ui=k_gr1.ui(), ip=grace_ip)
    e.call(7, "K_gr1.0", t=at("10:40:35"), svc="iam", name="ListRoles", ua=GRACE_UA.format(cmd="iam.list-roles"),
           req={"maxItems": 100}, **g1)
    e.call(7, "K_gr1.1", t=at("10:41:10"), svc="ec2", name="DescribeInstances",
           ua=GRACE_UA.format(cmd="ec2.describe-instances"), req={"instancesSet": {}, "filterSet": {}}, **g1)
    e.s3_list_buckets(7, "K_gr1.2", t=at("10:42:02"), ua=f"[{GRACE_UA.format(cmd='s3.ls')}]", **g1)
    audit_role = Role(DATA, "", "AuditReadRole")
    k_gr2 = e.session(7, "propagated", Session("K_gr2", audit_role, grace, at("10:45:00"), source_identity=grace))
    e.cross_account_assume_role(7, "K_gr2.assumerole", t=at("10:45:00"), caller_ui=k_gr1.ui(), caller_account=MGMT,
                                caller_principal_id=k_gr1.principal_id, ip=grace_ip,
                                ua=GRACE_UA.format(cmd="sts.assume-role"), sess=k_gr2, duration=3600,
                                source_identity=grace)
    g2 = dict(account=DATA, region=USE1, ui=k_gr2.ui(), ip=grace_ip)
    e.call(7, "K_gr2.0", t=at("10:45:20"), svc="cloudtrail", name="LookupEvents",
           ua=GRACE_UA.format(cmd="cloudtrail.lookup-events"),
           req={"lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "ConsoleLogin"}],
                "startTime": "Mar 1, 2026, 10:45:00 AM", "maxResults": 50}, **g2)
    e.call(7, "K_gr2.1", t=at("10:46:05"), svc="config", name="DescribeConfigRules",
           ua=GRACE_UA.format(cmd="configservice.describe-config-rules"), req={"configRuleNames": []}, **g2)
    e.call(7, "K_gr2.2", t=at("10:47:30"), svc="cloudtrail", name="LookupEvents",
           ua=GRACE_UA.format(cmd="cloudtrail.lookup-events"),
           req={"lookupAttributes": [{"attributeKey": "Username", "attributeValue": "ci-deployer"}],
                "startTime": "Mar 1, 2026, 10:47:00 AM", "maxResults": 50}, **g2)

    # ---------------------------------------------------------------- story 8: origin outside the logs
    legacy_role = Role(DATA, "", "LegacyAutomationRole")
    k_legacy = e.session(8, "unattributed", Session("K_legacy", legacy_role, "cron-sync",
                                                    datetime(2026, 3, 1, 23, 50, 0, tzinfo=timezone.utc),
                                                    web_id=True))
    lg = dict(account=DATA, region=EUW1, ui=k_legacy.ui(), ip="198.51.100.77", ua=LEGACY_UA, tls=TLS12,
              version="1.08")
    e.call(8, "K_legacy.0", t=at("08:10:12"), svc="ec2", name="DescribeInstances",
           req={"instancesSet": {}, "filterSet": {"items": [{"name": "tag:sync", "valueSet": {"items": [{"value": "true"}]}}]}},
           **lg)
    e.call(8, "K_legacy.1", t=at("08:10:14"), svc="ssm", name="GetParameter",
           req={"name": "/legacy/cron-sync/target", "withDecryption": False}, **lg)
    e.call(8, "K_legacy.2", t=at("08:25:12"), svc="ec2", name="DescribeInstances",
           req={"instancesSet": {}, "filterSet": {"items": [{"name": "tag:sync", "valueSet": {"items": [{"value": "true"}]}}]}},
           **lg)
    e.call(8, "K_legacy.3", t=at("08:39:58"), svc="ssm", name="GetParameter",
           req={"name": "/legacy/cron-sync/target", "withDecryption": False}, **lg)

    # ---------------------------------------------------------------- story 9: service noise
    # (a) scheduled Lambda cleanup-tmp, 444455556666 eu-west-1: nobody invokes it
    cleanup_fn = f"arn:aws:lambda:eu-west-1:{DATA}:function:cleanup-tmp"
    cleanup_role = Role(DATA, "service-role/", "cleanup-tmp-role-k3x9q2")
    k_clean = e.session(9, "service", Session("K_cleanup", cleanup_role, "cleanup-tmp", at("08:00:03"),
                                              in_scope_of={"issuerType": "AWS::Lambda::Function",
                                                           "credentialsIssuedTo": cleanup_fn}))
    e.service_assume_role(9, "K_cleanup.assumerole", t=at("08:00:03"), region=EUW1, principal="lambda.amazonaws.com",
                          sess=k_clean, duration=7200, duration_param=False)
    cl = dict(region=EUW1, ui=k_clean.ui(), ip="203.0.113.91", ua=LAMBDA_PY_UA.replace("3.12.7", "3.12.8"),
              bucket="example-scratch-eu", bucket_account=DATA, version="1.10")
    e.s3_object(9, "K_cleanup.0", t=at("08:00:04"), op="ListObjects", key="tmp/", **cl)
    e.s3_object(9, "K_cleanup.1", t=at("08:00:05"), op="DeleteObject", key="tmp/export-20260301-2210.csv", **cl)
    e.s3_object(9, "K_cleanup.2", t=at("08:00:06"), op="DeleteObject", key="tmp/export-20260301-2340.csv", **cl)
    e.s3_object(9, "K_cleanup.3", t=at("09:00:04"), op="ListObjects", key="tmp/", **cl)
    e.s3_object(9, "K_cleanup.4", t=at("09:00:05"), op="DeleteObject", key="tmp/export-20260302-0815.csv", **cl)
    e.s3_object(9, "K_cleanup.5", t=at("09:45:04"), op="ListObjects", key="tmp/", **cl)

    # (b) scheduled Glue crawler, 111122223333 eu-west-1 at 08:05 (no StartCrawler by anybody)
    crawler_role = Role(MGMT, "service-role/", "AWSGlueServiceRole-Crawler")
    k_crawl = e.session(9, "service", Session("K_crawler", crawler_role, "AWS-Crawler", at("08:05:12")))
    e.service_assume_role(9, "K_crawler.assumerole", t=at("08:05:12"), region=EUW1, principal="glue.amazonaws.com",
                          sess=k_crawl, duration=3600)
    cr = dict(account=MGMT, region=EUW1, ui=k_crawl.ui(invoked_by="glue.amazonaws.com"), ip="glue.amazonaws.com",
              ua="glue.amazonaws.com")
    e.call(9, "K_crawler.0", t=at("08:05:31"), svc="glue", name="GetDatabase",
           req={"catalogId": MGMT, "name": "orders"}, **cr)
    e.call(9, "K_crawler.1", t=at("08:05:33"), svc="glue", name="GetTables",
           req={"catalogId": MGMT, "databaseName": "orders"}, **cr)
    e.s3_object(9, "K_crawler.2", t=at("08:05:40"), region=EUW1, ui=cr["ui"], ip=cr["ip"], ua=cr["ua"],
                op="ListObjects", bucket="example-orders-raw-eu", bucket_account=MGMT, key="incoming/")
    e.s3_object(9, "K_crawler.3", t=at("08:06:55"), region=EUW1, ui=cr["ui"], ip=cr["ip"], ua=cr["ua"],
                op="GetObject", bucket="example-orders-raw-eu", bucket_account=MGMT,
                key="incoming/2026-03-01/orders-0001.json.gz", size=1_048_576)
    e.call(9, "K_crawler.4", t=at("08:07:21"), svc="glue", name="BatchCreatePartition",
           req={"catalogId": MGMT, "databaseName": "orders", "tableName": "raw_orders",
                "partitionInputList": [{"values": ["2026-03-01"]}]}, read_only=False, **cr)

    # (c) AWS Config service-linked role, 111122223333, both Regions
    config_slr = Role(MGMT, "aws-service-role/config.amazonaws.com/", "AWSServiceRoleForConfig")
    for region, hms, calls in [
        (USE1, "08:15:07", [("08:15:09", "DescribeSecurityGroups"), ("08:15:10", "DescribeVpcs"),
                            ("08:15:12", "DescribeSubnets"), ("08:15:15", "DescribeNetworkInterfaces"),
                            ("08:15:18", "DescribeInstances")]),
        (EUW1, "10:02:44", [("10:02:46", "DescribeSecurityGroups"), ("10:02:47", "DescribeVpcs"),
                            ("10:02:49", "DescribeInstances")]),
    ]:
        label = f"K_config_{region}"
        sess = e.session(9, "service", Session(label, config_slr, "AWSConfig-Describe", at(hms)))
        e.service_assume_role(9, f"{label}.assumerole", t=at(hms), region=region, principal="config.amazonaws.com",
                              sess=sess, duration=3600, duration_param=False)
        params = {"DescribeSecurityGroups": {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}},
                  "DescribeVpcs": {"vpcSet": {}, "filterSet": {}},
                  "DescribeSubnets": {"subnetSet": {}, "filterSet": {}},
                  "DescribeNetworkInterfaces": {"networkInterfaceIdSet": {}, "filterSet": {}},
                  "DescribeInstances": {"instancesSet": {}, "filterSet": {}}}
        for i, (ehms, name) in enumerate(calls):
            e.call(9, f"{label}.{i}", t=at(ehms), account=MGMT, region=region, svc="ec2", name=name,
                   ui=sess.ui(invoked_by="config.amazonaws.com"), ip="config.amazonaws.com",
                   ua="config.amazonaws.com", req=params[name], version="1.08")

    # (d) EC2 instance role, 444455556666 us-east-1
    web_role = Role(DATA, "", "WebServerInstanceRole")
    instance = "i-0abc1234def567890"
    k_ec2 = e.session(9, "service", Session("K_ec2", web_role, instance, at("08:12:30"), ec2_delivery="2.0",
                                            web_id=True))
    e.service_assume_role(9, "K_ec2.assumerole", t=at("08:12:30"), region=USE1, principal="ec2.amazonaws.com",
                          sess=k_ec2, duration=21600, duration_param=False)
    web_ip = "203.0.113.210"
    ssm_req = {"instanceId": instance, "agentVersion": "3.3.1142.0", "agentStatus": "Active",
               "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023",
               "iPAddress": "10.20.1.37", "computerName": "ip-10-20-1-37.ec2.internal",
               "agentName": "amazon-ssm-agent", "availabilityZone": "us-east-1b", "availabilityZoneId": "use1-az4"}
    w = dict(account=DATA, region=USE1, ui=k_ec2.ui(), ip=web_ip, tls=TLS12, version="1.08")
    for i, hms in enumerate(["08:13:05", "09:13:05", "11:13:05", "13:13:05"]):
        e.call(9, f"K_ec2.ssm.{i}", t=at(hms), svc="ssm", name="UpdateInstanceInformation", ua=SSM_AGENT_UA,
               req=ssm_req, read_only=False, **w)
    e.s3_object(9, "K_ec2.s3", t=at("08:19:44"), region=USE1, ui=k_ec2.ui(), ip=web_ip, tls=TLS12,
                ua=f"[{EC2_APP_UA}]", op="GetObject", bucket="example-webapp-config", bucket_account=DATA,
                key="prod/settings.json", size=2211)
    e.call(9, "K_ec2.secret", t=at("10:22:10"), svc="secretsmanager", name="GetSecretValue", ua=EC2_APP_UA,
           req={"secretId": "prod/webapp/db"}, **w)


# ------------------------------------------------------------------------------------------------
# files


def window_start(t: datetime) -> datetime:
    return t.replace(minute=t.minute - t.minute % 5, second=0)


def file_for(account: str, region: str, wstart: datetime) -> tuple[str, datetime]:
    """Object key and delivery time of the log file holding the events of one 5-minute window."""
    wtag = f"{account}:{region}:{iso(wstart)}"
    delivered = wstart + timedelta(minutes=5 + 1 + hbytes("delay:" + wtag, 1)[0] % 4)
    name = (f"{account}_CloudTrail_{region}_{delivered:%Y%m%dT%H%M}Z_"
            f"{hstr('suffix:' + wtag, 16, ALNUM)}.json.gz")
    return f"AWSLogs/{account}/CloudTrail/{region}/{delivered:%Y/%m/%d}/{name}", delivered


def group_files(items: list[tuple[int, str, dict]]) -> dict[str, dict]:
    files: dict[str, dict] = {}
    for story, tag, rec in items:
        key, delivered = file_for(rec["recipientAccountId"], rec["awsRegion"],
                                  window_start(parse_iso(rec["eventTime"])))
        f = files.setdefault(key, {"delivered": delivered, "account": rec["recipientAccountId"],
                                   "region": rec["awsRegion"], "records": []})
        f["records"].append(rec)
    return dict(sorted(files.items()))


def add_delivery_noise(e: Estate) -> None:
    """Story 9: CloudTrail's own writes into the trail bucket (S3 data events for the
    111122223333 prefix, KMS GenerateDataKey for each object), for the log files of 111122223333."""
    files = group_files(e.items)
    pick = [(k, f) for k, f in files.items() if f["account"] == MGMT and f["delivered"] < at("13:59:00")]
    pick.sort(key=lambda kv: (kv[1]["delivered"], kv[0]))
    ct = {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
    for key, f in pick:
        name = key.rsplit("/", 1)[1]
        second = 3 + hbytes("put-second:" + name, 1)[0] % 50
        t_put = f["delivered"] + timedelta(seconds=second)
        s3_arn = f"arn:aws:s3:::{TRAIL_BUCKET}/{key}"
        e.emit(9, f"ct.kms.{name}", t=t_put - timedelta(seconds=1), account=MGMT, region=USE1,
               source="kms.amazonaws.com", name="GenerateDataKey", ui=ct, ip="cloudtrail.amazonaws.com",
               ua="cloudtrail.amazonaws.com",
               req={"keySpec": "AES_256", "keyId": TRAIL_KMS_KEY,
                    "encryptionContext": {"aws:cloudtrail:arn": TRAIL_ARN, "aws:s3:arn": s3_arn}},
               read_only=True, resources=[{"accountId": MGMT, "type": "AWS::KMS::Key", "ARN": TRAIL_KMS_KEY}],
               version="1.08", shared=huuid("sharedEventID:ct.kms." + name))
        e.s3_object(9, f"ct.s3.{name}", t=t_put, region=USE1, ui=ct, ip="cloudtrail.amazonaws.com",
                    ua="cloudtrail.amazonaws.com", op="PutObject", bucket=TRAIL_BUCKET, bucket_account=MGMT,
                    key=key, size=900 + hbytes("size:" + name, 2)[1] * 20, version="1.10",
                    extra_req={"x-amz-acl": "bucket-owner-full-control",
                               "x-amz-server-side-encryption": "aws:kms",
                               "x-amz-server-side-encryption-aws-kms-key-id": TRAIL_KMS_KEY},
                    resp={"x-amz-server-side-encryption": "aws:kms",
                          "x-amz-server-side-encryption-aws-kms-key-id": TRAIL_KMS_KEY})


def shuffled(records: list[dict], seed_name: str) -> list[dict]:
    """CloudTrail files are not ordered: sort by time, then disturb the order a little."""
    recs = sorted(records, key=lambda r: (r["eventTime"], r["eventID"]))
    rng = random.Random(int.from_bytes(hbytes("shuffle:" + seed_name, 8), "big"))
    for i in range(len(recs) - 1):
        if rng.random() < 0.4:
            j = min(len(recs) - 1, i + 1 + rng.randrange(2))
            recs[i], recs[j] = recs[j], recs[i]
    return recs


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def write_gz(path: Path, raw: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


# ------------------------------------------------------------------------------------------------
# main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample-logs")
    ap.add_argument("--expected", type=Path,
                    default=Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sample-logs-expected.json")
    ap.add_argument("--quiet", action="store_true", help="do not print the summary")
    args = ap.parse_args()
    out: Path = args.out

    e = Estate()
    build_stories(e)
    add_delivery_noise(e)

    # expected findings ------------------------------------------------------------------------
    e.expect(2, "identity_lost", "high", human=ALICE.name, human_keys=idc_keys(ALICE),
             role_arn=f"arn:aws:iam::{DATA}:role/service-role/RedshiftSharedServiceRole", break_tag="K_rs1.0",
             link="inferred", session="K_rs1", service="redshift.amazonaws.com",
             note="service_trigger: alice's redshift-data ExecuteStatement 09:10:00 -> redshift AssumeRole 09:10:04")
    e.expect(2, "identity_lost", "high", human=DAVE.name, human_keys=idc_keys(DAVE),
             role_arn=f"arn:aws:iam::{DATA}:role/service-role/RedshiftSharedServiceRole", break_tag="K_rs2.0",
             link="inferred", session="K_rs2", service="redshift.amazonaws.com",
             note="service_trigger: dave's redshift-data ExecuteStatement 11:30:00 -> redshift AssumeRole 11:30:05")
    e.expect(3, "identity_lost", "high", human=CAROL.name, human_keys=idc_keys(CAROL),
             role_arn=f"arn:aws:iam::{MGMT}:role/service-role/AWSGlueServiceRole-SharedETL", break_tag="K_glue.0",
             link="inferred", session="K_glue", service="glue.amazonaws.com",
             note="service_trigger: carol's glue StartJobRun 12:05:00 -> glue AssumeRole 12:05:40")
    e.expect(5, "identity_lost", "high", human=FRANK.name, human_keys=idc_keys(FRANK),
             role_arn=f"arn:aws:iam::{MGMT}:role/service-role/invoice-export-role", break_tag="K_inv.0",
             link="exact", session="K_inv", service="lambda.amazonaws.com",
             note="scoped: frank's lambda Invoke 13:10:00 of invoice-export -> session with "
                  "inScopeOf.credentialsIssuedTo = that function")
    e.expect(6, "long_lived_key", "medium", human="ci-deployer",
             human_keys={"principal_arn": f"arn:aws:iam::{MGMT}:user/ci-deployer", "user_name": "ci-deployer",
                         "access_key_id": e.long_term_keys["AKIA_ci_deployer"]},
             role_arn=None, break_tag="ci.sts.getcalleridentity", link=None, session=None, service=None,
             note="chain rooted in the IAM user's AKIA key; break event = its first event (GetCallerIdentity)")
    e.expect(6, "lineage_only", "medium", human="ci-deployer",
             human_keys={"principal_arn": f"arn:aws:iam::{MGMT}:user/ci-deployer", "user_name": "ci-deployer",
                         "access_key_id": e.long_term_keys["AKIA_ci_deployer"]},
             role_arn=f"arn:aws:iam::{DATA}:role/CrossAccountDeployRole", break_tag="K_dep.0", link="exact",
             session="K_dep", service=None,
             note="role chain without sourceIdentity/onBehalfOf; one finding for the chain, at its first "
                  "reconstructable session (K_dep); K_help under it is part of the same chain")
    e.expect(8, "unattributed_session", "low", human=None, human_keys=None,
             role_arn=f"arn:aws:iam::{DATA}:role/LegacyAutomationRole", break_tag="K_legacy.0", link=None,
             session="K_legacy", service=None,
             note="creationDate 2026-03-01T23:50:00Z; the issuing AssumeRole is not in the logs")
    e.shared_roles.append({"role_arn": f"arn:aws:iam::{DATA}:role/service-role/RedshiftSharedServiceRole",
                           "humans": 2, "chains": 2, "events": 7, "services": ["redshift.amazonaws.com"],
                           "human_names": [ALICE.name, DAVE.name]})
    e.shared_roles.append({"role_arn": f"arn:aws:iam::{MGMT}:role/service-role/AWSGlueServiceRole-SharedETL",
                           "humans": 1, "chains": 1, "events": 5, "services": ["glue.amazonaws.com"],
                           "human_names": [CAROL.name]})
    e.shared_roles.append({"role_arn": f"arn:aws:iam::{MGMT}:role/service-role/invoice-export-role",
                           "humans": 1, "chains": 1, "events": 4, "services": ["lambda.amazonaws.com"],
                           "human_names": [FRANK.name]})

    # files -----------------------------------------------------------------------------------
    files = group_files(e.items)
    logs_root = out / "AWSLogs"
    if logs_root.exists():
        shutil.rmtree(logs_root)
    out.mkdir(parents=True, exist_ok=True)

    written: dict[str, dict] = {}  # key -> info
    for key, f in files.items():
        name = key.rsplit("/", 1)[1]
        recs = shuffled(f["records"], name)
        raw = dumps({"Records": recs})
        write_gz(out / key, raw)
        times = [r["eventTime"] for r in recs]
        written[key] = {"raw_sha256": hashlib.sha256(raw).hexdigest(), "delivered": f["delivered"],
                        "account": f["account"], "region": f["region"], "events": len(recs),
                        "oldest": min(times), "newest": max(times), "duplicate": False,
                        "stories": sorted({e.story_of[r["eventID"]] for r in recs})}

    # story 10: overlapping redelivery of two story-1 events, 444455556666 us-east-1
    dup_recs = [e.by_tag["alice.glue.getdatabases"], e.by_tag["alice.s3.listbuckets"]]
    dup_delivered = at("08:51:00")
    dup_name = f"{DATA}_CloudTrail_{USE1}_{dup_delivered:%Y%m%dT%H%M}Z_{hstr('suffix:redelivery', 16, ALNUM)}.json.gz"
    dup_key = f"AWSLogs/{DATA}/CloudTrail/{USE1}/{dup_delivered:%Y/%m/%d}/{dup_name}"
    assert dup_key not in written
    raw = dumps({"Records": dup_recs})
    write_gz(out / dup_key, raw)
    written[dup_key] = {"raw_sha256": hashlib.sha256(raw).hexdigest(), "delivered": dup_delivered,
                        "account": DATA, "region": USE1, "events": len(dup_recs),
                        "oldest": min(r["eventTime"] for r in dup_recs),
                        "newest": max(r["eventTime"] for r in dup_recs), "duplicate": True, "stories": [10]}
    written = dict(sorted(written.items()))

    # story 11: digest for 111122223333 us-east-1, log files delivered in [09:00, 10:00)
    d_start, d_end = at("09:00:00"), at("10:00:00")
    digest_key = (f"AWSLogs/{MGMT}/CloudTrail-Digest/{USE1}/2026/03/02/"
                  f"{MGMT}_CloudTrail-Digest_{USE1}_{TRAIL_NAME}_{USE1}_{d_end:%Y%m%dT%H%M%S}Z.json.gz")
    covered = [(k, w) for k, w in written.items()
               if w["account"] == MGMT and w["region"] == USE1 and d_start <= w["delivered"] < d_end]
    covered.sort(key=lambda kv: (kv[1]["delivered"], kv[0]))
    digest = {
        "awsAccountId": MGMT,
        "digestStartTime": iso(d_start),
        "digestEndTime": iso(d_end),
        "digestS3Bucket": TRAIL_BUCKET,
        "digestS3Object": digest_key,
        "digestPublicKeyFingerprint": hstr("digest-fingerprint", 32, HEX),
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": max(w["newest"] for _, w in covered) if covered else None,
        "oldestEventTime": min(w["oldest"] for _, w in covered) if covered else None,
        # a starting digest: log file validation was (re)enabled at 09:00 (reference 1.2)
        "previousDigestS3Bucket": None,
        "previousDigestS3Object": None,
        "previousDigestHashValue": None,
        "previousDigestHashAlgorithm": None,
        "previousDigestSignature": None,
        "logFiles": [{"s3Bucket": TRAIL_BUCKET, "s3Object": k, "hashValue": w["raw_sha256"],
                      "hashAlgorithm": "SHA-256", "newestEventTime": w["newest"], "oldestEventTime": w["oldest"]}
                     for k, w in covered],
    }
    digest_raw = dumps(digest)
    write_gz(out / digest_key, digest_raw)

    # expectations -----------------------------------------------------------------------------
    unique_events = len(e.items)
    total_records = sum(w["events"] for w in written.values())
    story_files: dict[int, list[str]] = {s: [] for s in STORIES}
    for k, w in written.items():
        for s in w["stories"]:
            story_files[s].append(k)
    story_files[11] = [digest_key]
    story_events = {s: sum(1 for st, _, _ in e.items if st == s) for s in STORIES}
    story_events[10] = len(dup_recs)
    story_events[11] = 0

    findings = sorted(e.findings, key=lambda f: (f["break_time"], f["kind"]))
    expected = {
        "schema": "tip-audit/sample-logs-expected/v1",
        "generator": "scripts/make_sample_logs.py",
        "day": "2026-03-02",
        "accounts": {MGMT: "management / apps", DATA: "data"},
        "regions": [USE1, EUW1],
        "counts": {
            "log_files": len(written),
            "digest_files": 1,
            "files": len(written) + 1,
            "records": total_records,
            "events": unique_events,
            "duplicates": total_records - unique_events,
            "humans": 7,
        },
        "findings": findings,
        "no_other_findings": True,
        "shared_roles_at_least": e.shared_roles,
        "sessions": [
            {"label": label, "story": story, "expected_status": status, "access_key_id": s.key,
             "role_arn": s.role.arn, "session_arn": s.arn, "creation_date": iso(s.created),
             "events": sum(1 for _, _, r in e.items if r["userIdentity"].get("accessKeyId") == s.key)}
            for label, (s, status, story) in e.sessions.items()
        ],
        "long_term_keys": e.long_term_keys,
        "duplicate_event_ids": [r["eventID"] for r in dup_recs],
        "digest": {"key": digest_key, "covers": [k for k, _ in covered],
                   "sha256_uncompressed": hashlib.sha256(digest_raw).hexdigest()},
        "stories": [{"id": s, "title": t, "events": story_events[s], "files": story_files[s]}
                    for s, t in STORIES.items()],
    }
    args.expected.parent.mkdir(parents=True, exist_ok=True)
    args.expected.write_bytes(json.dumps(expected, indent=2, ensure_ascii=False).encode() + b"\n")
    (out / "README.md").write_text(render_readme(expected, written, digest_key, covered), encoding="utf-8")

    problems = validate(out, expected)
    if problems:
        for p in problems:
            print("INVALID:", p, file=sys.stderr)
        return 1
    if not args.quiet:
        print(json.dumps({"files": expected["counts"], "findings": [
            {k: f[k] for k in ("kind", "severity", "human", "role_arn", "break_event_id", "link")}
            for f in findings]}, indent=2))
    return 0


# ------------------------------------------------------------------------------------------------
# README


def short(key: str) -> str:
    name = key.rsplit("/", 1)[1]
    m = re.match(r"(\d{12})_CloudTrail_([a-z0-9-]+)_\d{8}T(\d{4})Z_(\w{16})\.json\.gz$", name)
    if not m:
        return name
    return f"{m.group(1)} {m.group(2)} {m.group(3)}Z"


def render_readme(expected: dict, written: dict, digest_key: str, covered: list) -> str:
    c = expected["counts"]
    L = []
    L.append("# sample-logs: a small CloudTrail estate with known answers\n")
    L.append("Generated by `scripts/make_sample_logs.py` (deterministic; re-run it instead of editing files "
             "by hand: `python3 scripts/make_sample_logs.py`). Layout as CloudTrail writes to S3: "
             "`AWSLogs/<account>/CloudTrail/<region>/2026/03/02/<account>_CloudTrail_<region>_20260302T<HHmm>Z_<random>.json.gz`, "
             "each a gzipped one-line `{\"Records\":[...]}`; events grouped per (account, Region, 5-minute window), "
             "file time = delivery a few minutes after the window, records slightly out of order.\n")
    L.append(f"- Accounts: `111122223333` (management / apps), `444455556666` (data); Regions `us-east-1`, `eu-west-1`; "
             f"2026-03-02 08:00-14:00 UTC.")
    L.append(f"- {c['log_files']} log files + 1 digest; {c['records']} records = {c['events']} distinct events "
             f"+ {c['duplicates']} duplicates.")
    L.append("- `tests/fixtures/sample-logs-expected.json` is the machine-readable answer key (findings, "
             "per-session expected status, keys, which files hold which story); the integration tests read it. "
             "This README is listed by `tip-audit scan sample-logs/` as skipped (not JSON); that is expected.\n")
    L.append("## Stories\n")
    L.append("| # | story | events | files (account Region delivery) | the scan should find |")
    L.append("|---|---|---|---|---|")
    expect_text = {
        1: "nothing (SSO session carries `onBehalfOf`; the KMS `Decrypt` at 08:41:09 is a forward access "
           "session: alice's key + `invokedBy: s3.amazonaws.com`)",
        2: "2 x `identity_lost` (high, link `inferred`), role `RedshiftSharedServiceRole`; shared role with 2 humans",
        3: "1 x `identity_lost` (high, link `inferred`), role `AWSGlueServiceRole-SharedETL`",
        4: "nothing (`SharedAnalyticsRole` and `S3AGLocationRole` sessions carry erin's `onBehalfOf`; "
           "the app's own session has `inScopeOf` and is service work)",
        5: "1 x `identity_lost` (high, link `exact` via `inScopeOf`), role `invoice-export-role`",
        6: "1 x `long_lived_key` (medium, break = GetCallerIdentity) + 1 x `lineage_only` "
           "(medium, break = first `CrossAccountDeployRole` event)",
        7: "nothing (`sourceIdentity` grace@example.com on every hop, across accounts)",
        8: "1 x `unattributed_session` (low), role `LegacyAutomationRole`",
        9: "nothing (service work; no service `AssumeRole` within 30 min after a human trigger of that service)",
        10: "the 2 repeated events are counted once and reported as duplicates",
        11: "`verify`: every listed log file matches its SHA-256; a starting digest (no previous digest)",
    }
    for s in expected["stories"]:
        files = s["files"]
        if s["id"] == 9:
            ftxt = f"{len(files)} files (see table below)"
        elif s["id"] == 11:
            ftxt = "`" + digest_key.rsplit("/", 1)[1] + "`"
        else:
            ftxt = "<br>".join(f"`{short(k)}`" for k in files)
        L.append(f"| {s['id']} | {s['title']} | {s['events']} | {ftxt} | {expect_text[s['id']]} |")
    L.append("")
    L.append("## Expected findings (and nothing else)\n")
    L.append("| kind | severity | human | role | break event (eventID, time) | link |")
    L.append("|---|---|---|---|---|---|")
    for f in expected["findings"]:
        role = f["role_arn"].rsplit("/", 1)[1] if f["role_arn"] else "-"
        L.append(f"| `{f['kind']}` | {f['severity']} | {f['human'] or '-'} | {role} | "
                 f"`{f['break_event_id']}` {f['break_time'][11:19]} | {f['link'] or '-'} |")
    L.append("")
    L.append("Humans: alice, dave, carol, erin, frank (IAM Identity Center users of "
             "`arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3`), grace (Okta SAML, sourceIdentity), "
             "ci-deployer (IAM user).\n")
    L.append("## Files\n")
    L.append("| file | events | stories |")
    L.append("|---|---|---|")
    for k, w in written.items():
        note = " (redelivery: duplicates)" if w["duplicate"] else ""
        L.append(f"| `{k.rsplit('/', 1)[1]}`{note} | {w['events']} | {', '.join(str(s) for s in w['stories'])} |")
    L.append(f"| `{digest_key.rsplit('/', 1)[1]}` (digest, {len(covered)} log files) | - | 11 |")
    L.append("")
    L.append("## Notes\n")
    L.append("- Temporary keys (`ASIA…`) and unique ids (`AROA…`, `AIDA…`) are 20/21 characters in the base32 "
             "alphabet and encode their account like post-2019 AWS ids; the IAM user key is `"
             + expected["long_term_keys"]["AKIA_ci_deployer"] + "`.")
    L.append("- Cross-account `AssumeRole` calls (stories 6 and 7) appear twice: caller copy in 111122223333 and "
             "owner copy (`AWSAccount`) in 444455556666, same `requestID` and `sharedEventID`, different `eventID`.")
    L.append("- Identity Center portal events (`GetRoleCredentials`) are in 111122223333 us-east-1; carol's "
             "permission-set role path carries a Region segment (`…/sso.amazonaws.com/eu-west-1/…`) on purpose.")
    L.append("- Shapes that are not confirmed by AWS documentation (see the reference, section 8) follow the "
             "reference's assumed rendering: `providedContexts` in `AssumeRole`, `onBehalfOf` on Athena, "
             "Lake Formation and S3 events of identity-enhanced sessions.")
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------------------------------------
# validation


REQUIRED = ["eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
            "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID", "eventID",
            "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory"]
KEY_RE = re.compile(r"^(ASIA|AKIA)[A-Z2-7]{16}$")
AROA_RE = re.compile(r"^AROA[A-Z2-7]{17}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EXP_RE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d [AP]M$")
NAME_RE = re.compile(r"^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d\d)/(\d\d)/"
                     r"\1_CloudTrail_\2_\3\4\5T(\d{4})Z_[A-Za-z0-9]{16}\.json\.gz$")
TRIGGERS = {("redshift-data.amazonaws.com", "ExecuteStatement"): "redshift.amazonaws.com",
            ("glue.amazonaws.com", "StartJobRun"): "glue.amazonaws.com",
            ("glue.amazonaws.com", "StartCrawler"): "glue.amazonaws.com",
            ("lambda.amazonaws.com", "Invoke"): "lambda.amazonaws.com",
            ("athena.amazonaws.com", "StartQueryExecution"): "athena.amazonaws.com"}


def validate(out: Path, expected: dict) -> list[str]:  # noqa: C901
    bad: list[str] = []
    records: list[tuple[str, dict]] = []
    raw_hash: dict[str, str] = {}
    for p in sorted((out / "AWSLogs").rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(out).as_posix()
        try:
            raw = gzip.decompress(p.read_bytes())
            doc = json.loads(raw)
        except Exception as exc:  # noqa: BLE001
            bad.append(f"{rel}: not gzip+JSON: {exc}")
            continue
        if b"\n" in raw:
            bad.append(f"{rel}: not one line")
        raw_hash[rel] = hashlib.sha256(raw).hexdigest()
        if "/CloudTrail-Digest/" in rel:
            continue
        m = NAME_RE.match(rel)
        if not m:
            bad.append(f"{rel}: bad key")
            continue
        if list(doc) != ["Records"] or not doc["Records"]:
            bad.append(f"{rel}: envelope")
        for r in doc["Records"]:
            records.append((rel, r))
            if r["recipientAccountId"] != m.group(1) or r["awsRegion"] != m.group(2):
                bad.append(f"{rel}: {r['eventID']} in the wrong account/Region folder")
            if r["eventTime"][:10] != f"{m.group(3)}-{m.group(4)}-{m.group(5)}" or \
                    r["eventTime"][11:16].replace(":", "") > m.group(6):
                bad.append(f"{rel}: {r['eventID']} delivered before it happened")

    # digest
    dkey = expected["digest"]["key"]
    try:
        digest = json.loads(gzip.decompress((out / dkey).read_bytes()))
        for lf in digest["logFiles"]:
            if raw_hash.get(lf["s3Object"]) != lf["hashValue"]:
                bad.append(f"digest: hash mismatch for {lf['s3Object']}")
        if not digest["logFiles"]:
            bad.append("digest lists no files")
    except Exception as exc:  # noqa: BLE001
        bad.append(f"digest unreadable: {exc}")

    seen: dict[str, dict] = {}
    dups = 0
    issued: dict[str, tuple[dict, dict]] = {}  # key -> (sts event, assumedRoleUser)
    for rel, r in records:
        eid = r.get("eventID")
        for k in REQUIRED:
            if k not in r:
                bad.append(f"{rel}: {eid} lacks {k}")
        if eid in seen:
            dups += 1
            if seen[eid] != r:
                bad.append(f"{eid}: duplicate differs")
            continue
        seen[eid] = r
        if r["eventVersion"] not in ("1.08", "1.09", "1.10", "1.11"):
            bad.append(f"{eid}: eventVersion")
        if not TIME_RE.match(r["eventTime"]) or not ("08:00:00" <= r["eventTime"][11:19] <= "14:00:00"):
            bad.append(f"{eid}: eventTime {r['eventTime']}")
        if not UUID_RE.match(eid):
            bad.append(f"{eid}: eventID")
        ui = r["userIdentity"]
        invoked = "invokedBy" in ui
        if invoked == ("tlsDetails" in r):
            bad.append(f"{eid}: tlsDetails must be present exactly when no invokedBy")
        if r["eventCategory"] not in ("Management", "Data") or r["managementEvent"] != (r["eventCategory"] == "Management"):
            bad.append(f"{eid}: category")
        if "accessKeyId" in ui and not KEY_RE.match(ui["accessKeyId"]):
            bad.append(f"{eid}: accessKeyId {ui['accessKeyId']}")
        elif "accessKeyId" in ui and key_account(ui["accessKeyId"]) != ui["accountId"]:
            bad.append(f"{eid}: key does not encode its account")
        if ui["type"] == "AssumedRole":
            sc = ui["sessionContext"]
            iss = sc["sessionIssuer"]
            role_name = iss["arn"].rsplit("/", 1)[1]
            sess_name = ui["principalId"].split(":", 1)[1]
            if not AROA_RE.match(iss["principalId"]) or ui["principalId"] != f"{iss['principalId']}:{sess_name}":
                bad.append(f"{eid}: principalId")
            if ui["arn"] != f"arn:aws:sts::{ui['accountId']}:assumed-role/{role_name}/{sess_name}":
                bad.append(f"{eid}: session arn")
            if iss["userName"] != role_name or not TIME_RE.match(sc["attributes"]["creationDate"]) or \
                    not isinstance(sc["attributes"]["mfaAuthenticated"], str):
                bad.append(f"{eid}: sessionContext")
        if r["responseElements"] and "credentials" in (r["responseElements"] or {}):
            cr = r["responseElements"]["credentials"]
            if not KEY_RE.match(cr["accessKeyId"]) or not cr["accessKeyId"].startswith("ASIA") or \
                    not EXP_RE.match(cr["expiration"]) or not cr["sessionToken"]:
                bad.append(f"{eid}: issued credentials")
            prev = issued.get(cr["accessKeyId"])
            if prev and prev[0].get("sharedEventID") != r.get("sharedEventID"):
                bad.append(f"{eid}: key {cr['accessKeyId']} issued twice")
            issued[cr["accessKeyId"]] = (r, r["responseElements"]["assumedRoleUser"])
        if r["userAgent"] == "" or r["sourceIPAddress"] == "":
            bad.append(f"{eid}: empty ip/ua")

    if dups != expected["counts"]["duplicates"] or len(seen) != expected["counts"]["events"]:
        bad.append(f"counts: {len(seen)} events, {dups} duplicates")

    # every temporary key used was issued in the logs (except story 8), at its creationDate, to that session
    for eid, r in seen.items():
        ui = r["userIdentity"]
        key = ui.get("accessKeyId", "")
        if not key.startswith("ASIA"):
            continue
        if key not in issued:
            if ui["sessionContext"]["sessionIssuer"]["userName"] != "LegacyAutomationRole":
                bad.append(f"{eid}: key {key} never issued")
            continue
        sts, aru = issued[key]
        if sts["eventTime"] != ui["sessionContext"]["attributes"]["creationDate"]:
            bad.append(f"{eid}: creationDate != issuing time")
        if aru["assumedRoleId"] != ui["principalId"] or aru["arn"] != ui["arn"]:
            bad.append(f"{eid}: session does not match assumedRoleUser")
        if sts["eventTime"] > r["eventTime"]:
            bad.append(f"{eid}: used before issued")

    # no noise AssumeRole by a service within 30 min after a trigger of that service (same account)
    story_assumes = {f["session_key"] for f in expected["findings"] if f.get("session_key")}
    triggers = [(parse_iso(r["eventTime"]), r["recipientAccountId"], TRIGGERS[(r["eventSource"], r["eventName"])])
                for r in seen.values() if (r["eventSource"], r["eventName"]) in TRIGGERS]
    for r in seen.values():
        ui = r["userIdentity"]
        if r["eventName"] != "AssumeRole" or ui.get("type") != "AWSService":
            continue
        if r["responseElements"]["credentials"]["accessKeyId"] in story_assumes:
            continue
        t = parse_iso(r["eventTime"])
        for tt, acct, principal in triggers:
            if acct == r["recipientAccountId"] and principal == ui["invokedBy"] and \
                    timedelta(0) <= t - tt <= timedelta(minutes=30):
                bad.append(f"{r['eventID']}: service AssumeRole {ui['invokedBy']} too close to a trigger")

    # expected break events exist and are the first event of their session
    for f in expected["findings"]:
        r = seen.get(f["break_event_id"])
        if r is None:
            bad.append(f"finding {f['kind']}: break event missing")
            continue
        if f.get("session_key"):
            first = min((x["eventTime"], x["eventID"]) for x in seen.values()
                        if x["userIdentity"].get("accessKeyId") == f["session_key"])
            same_second = [x for x in seen.values() if x["userIdentity"].get("accessKeyId") == f["session_key"]
                           and x["eventTime"] == first[0]]
            if r["eventTime"] != first[0] or len(same_second) != 1:
                bad.append(f"finding {f['kind']}: break event is not the unique first event of its session")
    return bad


if __name__ == "__main__":
    sys.exit(main())
