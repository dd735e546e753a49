use crate::util::{sample_logs, tip};

#[test]
fn one_thread_and_eight_give_the_same_bytes() {
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
