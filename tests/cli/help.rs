//! Issue 13, "Help that teaches": the commands `--help` lists are the ones the user guide
//! documents (the user's spec), every command's `--help` shows examples of itself, completion
//! scripts and manual pages are generated from the same definitions, and the progress bar never
//! reaches a pipe.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::*;

/// The commands the spec names, completions included.
const SPEC: &str = "scan timeline chains verify export init completions";

/// The commands `tip-audit --help` lists, without clap's own `help`.
fn commands_in_help() -> BTreeSet<String> {
    let (code, stdout, stderr) = finish(tip().arg("--help"));
    assert_eq!(code, 0, "tip-audit --help: {stderr}");
    // The section ends at the next heading (`Options:`), the first line not indented; a command
    // starts two spaces in, a description on a line of its own further in.
    let names: BTreeSet<String> = stdout
        .lines()
        .skip_while(|line| line.trim_end() != "Commands:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(!names.is_empty(), "no commands in --help:\n{stdout}");
    names
}

/// The commands the user guide lists: the `| `tip-audit NAME …` | … |` rows of the table under
/// its `## Commands` heading.
fn commands_in_guide() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/user-guide.md");
    let guide = std::fs::read_to_string(path).unwrap();
    let names: BTreeSet<String> = guide
        .lines()
        .skip_while(|line| line.trim_end() != "## Commands")
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| line.strip_prefix("| `tip-audit "))
        .filter_map(|rest| rest.split([' ', '`']).next())
        .map(str::to_owned)
        .collect();
    assert!(
        !names.is_empty(),
        "no command table under \"## Commands\" in docs/user-guide.md"
    );
    names
}

/// Roff text with its escaped hyphens (`\-`) read back.
fn unescaped(roff: &str) -> String {
    roff.replace("\\-", "-")
}

#[test]
fn the_commands_of_help_are_the_commands_of_the_user_guide() {
    let help = commands_in_help();
    assert_eq!(
        help,
        commands_in_guide(),
        "the commands of tip-audit --help (left) and of the list in docs/user-guide.md (right)"
    );
    for name in SPEC.split(' ') {
        assert!(help.contains(name), "{name} is not in --help");
    }
}

#[test]
fn every_command_help_shows_examples_of_itself() {
    for name in commands_in_help() {
        let (code, stdout, stderr) = finish(tip().args([name.as_str(), "--help"]));
        assert_eq!(code, 0, "{name} --help: {stderr}");
        let Some((_, examples)) = stdout.split_once("Examples:") else {
            panic!("tip-audit {name} --help shows no examples:\n{stdout}");
        };
        let own = format!("tip-audit {name}");
        assert!(
            examples
                .lines()
                .any(|line| line.trim_start().starts_with(&own)),
            "tip-audit {name} --help: no example runs `{own}`:\n{stdout}"
        );
    }
    let (_, stdout, _) = finish(tip().arg("--help"));
    for heading in ["Examples:", "Exit status:"] {
        assert!(stdout.contains(heading), "tip-audit --help:\n{stdout}");
    }
}

#[test]
fn completion_scripts_offer_every_command_in_every_shell() {
    let commands = commands_in_help();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, script, stderr) = finish(tip().args(["completions", shell]));
        assert_eq!(code, 0, "completions {shell}: {stderr}");
        let words: BTreeSet<&str> = script
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .collect();
        for name in &commands {
            assert!(
                words.contains(name.as_str()),
                "completions {shell} does not offer the command {name}:\n{script}"
            );
        }
    }
    let stderr = assert_exit(2, &["completions", "tcsh"]);
    assert!(stderr.contains("tcsh"), "{stderr}");
}

#[test]
fn man_writes_roff_pages_of_tip_audit_and_of_each_command() {
    let is_roff = |page: &str| page.starts_with(".TH") || page.starts_with(".ie");
    let (code, page, stderr) = finish(tip().arg("man"));
    assert_eq!(code, 0, "man: {stderr}");
    assert!(is_roff(&page), "tip-audit man is not roff:\n{page}");
    assert!(page.contains(".TH tip-audit "), "no title:\n{page}");
    let page = unescaped(&page);
    for name in commands_in_help() {
        let reference = format!("tip-audit-{name}(1)");
        assert!(page.contains(&reference), "no {reference} in:\n{page}");
        let (code, own, stderr) = finish(tip().args(["man", name.as_str()]));
        assert_eq!(code, 0, "man {name}: {stderr}");
        assert!(is_roff(&own), "tip-audit man {name} is not roff:\n{own}");
        assert!(
            own.contains(&format!(".TH tip-audit-{name} ")),
            "tip-audit man {name} is not titled tip-audit-{name}:\n{own}"
        );
        assert!(
            unescaped(&own).contains(&format!("tip-audit {name}")),
            "the synopsis of tip-audit man {name} does not say `tip-audit {name}`:\n{own}"
        );
    }
    let stderr = assert_exit(2, &["man", "nosuch"]);
    assert!(
        stderr.contains("no command \"nosuch\"") && stderr.contains("scan"),
        "{stderr}"
    );
}

#[test]
fn no_progress_bar_reaches_a_pipe() {
    // Standard error is a pipe here, as in CI: nothing of the bar may show, whatever the run.
    let mut scan = tip();
    scan.arg("scan").arg(sample_logs());
    let (_, stdout, stderr) = finish(&mut scan);
    assert!(!stdout.is_empty());
    for mark in ["\r", "\u{1b}[", "reading ["] {
        assert!(!stderr.contains(mark), "{mark:?} in:\n{stderr}");
    }
}
