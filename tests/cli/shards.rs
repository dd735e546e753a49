//! Issue 15, "Outgrow one machine": `summarize` writes a shard summary of some of the logs,
//! `merge` turns shard summaries into the report a scan of all their logs prints. Shards are cut
//! from copies of `sample-logs/` in scratch directories laid out as the repository (so that every
//! path prints as a scan from the repository root prints it), and every merge is compared with
//! the scan of the whole: the JSON document without its provenance, the table byte for byte, the
//! exit status.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{APPS, deliver, event, finish, iam_user, json_of, tip, without_provenance};

/// The repository, where `sample-logs/` is.
fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `root`, relative to it, sorted.
fn files_under(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                found.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let mut found = Vec::new();
    walk(root, root, &mut found);
    found.sort();
    found
}

/// The files of `sample-logs/`, relative to the repository (`sample-logs/AWSLogs/…`).
fn sample_files() -> Vec<PathBuf> {
    files_under(&repository().join("sample-logs"))
        .into_iter()
        .map(|file| Path::new("sample-logs").join(file))
        .collect()
}

/// Copies `files` (relative to the repository) into `dir`, keeping their relative paths.
fn copy_into(dir: &Path, files: &[&PathBuf]) {
    for file in files {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repository().join(file), to).unwrap();
    }
}

/// `tip-audit summarize INPUT -o SHARD` run in `dir`: the summary must be written (exit 0).
fn summarize(dir: &Path, input: &str, shard: &Path, extra: &[&str]) {
    let (code, _, stderr) = finish(
        tip()
            .current_dir(dir)
            .args(["summarize", input, "--threads", "2", "-o"])
            .arg(shard)
            .args(extra),
    );
    assert_eq!(code, 0, "summarize {input} in {}: {stderr}", dir.display());
    assert!(shard.is_file(), "no {}", shard.display());
}

/// `tip-audit merge SHARD… --format FORMAT`: (exit code, stdout, stderr).
fn merge(shards: &[PathBuf], format: &str) -> (i32, String, String) {
    finish(tip().arg("merge").args(shards).args(["--format", format]))
}

/// `tip-audit scan INPUT --format FORMAT` run in `dir`: (exit code, stdout).
fn scan(dir: &Path, input: &str, format: &str) -> (i32, String) {
    let (code, stdout, _) =
        finish(
            tip()
                .current_dir(dir)
                .args(["scan", input, "--format", format, "--threads", "2"]),
        );
    (code, stdout)
}

/// A JSON report without its provenance.
fn report(text: &str) -> Value {
    without_provenance(serde_json::from_str(text).unwrap())
}

/// Cuts the files of `sample-logs/` into shards by `cut` (a shard number per file), summarizes
/// each from a copy, and checks that their merge prints what the scan of the whole prints.
fn merge_equals_scan(name: &str, cut: impl Fn(usize, &Path) -> usize) {
    let files = sample_files();
    let scratch = tempfile::tempdir().unwrap();
    let shards_dir = scratch.path().join("shards");
    std::fs::create_dir_all(&shards_dir).unwrap();
    let count = files
        .iter()
        .enumerate()
        .map(|(i, f)| cut(i, f.as_path()))
        .max()
        .unwrap()
        + 1;
    let mut shards = Vec::new();
    for shard in 0..count {
        let mine: Vec<&PathBuf> = files
            .iter()
            .enumerate()
            .filter(|&(i, f)| cut(i, f.as_path()) == shard)
            .map(|(_, f)| f)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let dir = scratch.path().join(format!("cut-{shard}"));
        copy_into(&dir, &mine);
        let path = shards_dir.join(format!("{shard:03}.shard"));
        summarize(&dir, "sample-logs", &path, &[]);
        shards.push(path);
    }
    assert!(shards.len() > 1, "{name}: one shard only");

    let (scan_code, scan_json) = scan(&repository(), "sample-logs", "json");
    let (merge_code, merge_json, stderr) = merge(&shards, "json");
    assert_eq!(merge_code, scan_code, "{name}: exit status: {stderr}");
    let whole = report(&scan_json);
    assert_eq!(
        report(&merge_json),
        whole,
        "{name}: the merge of {} shards is not the scan of the whole",
        shards.len()
    );
    assert_eq!(whole["summary"]["duplicates"], 2, "sample-logs has two");

    // The folder of shards is the same merge; and the table, which carries no provenance, is
    // the same bytes.
    let (_, folder_json, stderr) = merge(std::slice::from_ref(&shards_dir), "json");
    assert_eq!(
        report(&folder_json),
        whole,
        "{name}: merge of the folder: {stderr}"
    );
    let (_, scan_table) = scan(&repository(), "sample-logs", "table");
    let (_, merge_table, _) = merge(&shards, "table");
    assert_eq!(merge_table, scan_table, "{name}: the table differs");
}

#[test]
fn a_merge_of_shards_cut_by_account_prints_the_scan_of_the_whole() {
    // The README sits with the first account; each account's files form one range of paths.
    merge_equals_scan("by account", |_, file| {
        usize::from(file.to_string_lossy().contains("444455556666"))
    });
}

#[test]
fn a_merge_of_shards_cut_by_region_and_day_prints_the_scan_of_the_whole() {
    merge_equals_scan("by region", |_, file| {
        let text = file.to_string_lossy();
        match (text.contains("eu-west-1"), text.contains("444455556666")) {
            (false, false) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (true, true) => 3,
        }
    });
}

#[test]
fn a_merge_of_shards_cut_at_random_prints_the_scan_of_the_whole() {
    // Every third file: the shards' paths interleave, and the duplicates land in other shards
    // than their first copies.
    merge_equals_scan("interleaved", |i, _| i % 3);
    merge_equals_scan("one file each", |i, _| i);
}

#[test]
fn a_merge_of_one_shard_is_the_scan_and_exits_as_it_does() {
    let scratch = tempfile::tempdir().unwrap();
    let shard = scratch.path().join("all.shard");
    summarize(&repository(), "sample-logs", &shard, &[]);
    let shards = [shard];
    for gate in ["never", "high"] {
        let (scan_code, scan_json, _) = finish(
            tip()
                .current_dir(repository())
                .args(["scan", "sample-logs", "--format", "json"])
                .args(["--fail-on", gate]),
        );
        let (merge_code, merge_json, stderr) =
            finish(
                tip()
                    .arg("merge")
                    .args(&shards)
                    .args(["--format", "json", "--fail-on", gate]),
            );
        assert_eq!(merge_code, scan_code, "--fail-on {gate}: {stderr}");
        assert_eq!(report(&merge_json), report(&scan_json), "--fail-on {gate}");
    }
    let (_, scan_table) = scan(&repository(), "sample-logs", "table");
    let (_, merge_table, _) = merge(&shards, "table");
    assert_eq!(merge_table, scan_table);
    // The merge's provenance names the shards it read.
    let (_, merge_json, _) = merge(&shards, "json");
    let document: Value = serde_json::from_str(&merge_json).unwrap();
    let inputs = document["provenance"]["inputs"].as_array().unwrap();
    assert!(
        inputs[0].as_str().unwrap().ends_with("all.shard"),
        "{document:#}"
    );
}

// An event delivered into two files that land in two shards is counted once, as the scan of both
// files counts it.
#[test]
fn an_event_delivered_into_two_shards_is_counted_once() {
    let user = || iam_user(APPS, "ci-deployer", "AKIARTX3GSDSZUDG5YV2");
    let call =
        |id: &str, time: &str| event(id, time, "s3.amazonaws.com", "ListBuckets", APPS, user());
    let (first, twice, last) = (
        call("e-1", "2026-03-02T08:58:00Z"),
        call("e-2", "2026-03-02T08:59:00Z"),
        call("e-3", "2026-03-02T09:01:00Z"),
    );
    let scratch = tempfile::tempdir().unwrap();
    let (a, b, whole) = (
        scratch.path().join("a"),
        scratch.path().join("b"),
        scratch.path().join("whole"),
    );
    let early = [first, twice.clone()];
    let late = [twice, last];
    deliver(&a.join("logs"), APPS, "0900", &early);
    deliver(&b.join("logs"), APPS, "0905", &late);
    deliver(&whole.join("logs"), APPS, "0900", &early);
    deliver(&whole.join("logs"), APPS, "0905", &late);
    let shards = [
        scratch.path().join("a.shard"),
        scratch.path().join("b.shard"),
    ];
    summarize(&a, "logs", &shards[0], &[]);
    summarize(&b, "logs", &shards[1], &[]);

    let (scan_code, scan_json) = scan(&whole, "logs", "json");
    let (merge_code, merge_json, stderr) = merge(&shards, "json");
    assert_eq!(merge_code, scan_code, "{stderr}");
    let merged = report(&merge_json);
    assert_eq!(merged, report(&scan_json));
    assert_eq!(merged["summary"]["events"], 3, "{merged:#}");
    assert_eq!(merged["summary"]["duplicates"], 1, "{merged:#}");
    assert_eq!(merged["summary"]["records"], 4, "{merged:#}");
}

#[test]
fn merge_refuses_shards_made_with_other_filters_or_policy_and_names_the_difference() {
    let scratch = tempfile::tempdir().unwrap();
    let plain = scratch.path().join("plain.shard");
    let since = scratch.path().join("since.shard");
    let policy = scratch.path().join("policy.shard");
    summarize(&repository(), "sample-logs", &plain, &[]);
    summarize(
        &repository(),
        "sample-logs",
        &since,
        &["--since", "2026-03-02T10:00:00Z"],
    );
    let file = scratch.path().join("policy.toml");
    std::fs::write(&file, "[allow]\nroles = [\"LegacyAutomationRole\"]\n").unwrap();
    let file = file.to_string_lossy().into_owned();
    summarize(
        &repository(),
        "sample-logs",
        &policy,
        &["--config", file.as_str()],
    );

    let (code, stdout, stderr) = merge(&[plain.clone(), since], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "nothing is printed: {stdout}");
    assert!(
        stderr.contains("different settings")
            && stderr.contains("the filters")
            && stderr.contains("none vs --since 2026-03-02T10:00:00Z"),
        "{stderr}"
    );
    let (code, _, stderr) = merge(&[plain, policy.clone()], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the policy file"), "{stderr}");
    assert!(!stderr.contains("the filters"), "{stderr}");

    // The policy travels in the shard: the merge applies it, and says so in its provenance.
    let (code, text, stderr) = merge(&[policy], "json");
    assert_eq!(code, 0, "{stderr}");
    let document: Value = serde_json::from_str(&text).unwrap();
    assert!(
        document["summary"]["silenced"].as_u64().unwrap() >= 1,
        "{document:#}"
    );
    assert_eq!(document["provenance"]["policy"]["path"], file.as_str());
}

#[test]
fn merge_refuses_another_format_version_a_damaged_shard_and_other_files() {
    let scratch = tempfile::tempdir().unwrap();
    let good = scratch.path().join("good.shard");
    summarize(&repository(), "sample-logs", &good, &[]);
    let bytes = std::fs::read(&good).unwrap();
    assert_eq!(&bytes[..16], b"tip-audit/shard\n");
    assert_eq!(&bytes[16..20], &[1, 0, 0, 0], "format version 1");

    let mut newer = bytes.clone();
    newer[16] = 2;
    let newer_path = scratch.path().join("newer.shard");
    std::fs::write(&newer_path, newer).unwrap();
    let (code, _, stderr) = merge(&[good.clone(), newer_path], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("format version 2"), "{stderr}");

    let truncated = scratch.path().join("truncated.shard");
    std::fs::write(&truncated, &bytes[..bytes.len() - 40]).unwrap();
    let (code, _, stderr) = merge(&[truncated], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("damaged shard summary"), "{stderr}");

    let mut longer = bytes.clone();
    longer.extend_from_slice(b"more");
    let longer_path = scratch.path().join("longer.shard");
    std::fs::write(&longer_path, longer).unwrap();
    let (code, _, stderr) = merge(&[longer_path], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bytes after its last file"), "{stderr}");

    let readme = repository().join("sample-logs/README.md");
    let (code, _, stderr) = merge(&[readme], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a tip-audit shard summary"), "{stderr}");

    let empty = scratch.path().join("nothing");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, stderr) = merge(&[empty], "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no shard summaries"), "{stderr}");
}

#[test]
fn a_shard_of_no_events_is_valid_and_changes_no_merge() {
    let scratch = tempfile::tempdir().unwrap();
    let nothing = scratch.path().join("nothing");
    std::fs::create_dir_all(nothing.join("sample-logs")).unwrap();
    let empty = scratch.path().join("empty.shard");
    summarize(&nothing, "sample-logs", &empty, &[]);
    // Alone, it audits nothing: the merge fails as a scan of the empty folder does.
    let (scan_code, scan_json) = scan(&nothing, "sample-logs", "json");
    let (code, merge_json, stderr) = merge(std::slice::from_ref(&empty), "json");
    assert_eq!((code, scan_code), (2, 2), "{stderr}");
    assert!(stderr.contains("nothing audited"), "{stderr}");
    assert_eq!(report(&merge_json), report(&scan_json));

    // Beside a shard of the whole, it changes nothing.
    let all = scratch.path().join("all.shard");
    summarize(&repository(), "sample-logs", &all, &[]);
    let (_, scan_json) = scan(&repository(), "sample-logs", "json");
    let (code, merge_json, stderr) = merge(&[empty, all], "json");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report(&merge_json), report(&scan_json));
}

#[test]
fn summarize_needs_a_file_to_write() {
    let (code, _, stderr) =
        finish(
            tip()
                .current_dir(repository())
                .args(["summarize", "sample-logs", "-o", "-"]),
        );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("name a file"), "{stderr}");
    let (code, _, _) = finish(tip().args(["summarize", "sample-logs"]));
    assert_eq!(code, 2, "-o is required");
}

#[test]
fn merge_reads_its_json_like_a_scan() {
    // The document a merge writes is a scan document: the same schema, so every consumer of
    // `tip-audit scan --format json` reads it.
    let scratch = tempfile::tempdir().unwrap();
    let shard = scratch.path().join("all.shard");
    summarize(&repository(), "sample-logs", &shard, &[]);
    let (code, document) = json_of(tip().arg("merge").arg(&shard).args(["--format", "json"]));
    assert_eq!(code, 0);
    assert_eq!(document["schema"], "tip-audit/scan/v1");
}
