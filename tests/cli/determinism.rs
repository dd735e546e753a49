use std::ffi::OsStr;

use serde_json::Value;

use crate::util::{sample_logs, tip, without_provenance, write_file};

#[test]
fn one_thread_and_eight_give_the_same_bytes() {
    // The same command but for `--threads`: even the provenance is the same (it names the
    // inputs, filters and policy file, not the options that change no result).
    for format in ["json", "table"] {
        let run = |threads: &str| {
            tip()
                .args(["scan", "--format", format, "--threads", threads])
                .arg(sample_logs())
                .output()
                .unwrap()
                .stdout
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(
            one,
            run("8"),
            "{format} output differs between 1 and 8 threads"
        );
    }
}

// Issue 13: every "same report" comparison compares everything but the provenance. A policy
// file that changes nothing changes only the provenance, in every format that carries one.
#[test]
fn reports_that_differ_only_in_provenance_are_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_file(dir.path(), "empty.toml", b"# accepts nothing\n");
    for (command, format) in [("scan", "json"), ("scan", "sarif"), ("chains", "json")] {
        let run = |extra: &[&OsStr]| -> (Vec<u8>, Value) {
            let output = tip()
                .args([command, "--format", format, "--threads", "2"])
                .arg(sample_logs())
                .args(extra)
                .output()
                .unwrap();
            assert!(output.status.success(), "{command} --format {format}");
            let document = serde_json::from_slice(&output.stdout).unwrap();
            (output.stdout, document)
        };
        let (plain_bytes, plain) = run(&[]);
        let (policy_bytes, with_policy) = run(&[OsStr::new("--config"), policy.as_os_str()]);
        assert_ne!(
            plain_bytes, policy_bytes,
            "{command} --format {format}: the provenance names the policy file"
        );
        assert_eq!(
            without_provenance(plain),
            without_provenance(with_policy),
            "{command} --format {format}: the same report but for its provenance"
        );
    }
}
