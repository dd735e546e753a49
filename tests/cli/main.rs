#![allow(clippy::unwrap_used)] // test code: a panic is a failed test
//! End-to-end tests of the `tip-audit` binary, in one test binary.

mod attribution; // who a service hand-off is attributed to: causality, tokens, one-to-one, configuration
mod bad_input; // damaged and hostile input: diagnostics and counts
mod delegate; // issue 17: a product provider's delegated calls are the provider's, never the customer's person's
mod dense; // a dense estate scored against its answer key
mod determinism; // same input, any thread count: byte-identical output
#[cfg(unix)]
mod docs_examples; // issue 13: the README's and docs' examples on sample-logs print what they show
mod errors; // exit codes, unreadable input, usage errors
mod exfiltration; // stolen machine credentials: exfiltrated_credentials and its negatives
#[cfg(feature = "columnar")]
mod export; // Parquet and CSV export, read back
mod forwarded; // issue 12: calls a service forwarded for a caller join the caller's session
mod gate; // CI gate: SARIF, JSON Lines, CSV, Markdown, exports, policy file, baselines
mod gate_cli; // issue 13: runs that audit nothing fail, errors say why, formats follow -o
mod help; // issue 13: --help with examples, completions, man pages; commands match the guide
mod identity_center; // Identity Center: token exchanges, portal sign-ins, re-keyed sessions
mod incident; // timelines, chains in four formats, people by name, the HTML report
mod inputs; // containers: trail files, JSON Lines, lookup-events, EventBridge, arrays
mod keys; // long-term keys: created keys linked, findings named by key
mod linking; // edge kinds and identity traps on small hand-built estates
mod output; // what people read: one escaping rule, plurals, column names, terminal width
mod provenance; // issue 13: tool, inputs, filters and policy in every report, no time of day
mod s3; // issue 14: s3:// inputs against a loopback S3 server (moto)
mod sample; // the bundled sample estate, against its answer key
mod shards; // issue 15: summarize and merge: shard summaries give the scan's report
mod signin; // console sign-ins: one session and chain per ConsoleLogin
mod util;
mod verify; // offline integrity validation against digest files
mod who; // issue 17: who is behind an event, key, session or address; pivots; Timesketch
mod workloads; // web identities of workloads are not people
