//! Finding entities by part of a name: a case- and accent-insensitive substring
//! search over canonical names and aliases, best matches first.

use std::collections::HashMap;

use rusqlite::{params, Connection};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::model::{EntityId, EntityKind};

/// An entity whose name or one of whose aliases contains the text searched for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityMatch {
    /// Row id.
    pub id: EntityId,
    /// Person, organization, location or misc.
    pub kind: EntityKind,
    /// Canonical name.
    pub name: String,
    /// The name or alias that matched best.
    pub matched: String,
    /// Articles mentioning it.
    pub articles: i64,
    /// Mentions of it.
    pub mentions: i64,
}

/// Every live (not merged away) entity with each of its aliases (`NULL` for none).
const SQL_CANDIDATES: &str = "SELECT e.id, e.kind, e.name, al.alias FROM entities e
    LEFT JOIN entity_aliases al ON al.entity_id = e.id
    WHERE e.merged_into IS NULL AND (?1 IS NULL OR e.kind = ?1)";
const SQL_COUNTS: &str = "SELECT
        COALESCE((SELECT units FROM entity_units WHERE entity_id = ?1 AND level = 'article'), 0),
        (SELECT COUNT(*) FROM mentions WHERE entity_id = ?1)";

/// `s` lowercased, without diacritics ("Zürich" -> "zurich"), for comparing names
/// as people type them.
fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// How well `candidate` (folded) matches `wanted` (folded): 0 equal, 1 a prefix,
/// 2 a substring; `None` when it does not contain it.
fn tier(candidate: &str, wanted: &str) -> Option<u8> {
    if candidate == wanted {
        Some(0)
    } else if candidate.starts_with(wanted) {
        Some(1)
    } else if candidate.contains(wanted) {
        Some(2)
    } else {
        None
    }
}

/// The best match of one entity so far: (tier, whether an alias rather than the
/// name matched, the text that matched).
type Best = (u8, bool, String);

/// Entities whose canonical name or an alias contains `text`, ignoring case and
/// diacritics ("zurich" finds "Zürich"), optionally of one `kind`. Best first: an
/// exact name, an exact alias, then names or aliases starting with `text`, then
/// those containing it; within each, most mentioned first, then by name. At most
/// `limit` rows. Text with nothing but spaces is [`Error::InvalidArgument`].
pub fn match_entities(
    conn: &Connection,
    text: &str,
    kind: Option<EntityKind>,
    limit: usize,
) -> Result<Vec<EntityMatch>> {
    let wanted = fold(text.trim());
    if wanted.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "nothing to match in {text:?} (give part of a name, e.g. \"assad\")"
        )));
    }
    let mut best: HashMap<i64, (EntityKind, String, Best)> = HashMap::new();
    let mut stmt = conn.prepare_cached(SQL_CANDIDATES)?;
    let mut rows = stmt.query(params![kind])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let name: String = r.get(2)?;
        let alias: Option<String> = r.get(3)?;
        let by_name = tier(&fold(&name), &wanted).map(|t| (t, false, name.clone()));
        let by_alias = alias
            .and_then(|a| tier(&fold(&a), &wanted).map(|t| (t, true, a)))
            .filter(|(_, _, a)| *a != name);
        for found in [by_name, by_alias].into_iter().flatten() {
            match best.get_mut(&id) {
                Some((_, _, b)) if (found.0, found.1) < (b.0, b.1) => *b = found,
                Some(_) => {}
                None => {
                    best.insert(id, (r.get(1)?, name.clone(), found));
                }
            }
        }
    }
    let mut counts = conn.prepare_cached(SQL_COUNTS)?;
    let mut out: Vec<(Best, EntityMatch)> = Vec::with_capacity(best.len());
    for (id, (kind, name, b)) in best {
        let (articles, mentions) = counts.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let m = EntityMatch {
            id: EntityId(id),
            kind,
            name,
            matched: b.2.clone(),
            articles,
            mentions,
        };
        out.push((b, m));
    }
    // An alias that merely equals the text ranks after an equal name; below that,
    // names and aliases compete on mentions alone.
    out.sort_by(|(x, a), (y, b)| {
        (x.0, x.0 == 0 && x.1)
            .cmp(&(y.0, y.0 == 0 && y.1))
            .then(b.mentions.cmp(&a.mentions))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.id.0.cmp(&b.id.0))
    });
    out.truncate(limit);
    Ok(out.into_iter().map(|(_, m)| m).collect())
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn names(rows: &[EntityMatch]) -> Vec<&str> {
        rows.iter().map(|m| m.name.as_str()).collect()
    }

    #[test]
    fn matches_ignore_case_and_accents() {
        let f = fixture::build();
        let c = f.store.conn();
        assert_eq!(
            names(&match_entities(c, "ZURICH", None, 10).unwrap()),
            ["Zürich"]
        );
        assert_eq!(names(&match_entities(c, "zoe", None, 10).unwrap()), ["Zoë"]);
        assert_eq!(
            names(&match_entities(c, "züri", None, 10).unwrap()),
            ["Zürich"]
        );
        assert!(match_entities(c, "xylophone", None, 10).unwrap().is_empty());
        assert!(matches!(
            match_entities(c, "  ", None, 10),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn exact_then_prefix_then_substring_ties_by_mentions() {
        let mut f = fixture::build();
        for (kind, name) in [
            (EntityKind::Location, "Northern Iran"),
            (EntityKind::Organization, "Iran Air"),
        ] {
            f.store.entity_get_or_create(kind, name).unwrap();
        }
        let c = f.store.conn();
        let rows = match_entities(c, "iran", None, 10).unwrap();
        assert_eq!(names(&rows), ["Iran", "Iran Air", "Northern Iran"]);
        assert_eq!((rows[0].articles, rows[0].mentions), (1, 1));
        assert_eq!(rows[1].mentions, 0);
        // Aliases match too: "Assad" (5 mentions) and "Ali Khamenei" (3) both start
        // with "a"; the one mentioned more comes first.
        let rows = match_entities(c, "a", None, 2).unwrap();
        assert_eq!(names(&rows), ["Bashar al-Assad", "Ali Khamenei"]);
        assert_eq!(rows[0].matched, "Assad");
        assert_eq!(rows[0].mentions, 5);
        let places = match_entities(c, "iran", Some(EntityKind::Location), 10).unwrap();
        assert_eq!(names(&places), ["Iran", "Northern Iran"]);
        assert_eq!(match_entities(c, "iran", None, 1).unwrap().len(), 1);
    }
}
