//! Issue 13: the examples of README.md and docs/*.md that run offline on `sample-logs/` are run,
//! and the output they show is the output they print. The convention (docs/architecture.md,
//! "Examples in the docs"):
//!
//! - every command of a `sh` or `console` block that starts with `tip-audit` and reads
//!   `sample-logs/` is an example. It runs under `sh` with `tip-audit` on the `PATH`, in a scratch
//!   directory that holds the repository's `sample-logs/`: paths print as from the repository
//!   root, and a file an example writes lands in the scratch directory;
//! - in a `console` block a command follows `$ `, and the lines up to the next `$ ` are what the
//!   terminal shows (standard output and standard error), compared line by line, trailing spaces
//!   and trailing blank lines ignored;
//! - an example exits 0, unless an HTML comment on the line before its block says otherwise:
//!   `<!-- example: exit N -->`; `<!-- example: abridged -->` (the lines shown appear in the
//!   output, in order, among others); `<!-- example: skip REASON -->` (not run);
//! - a pipeline through a program that is not installed (`jq`) is skipped, with a line saying so.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the comment before a block says about its examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Marker {
    /// Not run, for this reason.
    skip: Option<String>,
    /// The output shown is an excerpt: its lines appear in order, among others.
    abridged: bool,
    /// The exit status expected.
    exit: i32,
}

impl Marker {
    /// Reads `<!-- example: exit 1 -->`, `<!-- example: abridged -->`,
    /// `<!-- example: skip needs users.json -->`; `None` for any other line.
    fn parse(line: &str) -> Option<Marker> {
        let body = line
            .trim()
            .strip_prefix("<!--")?
            .strip_suffix("-->")?
            .trim()
            .strip_prefix("example:")?;
        let mut marker = Marker::default();
        let mut words = body.split_whitespace();
        while let Some(word) = words.next() {
            match word {
                "skip" => {
                    let reason: Vec<&str> = words.by_ref().collect();
                    marker.skip = Some(reason.join(" "));
                }
                "abridged" => marker.abridged = true,
                "exit" => {
                    let code = words.next().unwrap_or("");
                    marker.exit = code
                        .parse()
                        .unwrap_or_else(|_| panic!("{line}: `exit` takes a number, not {code:?}"));
                }
                other => panic!("{line}: unknown example marker {other:?}"),
            }
        }
        Some(marker)
    }
}

/// One command of the docs to run.
#[derive(Debug)]
struct Example {
    /// Where it is: `docs/incident-response.md:29`.
    place: String,
    /// The command line, for `sh -c`.
    command: String,
    /// What a `console` block shows after the command; `None` in a `sh` block.
    shown: Option<Vec<String>>,
    /// What the comment before its block says.
    marker: Marker,
}

/// README.md, then docs/*.md by name.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    std::iter::once(root.join("README.md"))
        .chain(docs)
        .collect()
}

/// The examples of one Markdown document named `name`.
fn examples_in(name: &str, text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(language) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let language = language.trim();
        let marker = lines[..i]
            .iter()
            .rev()
            .find(|line| !line.trim().is_empty())
            .and_then(|line| Marker::parse(line))
            .unwrap_or_default();
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && lines[end].trim() != "```" {
            end += 1;
        }
        let block = &lines[start..end];
        let console = match language {
            "console" => true,
            "sh" | "shell" | "bash" => false,
            _ => {
                i = end + 1;
                continue;
            }
        };
        let mut j = 0;
        while j < block.len() {
            let line = block[j];
            let command = if console {
                line.strip_prefix("$ ")
            } else {
                Some(line).filter(|l| !l.trim_start().starts_with('#'))
            };
            let Some(command) = command else {
                j += 1;
                continue;
            };
            // A command continued on the next lines (`\` at the end).
            let place = format!("{name}:{}", start + j + 1);
            let mut command = command.to_owned();
            while command.ends_with('\\') && j + 1 < block.len() {
                command.pop();
                j += 1;
                command.push_str(block[j]);
            }
            j += 1;
            let shown = if console {
                let from = j;
                while j < block.len() && !block[j].starts_with("$ ") {
                    j += 1;
                }
                Some(block[from..j].iter().map(|l| (*l).to_owned()).collect())
            } else {
                None
            };
            let runs_tip_audit = command.trim_start().starts_with("tip-audit ");
            if runs_tip_audit && command.contains("sample-logs") {
                found.push(Example {
                    place,
                    command,
                    shown,
                    marker: marker.clone(),
                });
            }
        }
        i = end + 1;
    }
    found
}

/// The programs a command line runs: the first word of each stage of its pipelines and lists
/// (`|`, `||`, `;`; quotes respected, so a `|` inside a jq filter is not a pipe), after any
/// `NAME=value` words.
fn programs(command: &str) -> Vec<String> {
    let mut stages = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '|' | ';') => stages.push(String::new()),
            _ => {}
        }
        if let Some(stage) = stages.last_mut() {
            stage.push(c);
        }
    }
    stages
        .iter()
        .filter_map(|stage| {
            stage
                .trim_start_matches(['|', ';'])
                .split_whitespace()
                .find(|word| !word.contains('='))
                .map(str::to_owned)
        })
        .collect()
}

/// Whether `program` is on `path`.
fn installed(program: &str, path: &OsStr) -> bool {
    std::env::split_paths(path).any(|dir| dir.join(program).is_file())
}

/// Lines with trailing spaces dropped, and trailing blank lines.
fn normalized<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = lines.map(|line| line.trim_end().to_owned()).collect();
    while out.last().is_some_and(|line| line.is_empty()) {
        out.pop();
    }
    out
}

/// Whether every line of `shown` appears in `actual`, in order.
fn in_order(shown: &[String], actual: &[String]) -> bool {
    let mut rest = actual.iter();
    shown
        .iter()
        .filter(|line| !line.is_empty())
        .all(|line| rest.any(|a| a == line))
}

/// A scratch directory holding the repository's `sample-logs/` (linked), and a `PATH` that
/// starts with a directory holding `tip-audit` (the binary under test).
fn sandbox() -> (tempfile::TempDir, OsString) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::os::unix::fs::symlink(root.join("sample-logs"), dir.path().join("sample-logs")).unwrap();
    let bin = dir.path().join(".bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_tip-audit"), bin.join("tip-audit")).unwrap();
    let mut path = bin.into_os_string();
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    (dir, path)
}

#[test]
fn examples_in_the_readme_and_docs_print_what_they_show() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = Vec::new();
    for document in documents(root) {
        let text = std::fs::read_to_string(&document).unwrap();
        let name = document.strip_prefix(root).unwrap().display().to_string();
        examples.extend(examples_in(&name, &text));
    }
    assert!(
        examples
            .iter()
            .any(|e| e.shown.as_ref().is_some_and(|shown| !shown.is_empty())),
        "no example with its output shown: has the convention changed? {examples:#?}"
    );
    let (dir, path) = sandbox();
    let mut failures = String::new();
    for example in &examples {
        let Example {
            place,
            command,
            shown,
            marker,
        } = example;
        if let Some(reason) = &marker.skip {
            eprintln!("{place}: skipped ({reason}): {command}");
            continue;
        }
        let missing: Vec<String> = programs(command)
            .into_iter()
            .filter(|program| !installed(program, &path))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "{place}: skipped ({} not installed): {command}",
                missing.join(", ")
            );
            continue;
        }
        // What a terminal shows: standard output and standard error, in the order written.
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("{{ {command}\n}} 2>&1"))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("COLUMNS")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let code = output.status.code().unwrap_or(-1);
        if code != marker.exit {
            let _ = writeln!(
                failures,
                "{place}: `{command}` exited {code}, the docs expect {}:\n{text}",
                marker.exit
            );
            continue;
        }
        let Some(shown) = shown else { continue };
        let actual = normalized(text.lines());
        let expected = normalized(shown.iter().map(String::as_str));
        let same = if marker.abridged {
            in_order(&expected, &actual)
        } else {
            actual == expected
        };
        if !same {
            let _ = writeln!(
                failures,
                "{place}: `{command}` prints\n{}\n--- but the docs show ---\n{}\n",
                actual.join("\n"),
                expected.join("\n")
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn the_convention_reads_console_and_sh_blocks_and_their_markers() {
    let text = "\
Text.

<!-- example: exit 1 -->
```console
$ tip-audit scan sample-logs/ --fail-on high | jq -r '.a | .b'
first line  \x20
second line

$ tip-audit scan ./logs
```

<!-- example: skip needs users.json -->
```sh
# a comment
tip-audit scan sample-logs/ --users users.json
aws s3 ls
```

```sh
tip-audit chains sample-logs/ \\
  --format dot
```

```json
{\"tip-audit\": \"sample-logs\"}
```
";
    let examples = examples_in("x.md", text);
    assert_eq!(examples.len(), 3, "{examples:#?}");
    assert_eq!(examples[0].place, "x.md:5");
    assert_eq!(examples[0].marker.exit, 1);
    assert_eq!(
        normalized(
            examples[0]
                .shown
                .as_ref()
                .unwrap()
                .iter()
                .map(String::as_str)
        ),
        ["first line", "second line"]
    );
    assert_eq!(
        programs(&examples[0].command),
        ["tip-audit", "jq"],
        "a | inside quotes is no pipe"
    );
    assert_eq!(examples[1].place, "x.md:15");
    assert_eq!(examples[1].marker.skip.as_deref(), Some("needs users.json"));
    assert!(examples[1].shown.is_none());
    assert_eq!(
        examples[2].command,
        "tip-audit chains sample-logs/   --format dot"
    );
    assert_eq!(
        examples[2].marker,
        Marker::default(),
        "markers hold for one block"
    );
    assert!(in_order(
        &["b".to_owned(), "d".to_owned()],
        &["a", "b", "c", "d"].map(str::to_owned)
    ));
    assert!(!in_order(
        &["d".to_owned(), "b".to_owned()],
        &["a", "b", "c", "d"].map(str::to_owned)
    ));
}
