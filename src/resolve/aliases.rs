//! The shipped alias list (`data/aliases.tsv`): short forms and alternative names that
//! always mean one entity, whatever the article ("US", "U.S.", "Britain", "EU", "Nato").

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use super::Resolved;
use crate::EntityKind;

/// `alias<TAB>kind<TAB>canonical`, `#` comments; see the file's header.
const ALIASES_TSV: &str = include_str!("../../data/aliases.tsv");

/// The parsed list: exact aliases, and case-folded ones for aliases that are not all caps.
struct Table {
    exact: HashMap<&'static str, Resolved>,
    folded: HashMap<String, Resolved>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Table {
            exact: HashMap::new(),
            folded: HashMap::new(),
        };
        for (alias, resolved) in parse(ALIASES_TSV) {
            if !is_all_caps(alias) {
                table
                    .folded
                    .entry(alias.to_lowercase())
                    .or_insert_with(|| resolved.clone());
            }
            table.exact.entry(alias).or_insert(resolved);
        }
        table
    })
}

/// The rows of an alias file. Malformed rows are skipped (a unit test checks the shipped
/// file has none).
fn parse(tsv: &str) -> impl Iterator<Item = (&str, Resolved)> {
    super::tsv_rows(tsv).filter_map(|row| match row.as_slice() {
        [alias, kind, name] if !alias.is_empty() && !name.is_empty() => Some((
            *alias,
            Resolved {
                kind: EntityKind::from_str(kind).ok()?,
                name: name.to_string(),
            },
        )),
        _ => None,
    })
}

/// True if `s` has a letter and no lowercase letter ("US", "U.S.", "NATO").
pub(crate) fn is_all_caps(s: &str) -> bool {
    s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase)
}

/// The entry for exactly this surface. All-caps aliases match only as written, so the
/// pronoun "us" never becomes the United States; other aliases also match ignoring case
/// ("NATO", "Nato", "BRITAIN").
pub(crate) fn lookup(surface: &str) -> Option<Resolved> {
    let t = table();
    t.exact
        .get(surface)
        .or_else(|| t.folded.get(&surface.to_lowercase()))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_row_parses() {
        let rows = ALIASES_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(parse(ALIASES_TSV).count(), rows);
        assert!(rows > 100, "alias list unexpectedly small: {rows}");
    }

    #[test]
    fn all_caps_aliases_are_case_sensitive() {
        let us = lookup("US").expect("US is in the shipped list");
        assert_eq!(
            (us.kind, us.name.as_str()),
            (EntityKind::Location, "United States")
        );
        assert_eq!(lookup("us"), None);
        assert_eq!(lookup("Us"), None);
        assert_eq!(
            lookup("BRITAIN").map(|r| r.name),
            Some("United Kingdom".into())
        );
        assert_eq!(lookup("Nato").map(|r| r.name), Some("NATO".into()));
    }

    #[test]
    fn country_long_forms_are_generated() {
        assert_eq!(
            lookup("Russian Federation").map(|r| r.name),
            Some("Russia".into())
        );
        assert_eq!(
            lookup("Syrian Arab Republic").map(|r| r.name),
            Some("Syria".into())
        );
        // ISO codes that collide with words or other acronyms are not aliases.
        assert_eq!(lookup("IS"), None);
        assert_eq!(lookup("IN"), None);
    }
}
