//! Every example a user is shown runs: the `Examples:` of `newsdb --help` and of every
//! subcommand's help (found through the `Commands:` lists, nested ones included), and
//! the `newsdb` lines of README.md's shell blocks. Each runs in a directory holding a
//! database of the seed and 150 BBC articles and the input files the examples name,
//! and must exit 0 and show something: rows for a query, a file for `--out` or `>`,
//! a report for a change. An example that fails or prints nothing is a bug in the docs
//! (or in the command).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{repo, seeds, shared_file, skip};

/// Examples that do not run here, by the start of their command line, with the reason.
/// Keep it short: every entry must still match an example (checked below).
const SKIP: &[(&str, &str)] = &[
    (
        "newsdb ner train ",
        "trains on all of eng.train (about 90 s in a release build, with the held-out run); \
         scripts/check_model_reproducible.sh runs it in CI",
    ),
    (
        "newsdb ner resources ",
        "reads all 2,225 BBC texts to rebuild models/; scripts/check_model_reproducible.sh \
         runs it in CI",
    ),
    (
        "cargo test",
        "runs the whole test suite, this test included",
    ),
];

/// Commands that run until stopped (a server). Their examples are started with any
/// `--port N` made `--port 0` (a free port: the tests run side by side, and the port
/// shown may be taken), read until their first line on stdout (the URL), then stopped
/// with SIGINT, as Ctrl-C stops them: they must then exit 0.
const LONG_RUNNING: &[&str] = &["serve"];

/// Exit codes other than 0 that an example documents next to it (none today).
const EXPECTED_CODES: &[(&str, i32)] = &[];

/// The commands whose output is rows: they must print at least one.
const QUERIES: &[&str] = &[
    "articles",
    "show",
    "schema",
    "sql",
    "search",
    "entities",
    "entity",
    "mentions",
    "cooccur",
    "timeline",
    "stats",
    "export",
    "aliases list",
    "ner eval",
    "ner tag",
];

/// A shell word or an operator (`|`, `>`, `&&`, ...).
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Op(String),
}

/// Splits a command line as `sh` would for the simple lines of examples: single and
/// double quotes, backslash escapes, line continuations, `#` comments, and the
/// operators `| > >> < && || ;` as tokens of their own. `None` if a quote is open
/// (the command goes on on the next line).
fn split(line: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => w.push(c),
                            '\n' => {}
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(c) => word.get_or_insert_with(String::new).push(c),
            },
            '#' if word.is_none() => break,
            c if c.is_whitespace() => tokens.extend(word.take().map(Token::Word)),
            '|' | '&' | '>' | '<' | ';' => {
                tokens.extend(word.take().map(Token::Word));
                let mut op = c.to_string();
                if matches!(c, '|' | '&' | '>') && chars.peek() == Some(&c) {
                    op.push(chars.next().expect("peeked"));
                }
                tokens.push(Token::Op(op));
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    tokens.extend(word.map(Token::Word));
    Some(tokens)
}

/// One example as shown, and where it was shown.
#[derive(Debug)]
struct Example {
    /// `newsdb search --help`, `README.md line 40`.
    place: String,
    /// The command line, a `cargo run --release --` prefix read as `newsdb`.
    text: String,
}

/// The subcommands a help text lists under `Commands:` (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The lines of a help text's `Examples:` (or `Example ...:`) block, a line ending in
/// `\` joined with the next.
fn help_examples(help: &str) -> Vec<String> {
    let mut lines = help
        .lines()
        .skip_while(|l| !(l.starts_with("Example") && l.trim_end().ends_with(':')))
        .skip(1)
        .take_while(|l| !l.trim().is_empty());
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        let mut text = line.trim().to_string();
        while text.ends_with('\\') {
            text.pop();
            text.push_str(lines.next().unwrap_or_default().trim());
        }
        out.push(text);
    }
    out
}

fn help(bin: &Path, path: &[String]) -> String {
    let out = Command::new(bin)
        .args(path)
        .arg("--help")
        // What a 100-column terminal shows: an example longer than that is wrapped, and
        // a wrapped example cannot be copied (the check below finds it).
        .env("COLUMNS", "100")
        .output()
        .expect("newsdb runs");
    assert!(out.status.success(), "newsdb {path:?} --help failed");
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// Every example of `newsdb --help` and of its subcommands' help, depth first in the
/// order the help lists them; panics on a command tree without any example.
fn all_help_examples(bin: &Path) -> Vec<Example> {
    fn visit(bin: &Path, path: &mut Vec<String>, out: &mut Vec<Example>) -> usize {
        let text = help(bin, path);
        let place = format!(
            "`newsdb {}--help`",
            path.iter().map(|p| format!("{p} ")).collect::<String>()
        );
        let mut found = 0;
        for e in help_examples(&text) {
            found += 1;
            out.push(Example {
                place: place.clone(),
                text: e,
            });
        }
        for sub in subcommands(&text) {
            path.push(sub);
            let below = visit(bin, path, out);
            if path.len() == 1 {
                assert!(
                    found > 0 || below > 0,
                    "{place} and `newsdb {} --help`: no example (STYLE: an example in each \
                     subcommand's long help)",
                    path[0]
                );
            }
            found += below;
            path.pop();
        }
        found
    }
    let mut out = Vec::new();
    visit(bin, &mut Vec::new(), &mut out);
    out
}

/// The commands of README.md's ```sh, ```bash and ```console blocks (`$ ` prompts
/// dropped), continuation lines and multi-line quotes joined.
fn readme_examples() -> Vec<Example> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md reads");
    let mut out = Vec::new();
    let mut in_shell = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        if let Some(fence) = line.trim_start().strip_prefix("```") {
            in_shell = !in_shell && matches!(fence.trim(), "sh" | "bash" | "console" | "shell");
            assert!(
                pending.is_none(),
                "README.md line {}: a command is cut off",
                i + 1
            );
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = line.strip_prefix("$ ").unwrap_or(line);
        let (start, text) = match pending.take() {
            Some((start, text)) => (start, format!("{text}\n{line}")),
            None if line.trim().is_empty() || line.trim_start().starts_with('#') => continue,
            None => (i + 1, line.to_string()),
        };
        let cut = text.trim_end().ends_with('\\') || split(&text).is_none();
        if cut {
            pending = Some((start, text));
            continue;
        }
        let text = match text.trim().strip_prefix("cargo run --release -- ") {
            Some(rest) => format!("newsdb {rest}"),
            None => text.trim().to_string(),
        };
        out.push(Example {
            place: format!("README.md line {start}"),
            text,
        });
    }
    out
}

/// A directory laid out as a user's: `work/` (the current directory) holding
/// `newsdb.sqlite` (the seed and the first 30 BBC texts of each category), `seeds/`
/// and the files the examples read, beside `shared`, a link to `../shared`, so that
/// `../shared/data/...` in an example resolves as it does from the repository.
fn workspace(shared: &Path, bin: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(shared, dir.path().join("shared")).unwrap();
    let work = dir.path().join("work");
    let copy_dir = |from: &Path, to: &Path, take: usize, skip_n: usize| {
        std::fs::create_dir_all(to).unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(from)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        for f in files.iter().skip(skip_n).take(take) {
            std::fs::copy(f, to.join(f.file_name().unwrap())).unwrap();
        }
    };
    copy_dir(&seeds(), &work.join("seeds"), usize::MAX, 0);
    let bbc = shared.join("data/bbc");
    for folder in ["business", "entertainment", "politics", "sport", "tech"] {
        copy_dir(
            &bbc.join(folder),
            &dir.path().join("bbc").join(folder),
            30,
            0,
        );
        // A directory of articles not imported yet, for `import archive/`.
        copy_dir(&bbc.join(folder), &work.join("archive").join(folder), 1, 30);
    }
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .args(args)
            .current_dir(&work)
            .env_remove("NEWSDB_DB")
            .output()
            .unwrap();
        assert!(out.status.success(), "setup {args:?}: {out:?}");
    };
    run(&["import", "--quiet", "seeds/"]);
    run(&["import", "--quiet", "../bbc"]);
    run(&["--db", "archive.sqlite", "import", "--quiet", "seeds/"]);

    // Dated records from a wire source: what a real archive has and the seed and the
    // BBC texts lack (date ranges, timelines, --source, newest first).
    let record = |id: &str, date: &str, title: &str, body: &str| {
        serde_json::json!({"id": id, "source": "wire", "published": date, "title": title, "body": body})
            .to_string()
    };
    let items = [
        record(
            "wire-2019-02-26",
            "2019-02-26",
            "Assad back in Damascus after his visit to Iran",
            "Bashar al-Assad met Ali Khamenei and Hassan Rouhani in Tehran on Monday, \
             his first visit to Iran since 2011.",
        ),
        record(
            "wire-2019-02-27",
            "2019-02-27",
            "Rouhani rejects Zarif's resignation",
            "Hassan Rouhani rejected the resignation of Iran's foreign minister, \
             Mohammad Javad Zarif, on Wednesday.",
        ),
    ];
    std::fs::write(work.join("items.jsonl"), items.join("\n") + "\n").unwrap();
    let feed = record(
        "wire-2019-03-01",
        "2019-03-01",
        "Oil prices rise",
        "Oil prices rose in London on Friday as OPEC kept its output cuts.",
    ) + "\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, feed.as_bytes()).unwrap();
    std::fs::write(work.join("feed.jsonl.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        work.join("export.csv"),
        "id,source,published,title,body\n\
         wire-2019-03-02,wire,2019-03-02,Bank holds rates,\"The Bank of England kept \
         interest rates at 0.75% on Saturday, citing Brexit.\"\n",
    )
    .unwrap();
    std::fs::write(
        work.join("query.sql"),
        "SELECT kind, COUNT(*) AS entities\nFROM entities GROUP BY kind ORDER BY kind\n",
    )
    .unwrap();
    std::fs::write(
        work.join("my-aliases.tsv"),
        "# alias\tkind\tcanonical\nthe Beeb\torganization\tBBC\nMan U\torganization\tManchester United\n",
    )
    .unwrap();
    (dir, work)
}

/// What an example is run as.
struct Run {
    out: Output,
    /// The words of its `newsdb` command (without `newsdb`).
    args: Vec<String>,
    /// Files it writes: `--out FILE` and `> FILE`.
    written: Vec<PathBuf>,
}

fn run(example: &Example, work: &Path, bin: &Path) -> Run {
    let tokens = split(&example.text).expect("run_all passes only lines sh can split");
    let words = |ts: &[Token]| -> Vec<String> {
        ts.iter()
            .map(|t| match t {
                Token::Word(w) | Token::Op(w) => w.clone(),
            })
            .collect()
    };
    let start = tokens
        .iter()
        .position(|t| *t == Token::Word("newsdb".into()))
        .expect("run_all passes only lines that run newsdb");
    let end = tokens[start..]
        .iter()
        .position(|t| matches!(t, Token::Op(_)))
        .map_or(tokens.len(), |i| start + i);
    let args = words(&tokens[start + 1..end]);
    let mut written: Vec<PathBuf> = args
        .windows(2)
        .filter(|w| w[0] == "--out")
        .map(|w| work.join(&w[1]))
        .collect();
    written.extend(
        tokens
            .windows(2)
            .filter(|w| matches!(&w[0], Token::Op(op) if op == ">" || op == ">>"))
            .filter_map(|w| match &w[1] {
                Token::Word(f) => Some(work.join(f)),
                Token::Op(_) => None,
            }),
    );
    if args
        .first()
        .is_some_and(|a| LONG_RUNNING.contains(&a.as_str()))
    {
        let out = run_until_first_line(&args, work, bin);
        return Run { out, args, written };
    }
    let shell = tokens.iter().any(|t| matches!(t, Token::Op(_))) || start > 0;
    let mut cmd = if shell {
        let dir = bin.parent().expect("the binary is in a directory");
        let path = std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let mut c = Command::new("sh");
        c.arg("-c").arg(&example.text).env("PATH", path);
        c
    } else {
        let mut c = Command::new(bin);
        c.args(&args);
        c
    };
    let out = cmd
        .current_dir(work)
        .env_remove("NEWSDB_DB")
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    Run { out, args, written }
}

/// Runs a [`LONG_RUNNING`] command (on port 0) until its first line of output, then
/// sends it SIGINT and returns all it printed and its exit status.
fn run_until_first_line(args: &[String], work: &Path, bin: &Path) -> Output {
    use std::io::{BufRead, Read};
    let mut args = args.to_vec();
    match args.iter().position(|a| a == "--port") {
        Some(i) if i + 1 < args.len() => args[i + 1] = "0".into(),
        _ => args.extend(["--port".into(), "0".into()]),
    }
    let mut child = Command::new(bin)
        .args(&args)
        .current_dir(work)
        .env_remove("NEWSDB_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut first = String::new();
        let _ = stdout.read_line(&mut first);
        let _ = tx.send(());
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        first + &rest
    });
    // A command that never prints is stopped all the same, and fails the check.
    let _ = rx.recv_timeout(std::time::Duration::from_secs(30));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: reader.join().unwrap().into_bytes(),
        stderr,
    }
}

/// How many rows (or records) `stdout` holds in the format the command printed.
fn rows(stdout: &str, args: &[String]) -> usize {
    let format = args
        .windows(2)
        .find(|w| w[0] == "--format")
        .map(|w| w[1].as_str());
    let lines = || stdout.lines().filter(|l| !l.trim().is_empty());
    match format {
        Some("json") => match serde_json::from_str::<serde_json::Value>(stdout) {
            Ok(serde_json::Value::Array(a)) => a.len(),
            Ok(serde_json::Value::Object(o)) => usize::from(!o.is_empty()),
            _ => 0,
        },
        Some("jsonl") | None if args.first().is_some_and(|a| a == "export") => lines()
            .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
            .count(),
        Some("csv" | "tsv") => lines().count().saturating_sub(1),
        Some("jsonl") => lines().count(),
        // A table: a header and a rule (─) above its rows; other text (`show`'s
        // article, `ner tag`'s columns) counts line by line.
        _ => {
            let rule = stdout.lines().nth(1).is_some_and(|l| l.starts_with('─'));
            lines().count().saturating_sub(if rule { 2 } else { 0 })
        }
    }
}

/// The query a command is, if any: `entities merges` and `entities` lists are, an
/// `entities merge` is not.
fn is_query(args: &[String]) -> bool {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .take(2)
        .collect();
    let changes = ["merge", "unmerge", "rename", "set-kind"];
    match words.as_slice() {
        ["entities", sub, ..] if changes.contains(sub) => false,
        [first, second, ..] if QUERIES.contains(&format!("{first} {second}").as_str()) => true,
        [first, ..] => QUERIES.contains(first),
        [] => false,
    }
}

fn check(example: &Example, run: &Run, failures: &mut Vec<String>) {
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    let expected = EXPECTED_CODES
        .iter()
        .find(|(prefix, _)| example.text.starts_with(prefix))
        .map_or(0, |(_, code)| *code);
    let shown = format!(
        "{}: `{}`\n  exit {:?}\n  stdout: {}\n  stderr: {}",
        example.place,
        example.text,
        run.out.status.code(),
        stdout.chars().take(400).collect::<String>(),
        stderr.chars().take(400).collect::<String>()
    );
    if run.out.status.code() != Some(expected) {
        failures.push(format!(
            "exits {:?}, not {expected}; {shown}",
            run.out.status.code()
        ));
        return;
    }
    for file in &run.written {
        let len = std::fs::metadata(file).map_or(0, |m| m.len());
        if len == 0 {
            failures.push(format!("{} is missing or empty; {shown}", file.display()));
        }
    }
    if !run.written.is_empty() {
        return;
    }
    if is_query(&run.args) {
        if rows(&stdout, &run.args) == 0 {
            failures.push(format!("a query that prints no rows; {shown}"));
        }
    } else if stdout.trim().is_empty() && stderr.trim().is_empty() {
        failures.push(format!("prints nothing at all; {shown}"));
    }
}

/// Runs the examples in order in one workspace, skipping SKIP's (noting which entries
/// matched), and asserts that every other one ran and showed something; returns how
/// many ran.
fn run_all(examples: &[Example], work: &Path, bin: &Path, skips_used: &mut Vec<&str>) -> usize {
    let sqlite3 = Command::new("sqlite3").arg("-version").output().is_ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for example in examples {
        if let Some((prefix, why)) = SKIP.iter().find(|(p, _)| example.text.starts_with(p)) {
            skip(&format!("{}: `{}`: {why}", example.place, example.text));
            skips_used.push(prefix);
            continue;
        }
        if example.text.starts_with("sqlite3 ") {
            if !sqlite3 {
                skip(&format!(
                    "{}: `{}`: sqlite3 is not installed",
                    example.place, example.text
                ));
                continue;
            }
            let out = Command::new("sh")
                .arg("-c")
                .arg(&example.text)
                .current_dir(work)
                .output()
                .unwrap();
            if !out.status.success() || out.stdout.is_empty() {
                failures.push(format!("{}: `{}`: {out:?}", example.place, example.text));
            }
            ran += 1;
            continue;
        }
        let runs_newsdb =
            split(&example.text).is_some_and(|t| t.contains(&Token::Word("newsdb".into())));
        if !runs_newsdb {
            failures.push(format!(
                "{}: {:?} is not a command line that runs newsdb: an unbalanced quote, an \
                 example wrapped at the terminal width (shorten it or break it with `\\`), or \
                 another program (run it here, or add it to SKIP with the reason)",
                example.place, example.text
            ));
            continue;
        }
        let r = run(example, work, bin);
        check(example, &r, &mut failures);
        ran += 1;
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    ran
}

fn setup() -> Option<(PathBuf, PathBuf)> {
    let shared = shared_file("bbc")?.parent()?.parent()?.to_path_buf();
    let bin = assert_cmd::cargo::cargo_bin("newsdb");
    Some((shared, bin))
}

#[test]
fn every_help_example_runs_and_shows_something() {
    let Some((shared, bin)) = setup() else {
        return;
    };
    let examples = all_help_examples(&bin);
    let (_dir, work) = workspace(&shared, &bin);
    let mut used = Vec::new();
    let ran = run_all(&examples, &work, &bin, &mut used);
    assert!(
        ran >= 50,
        "only {ran} help examples ran: the parser lost some"
    );
    for (prefix, _) in SKIP.iter().filter(|(p, _)| p.starts_with("newsdb ner")) {
        assert!(
            used.contains(prefix),
            "SKIP entry {prefix:?} matches no help example"
        );
    }
}

#[test]
fn every_readme_shell_example_runs_and_shows_something() {
    let Some((shared, bin)) = setup() else {
        return;
    };
    let examples = readme_examples();
    let (_dir, work) = workspace(&shared, &bin);
    let mut used = Vec::new();
    let ran = run_all(&examples, &work, &bin, &mut used);
    assert!(
        ran >= 20,
        "only {ran} README examples ran: the parser lost some"
    );
    for (prefix, _) in SKIP {
        assert!(
            used.contains(prefix),
            "SKIP entry {prefix:?} matches no README example"
        );
    }
}

#[test]
fn the_splitter_reads_quotes_escapes_comments_and_operators_as_sh_does() {
    let w = |s: &str| Token::Word(s.into());
    let op = |s: &str| Token::Op(s.into());
    assert_eq!(
        split(r#"newsdb search '"civil war" AND syria' --entity "Bashar \"al\" Assad"  # note"#),
        Some(vec![
            w("newsdb"),
            w("search"),
            w(r#""civil war" AND syria"#),
            w("--entity"),
            w(r#"Bashar "al" Assad"#),
        ])
    );
    assert_eq!(
        split("cat a.jsonl | newsdb import - > r.txt && x a\\ b"),
        Some(vec![
            w("cat"),
            w("a.jsonl"),
            op("|"),
            w("newsdb"),
            w("import"),
            w("-"),
            op(">"),
            w("r.txt"),
            op("&&"),
            w("x"),
            w("a b"),
        ])
    );
    assert_eq!(
        split("newsdb sql \"SELECT 1\nFROM t\""),
        Some(vec![w("newsdb"), w("sql"), w("SELECT 1\nFROM t")])
    );
    assert_eq!(split("newsdb sql \"SELECT"), None);
    assert_eq!(split("a#b 'x#y'"), Some(vec![w("a#b"), w("x#y")]));
}
