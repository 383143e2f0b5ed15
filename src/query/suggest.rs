//! Likely duplicate entities that no rule merged, for a person to confirm with
//! `newsdb entities merge`: a lone surname and the full names that end with it, an
//! initial and the full first name ("M Blair", "Mike Blair"), and names spelled
//! almost alike ("Kenteris", "Kenteriss").

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::model::{EntityId, EntityKind};

/// One suggested merge: `from` probably names the same thing as `into`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeSuggestion {
    /// The entity to merge away.
    pub from_id: EntityId,
    /// Its kind.
    pub from_kind: EntityKind,
    /// Its name.
    pub from_name: String,
    /// Articles naming it.
    pub from_articles: i64,
    /// The entity to keep.
    pub into_id: EntityId,
    /// Its kind.
    pub into_kind: EntityKind,
    /// Its name.
    pub into_name: String,
    /// Articles naming it.
    pub into_articles: i64,
    /// Why: `surname`, `initial` or `spelling`.
    pub reason: &'static str,
}

const SQL_ACTIVE: &str = "SELECT e.id, e.kind, e.name, COALESCE(e.key, lower(e.name)), u.units
    FROM entities e JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.merged_into IS NULL";

/// How many full names a lone surname is suggested with at most.
const MAX_CANDIDATES: usize = 3;

struct Row {
    id: EntityId,
    kind: EntityKind,
    name: String,
    key: String,
    articles: i64,
}

fn suggestion(from: &Row, into: &Row, reason: &'static str) -> MergeSuggestion {
    MergeSuggestion {
        from_id: from.id,
        from_kind: from.kind,
        from_name: from.name.clone(),
        from_articles: from.articles,
        into_id: into.id,
        into_kind: into.kind,
        into_name: into.name.clone(),
        into_articles: into.articles,
        reason,
    }
}

/// Whether two keys differ by one edit (a letter added, dropped or changed) that is
/// not on the first letter of a word: a misspelling rarely changes how a word starts,
/// while two different names often differ only there ("John Kerry", "John Terry";
/// "David Hill", "David Gill"), nor on a digit: that is another year or model ("Euro
/// 2004", "Euro 2006"; "Airbus A320", "Airbus A321").
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 || a == b {
        return false;
    }
    let prefix = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if prefix == 0 || short[prefix - 1] == ' ' {
        return false;
    }
    let on_digit = |chars: &[char]| chars.get(prefix).is_some_and(char::is_ascii_digit);
    if on_digit(short) || on_digit(long) {
        return false;
    }
    if short.len() == long.len() {
        short[prefix + 1..] == long[prefix + 1..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// Likely duplicates among entities named in at least one article, the most written
/// about first; at most `limit`.
pub fn suggest_merges(conn: &Connection, limit: usize) -> Result<Vec<MergeSuggestion>> {
    let rows: Vec<Row> = conn
        .prepare(SQL_ACTIVE)?
        .query_map([], |r| {
            Ok(Row {
                id: r.get(0)?,
                kind: r.get(1)?,
                name: r.get(2)?,
                key: r.get(3)?,
                articles: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    // Full-name persons by their last word.
    let mut by_surname: HashMap<&str, Vec<&Row>> = HashMap::new();
    for r in rows.iter().filter(|r| r.kind == EntityKind::Person) {
        if let Some((_, last)) = r.key.rsplit_once(' ') {
            by_surname.entry(last).or_default().push(r);
        }
    }
    for list in by_surname.values_mut() {
        list.sort_by(|a, b| b.articles.cmp(&a.articles).then(a.id.cmp(&b.id)));
    }
    for r in rows.iter().filter(|r| r.kind == EntityKind::Person) {
        match r.key.split_once(' ') {
            None => {
                for full in by_surname
                    .get(r.key.as_str())
                    .into_iter()
                    .flatten()
                    .take(MAX_CANDIDATES)
                {
                    out.push(suggestion(r, full, "surname"));
                }
            }
            Some((first, _)) if first.chars().count() == 1 => {
                let last = r.key.rsplit_once(' ').map_or("", |(_, l)| l);
                let initial = first.chars().next();
                for full in by_surname.get(last).into_iter().flatten() {
                    let (f, _) = full.key.split_once(' ').unwrap_or_default();
                    if f.chars().count() > 1
                        && f.chars().next() == initial
                        && full.key.ends_with(last)
                    {
                        out.push(suggestion(r, full, "initial"));
                    }
                }
            }
            Some(_) => {}
        }
    }
    // Names spelled almost alike, compared within groups of the same first two
    // letters (a misspelling rarely starts the name).
    let mut groups: HashMap<String, Vec<&Row>> = HashMap::new();
    for r in rows.iter().filter(|r| r.key.chars().count() >= 5) {
        groups
            .entry(r.key.chars().take(2).collect())
            .or_default()
            .push(r);
    }
    for group in groups.values() {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if a.kind == b.kind && one_edit_apart(&a.key, &b.key) {
                    let (from, into) = if (a.articles, b.id) < (b.articles, a.id) {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    out.push(suggestion(from, into, "spelling"));
                }
            }
        }
    }
    out.sort_by(|a, b| {
        (
            b.from_articles.min(b.into_articles),
            b.into_articles,
            a.from_id,
            a.into_id,
        )
            .cmp(&(
                a.from_articles.min(a.into_articles),
                a.into_articles,
                b.from_id,
                b.into_id,
            ))
    });
    out.truncate(limit);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_apart_finds_single_typos_only() {
        assert!(one_edit_apart("kenteris", "kenteriss"));
        assert!(!one_edit_apart("kirsty williams", "kisrty williams"));
        assert!(one_edit_apart("fuming", "fumin"));
        assert!(one_edit_apart("abcdef", "abxdef"));
        assert!(!one_edit_apart("abcdef", "abcdef"));
        assert!(!one_edit_apart("abcdef", "abcdxy"));
        // Not on the first letter of a word: those are other names.
        assert!(!one_edit_apart("john kerry", "john terry"));
        assert!(!one_edit_apart("david hill", "david gill"));
        assert!(!one_edit_apart("world war 2", "world war i"));
        assert!(one_edit_apart("john terry", "john terri"));
        // Nor on a digit: another year or model.
        assert!(!one_edit_apart("euro 2004", "euro 2006"));
        assert!(!one_edit_apart("airbus a320", "airbus a321"));
        assert!(!one_edit_apart("maroon5", "maroon"));
    }
}
