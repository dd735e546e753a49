//! `tip-audit export` (issue 6): Parquet and CSV, read back.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::util::*;

fn events_in_sample() -> u64 {
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    document["summary"]["events"].as_u64().unwrap()
}

/// Runs `tip-audit export sample-logs -o target` and insists it succeeds.
fn export_sample_to(target: &std::path::Path) {
    let logs = sample_logs();
    assert_exit(
        0,
        &[
            "export",
            logs.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
    );
}

fn read_parquet(path: &std::path::Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn parquet_reads_back_with_every_event_once_and_typed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.parquet");
    export_sample_to(&path);
    let df = read_parquet(&path);
    assert_eq!(
        df.height() as u64,
        events_in_sample(),
        "duplicates are exported once"
    );
    let schema = df.schema();
    assert!(matches!(
        schema.get("time"),
        Some(DataType::Datetime(TimeUnit::Milliseconds, Some(_)))
    ));
    for name in [
        "event_id",
        "account",
        "region",
        "service",
        "action",
        "principal",
        "access_key",
        "session_id",
        "chain_id",
        "human",
        "evidence",
        "status",
        "error_code",
        "file",
    ] {
        assert_eq!(schema.get(name), Some(&DataType::String), "{name}");
    }
    // The statuses add up to the scan's coverage.
    let (_, document) = scan_json(&[&sample_logs()], &[]);
    let status = df.column("status").unwrap().str().unwrap();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for value in status.iter().flatten() {
        *counts.entry(value.to_owned()).or_default() += 1;
    }
    for (name, n) in document["summary"]["coverage"].as_object().unwrap() {
        assert_eq!(
            counts.get(name).copied().unwrap_or(0),
            n.as_u64().unwrap(),
            "{name}"
        );
    }
    // A lost event carries its chain and person, and no evidence.
    let break_id = document["findings"][0]["break_event_id"].as_str().unwrap();
    let ids = df.column("event_id").unwrap().str().unwrap();
    let row = ids.iter().position(|v| v == Some(break_id)).unwrap();
    let cell = |name: &str| {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(row)
            .map(str::to_owned)
    };
    assert_eq!(cell("status").as_deref(), Some("lost"));
    assert_eq!(
        cell("human").as_deref(),
        document["findings"][0]["human"].as_str()
    );
    assert_eq!(
        cell("chain_id").as_deref(),
        document["findings"][0]["chain_id"].as_str()
    );
    assert_eq!(cell("evidence"), None);
}

#[test]
fn a_directory_is_a_table_partitioned_by_account_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("events");
    std::fs::create_dir(&table).unwrap();
    export_sample_to(&table);
    let mut total = 0;
    for account in ["111122223333", "444455556666"] {
        let part = table.join(format!("account={account}/date=2026-03-02/part-0.parquet"));
        let df = read_parquet(&part);
        let accounts = df.column("account").unwrap().str().unwrap();
        assert!(accounts.iter().all(|a| a == Some(account)));
        total += df.height() as u64;
    }
    assert_eq!(total, events_in_sample());
}

#[test]
fn csv_export_has_a_header_and_a_row_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.csv");
    export_sample_to(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("time,event_id,account,region,service,action,principal,access_key,session_id,chain_id,human,evidence,status,error_code,file\n"));
    assert_eq!(text.lines().count() as u64, events_in_sample() + 1);
}
