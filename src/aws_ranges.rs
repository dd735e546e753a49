//! The AWS address ranges: the `ip-ranges.json` file AWS publishes at
//! `https://ip-ranges.amazonaws.com/ip-ranges.json` (AWS general reference, `aws-ip-ranges`),
//! read from `--aws-ip-ranges FILE`.
//!
//! Answers one question: is an address inside AWS? Every prefix counts, whatever its `service`
//! (`AMAZON` lists them all). Never reads logs and never fetches the file itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The file's shape: `{"syncToken", "createDate", "prefixes": [{"ip_prefix", "region",
/// "service", "network_border_group"}], "ipv6_prefixes": [{"ipv6_prefix", …}]}`.
#[derive(Deserialize)]
struct File {
    #[serde(rename = "createDate", default)]
    create_date: Option<String>,
    #[serde(default)]
    prefixes: Vec<V4Prefix>,
    #[serde(default)]
    ipv6_prefixes: Vec<V6Prefix>,
}

#[derive(Deserialize)]
struct V4Prefix {
    ip_prefix: String,
}

#[derive(Deserialize)]
struct V6Prefix {
    ipv6_prefix: String,
}

/// The published AWS ranges, merged into sorted, disjoint intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsRanges {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    /// `createDate` of the file (`YYYY-MM-DD-hh-mm-ss`), when it has one.
    pub create_date: Option<String>,
}

impl AwsRanges {
    /// Reads `--aws-ip-ranges FILE`.
    pub fn load(path: &Path) -> anyhow::Result<AwsRanges> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        AwsRanges::parse(&bytes)
            .with_context(|| format!("{}: not AWS's ip-ranges.json", path.display()))
    }

    /// Parses the file's JSON.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<AwsRanges> {
        let file: File = serde_json::from_slice(bytes)?;
        if file.prefixes.is_empty() && file.ipv6_prefixes.is_empty() {
            bail!("no prefixes");
        }
        let mut v4 = Vec::with_capacity(file.prefixes.len());
        for prefix in &file.prefixes {
            let (address, length) = split_prefix(&prefix.ip_prefix, 32)?;
            let address: Ipv4Addr = address
                .parse()
                .with_context(|| format!("{:?} is not an IPv4 prefix", prefix.ip_prefix))?;
            let mask = if length == 0 {
                0
            } else {
                u32::MAX << (32 - length)
            };
            let start = u32::from(address) & mask;
            v4.push((start, start | !mask));
        }
        let mut v6 = Vec::with_capacity(file.ipv6_prefixes.len());
        for prefix in &file.ipv6_prefixes {
            let (address, length) = split_prefix(&prefix.ipv6_prefix, 128)?;
            let address: Ipv6Addr = address
                .parse()
                .with_context(|| format!("{:?} is not an IPv6 prefix", prefix.ipv6_prefix))?;
            let mask = if length == 0 {
                0
            } else {
                u128::MAX << (128 - length)
            };
            let start = u128::from(address) & mask;
            v6.push((start, start | !mask));
        }
        Ok(AwsRanges {
            v4: merged(v4),
            v6: merged(v6),
            create_date: file.create_date,
        })
    }

    /// Whether `address` is in a published AWS range.
    pub fn contains(&self, address: IpAddr) -> bool {
        match address {
            IpAddr::V4(v4) => within(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => within(&self.v4, u32::from(v4)),
                None => within(&self.v6, u128::from(v6)),
            },
        }
    }

    /// Whether a call from `address` came from outside AWS: a public address in no AWS range.
    /// Private addresses (a VPC endpoint shows the caller's private address) and text that is
    /// not an address (`AWS Internal`, a service name) are never outside.
    pub fn is_outside(&self, address: &str) -> bool {
        match address.parse::<IpAddr>() {
            Ok(ip) => !is_private(ip) && !self.contains(ip),
            Err(_) => false,
        }
    }
}

/// `a.b.c.d/n` into its address and its length, at most `max`.
fn split_prefix(text: &str, max: u32) -> anyhow::Result<(&str, u32)> {
    let (address, length) = text
        .split_once('/')
        .with_context(|| format!("{text:?} is not a prefix (no /length)"))?;
    let length: u32 = length
        .parse()
        .with_context(|| format!("{text:?}: the length is not a number"))?;
    if length > max {
        bail!("{text:?}: a length above {max}");
    }
    Ok((address, length))
}

/// Sorts intervals and joins those that overlap or touch.
fn merged<T: Ord + Copy + MaxSucc>(mut list: Vec<(T, T)>) -> Vec<(T, T)> {
    list.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(list.len());
    for (start, end) in list {
        if let Some(last) = out.last_mut()
            && start <= last.1.succ()
        {
            if end > last.1 {
                last.1 = end;
            }
            continue;
        }
        out.push((start, end));
    }
    out
}

/// Whether `x` lies in one of the sorted, disjoint `intervals`.
fn within<T: Ord + Copy>(intervals: &[(T, T)], x: T) -> bool {
    let after = intervals.partition_point(|&(start, _)| start <= x);
    after > 0 && intervals[after - 1].1 >= x
}

/// The next integer (saturating, so the last interval joins anything after it), for joining
/// adjacent intervals.
trait MaxSucc {
    fn succ(self) -> Self;
}

impl MaxSucc for u32 {
    fn succ(self) -> Self {
        self.saturating_add(1)
    }
}

impl MaxSucc for u128 {
    fn succ(self) -> Self {
        self.saturating_add(1)
    }
}

/// Private, loopback, link-local and shared (carrier-grade NAT) addresses (RFC 1918, 6598,
/// 4193, 4291): never on the internet, so never "outside AWS" by themselves.
pub fn is_private(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (b & 0xc0) == 64)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_private(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "syncToken": "1717000000", "createDate": "2024-05-29-16-13-05",
      "prefixes": [
        {"ip_prefix": "3.80.0.0/12", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"},
        {"ip_prefix": "18.236.0.0/15", "region": "us-west-2", "service": "EC2", "network_border_group": "us-west-2"},
        {"ip_prefix": "18.236.0.0/16", "region": "us-west-2", "service": "AMAZON", "network_border_group": "us-west-2"},
        {"ip_prefix": "52.94.76.0/22", "region": "us-west-2", "service": "AMAZON", "network_border_group": "us-west-2"}
      ],
      "ipv6_prefixes": [
        {"ipv6_prefix": "2600:1f14::/35", "region": "us-west-2", "service": "EC2", "network_border_group": "us-west-2"}
      ]
    }"#;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn finds_addresses_in_v4_and_v6_prefixes() {
        let ranges = AwsRanges::parse(SAMPLE.as_bytes()).unwrap();
        assert!(ranges.contains(ip("18.236.253.47")));
        assert!(ranges.contains(ip("18.237.255.255")));
        assert!(!ranges.contains(ip("18.238.0.0")));
        assert!(ranges.contains(ip("3.80.0.0")));
        assert!(ranges.contains(ip("3.95.255.255")));
        assert!(!ranges.contains(ip("3.96.0.0")));
        assert!(ranges.contains(ip("2600:1f14:1234::1")));
        assert!(!ranges.contains(ip("2600:1f18::1")));
        assert!(ranges.contains(ip("::ffff:52.94.77.1")));
        assert_eq!(ranges.create_date.as_deref(), Some("2024-05-29-16-13-05"));
    }

    #[test]
    fn private_addresses_and_names_are_never_outside() {
        let ranges = AwsRanges::parse(SAMPLE.as_bytes()).unwrap();
        assert!(ranges.is_outside("198.51.100.24"));
        assert!(!ranges.is_outside("18.236.253.47"));
        assert!(!ranges.is_outside("10.0.3.21"));
        assert!(!ranges.is_outside("100.64.1.1"));
        assert!(!ranges.is_outside("fd00::1"));
        assert!(!ranges.is_outside("AWS Internal"));
        assert!(!ranges.is_outside("ec2.amazonaws.com"));
    }

    #[test]
    fn a_file_without_prefixes_or_with_a_bad_one_is_refused() {
        assert!(AwsRanges::parse(br#"{"Users": []}"#).is_err());
        assert!(AwsRanges::parse(br#"{"prefixes": [{"ip_prefix": "3.80.0.0/40"}]}"#).is_err());
        assert!(AwsRanges::parse(br#"{"prefixes": [{"ip_prefix": "3.80.0.0"}]}"#).is_err());
    }
}
