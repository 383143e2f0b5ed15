//! `newsdb man` (issue 12 #24): manual pages from clap_mangen, one per command and
//! subcommand, each a roff page with its name, synopsis and examples.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

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

/// Every command path of the CLI (`[]`, `["entities"]`, `["entities", "merge"]`, ...),
/// found through `--help` as a user would.
fn command_paths(bin: &Path) -> Vec<Vec<String>> {
    fn visit(bin: &Path, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        let help = Command::new(bin)
            .args(&*path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(help.status.success());
        out.push(path.clone());
        for sub in subcommands(&String::from_utf8(help.stdout).unwrap()) {
            path.push(sub);
            visit(bin, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    visit(bin, &mut Vec::new(), &mut out);
    out
}

#[test]
fn man_writes_a_page_for_every_command_and_subcommand() {
    let bin = assert_cmd::cargo::cargo_bin("newsdb");
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man");
    let run = Command::new(&bin)
        .args(["man", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let written: BTreeSet<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let paths = command_paths(&bin);
    assert!(paths.len() > 25, "{paths:?}");
    let expected: BTreeSet<String> = paths
        .iter()
        .map(|p| {
            std::iter::once("newsdb".to_string())
                .chain(p.iter().cloned())
                .collect::<Vec<_>>()
                .join("-")
                + ".1"
        })
        .collect();
    assert_eq!(written, expected);
    assert!(String::from_utf8_lossy(&run.stderr)
        .contains(&format!("wrote {} manual page(s)", expected.len())));
    for path in &paths {
        let name = std::iter::once("newsdb")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        let page = std::fs::read_to_string(out_dir.join(format!("{name}.1"))).unwrap();
        assert!(page.contains(&format!(".TH {name} 1")), "{name}: {page}");
        for section in [".SH NAME", ".SH SYNOPSIS"] {
            assert!(page.contains(section), "{name}: no {section}");
        }
        // Each command's examples are in its page (the leaf commands all have some).
        if path.len() == 1 && !["entities", "aliases", "ner"].contains(&path[0].as_str()) {
            assert!(page.contains("Example"), "{name}: no examples");
        }
    }
    // The main page names every command; without --out it goes to stdout.
    let main = Command::new(&bin).arg("man").output().unwrap();
    assert!(main.status.success());
    let main = String::from_utf8(main.stdout).unwrap();
    assert!(main.contains(".TH newsdb 1"));
    for path in paths.iter().filter(|p| p.len() == 1) {
        assert!(
            main.contains(&format!("newsdb\\-{}(1)", path[0])),
            "{}",
            path[0]
        );
    }
}
