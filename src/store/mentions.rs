//! Mentions: validated inserts (the span invariant) and lookups.

use rusqlite::{params, Connection, Row};

use super::Store;
use crate::error::{Error, Result};
use crate::model::{ArticleId, CharOffsets, EntityId, Field, Mention, MentionId, NewMention};

const SQL_TEXTS: &str = "SELECT title, body FROM articles WHERE id = ?1";
pub(super) const SQL_INSERT: &str = "INSERT INTO mentions
    (article_id, entity_id, field, start_char, end_char, start_byte, end_byte, surface,
     sentence, paragraph, extractor, confidence, local_kind, local_name, kind_cue)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
const SQL_OF_ARTICLE: &str = "SELECT id, article_id, entity_id, field, start_char, end_char,
    start_byte, end_byte, surface, sentence, paragraph, extractor, confidence
    FROM mentions WHERE article_id = ?1 ORDER BY field DESC, start_char, id";
const SQL_OF_ENTITY: &str = "SELECT id, article_id, entity_id, field, start_char, end_char,
    start_byte, end_byte, surface, sentence, paragraph, extractor, confidence
    FROM mentions WHERE entity_id = ?1 ORDER BY article_id, field DESC, start_char, id
    LIMIT ?2 OFFSET ?3";

fn mention_from_row(r: &Row<'_>) -> rusqlite::Result<Mention> {
    Ok(Mention {
        id: r.get(0)?,
        article_id: r.get(1)?,
        entity_id: r.get(2)?,
        field: r.get(3)?,
        start_char: r.get(4)?,
        end_char: r.get(5)?,
        start_byte: r.get(6)?,
        end_byte: r.get(7)?,
        surface: r.get(8)?,
        sentence: r.get(9)?,
        paragraph: r.get(10)?,
        extractor: r.get(11)?,
        confidence: r.get(12)?,
    })
}

/// Checks the span invariant: the byte range slices `surface` out of `text` on
/// character boundaries, and the character offsets count the same span (as SQLite's
/// `substr` does).
/// The text's [`CharOffsets`] are built once for all its mentions.
fn check_span(article: ArticleId, offsets: &CharOffsets<'_>, m: &NewMention) -> Result<()> {
    let text = offsets.text();
    let bad = |reason: String| Error::InvalidSpan {
        article: article.0,
        field: m.field.to_string(),
        start: m.start_char,
        end: m.end_char,
        reason,
    };
    if m.start_char < 0 || m.end_char <= m.start_char {
        return Err(bad("end_char must be greater than start_char >= 0".into()));
    }
    let (sb, eb) = (m.start_byte, m.end_byte);
    let slice = usize::try_from(sb)
        .ok()
        .zip(usize::try_from(eb).ok())
        .and_then(|(s, e)| text.get(s..e))
        .ok_or_else(|| {
            bad(format!(
                "bytes {sb}..{eb} are outside the {}-byte text or not on character boundaries",
                text.len()
            ))
        })?;
    if slice != m.surface {
        return Err(bad(format!(
            "bytes {sb}..{eb} hold {slice:?}, not the surface {:?}",
            m.surface
        )));
    }
    let start_char = offsets.at(sb as usize) as i64;
    let end_char = offsets.at(eb as usize) as i64;
    if start_char != m.start_char || end_char != m.end_char {
        return Err(bad(format!(
            "the surface spans characters {start_char}..{end_char}"
        )));
    }
    Ok(())
}

/// Validates and inserts mentions of one article. Runs on the caller's transaction.
/// The summary counts are updated at once, or added to `deferred` for the caller to
/// apply before it commits.
pub(crate) fn insert(
    conn: &Connection,
    article: ArticleId,
    mentions: &[NewMention],
    deferred: Option<&mut super::units::Delta>,
) -> Result<Vec<MentionId>> {
    let (title, body): (String, String) = conn
        .prepare_cached(SQL_TEXTS)?
        .query_row([article], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NotFound {
                what: "article",
                id: article.to_string(),
            },
            e => e.into(),
        })?;
    let (title, body) = (CharOffsets::new(&title), CharOffsets::new(&body));
    for m in mentions {
        let text = match m.field {
            Field::Title => &title,
            Field::Body => &body,
        };
        check_span(article, text, m)?;
    }
    match deferred {
        Some(delta) => super::units::refresh_into(conn, &[article], delta, || {
            insert_checked(conn, article, mentions)
        }),
        None => super::units::refresh(conn, &[article], || insert_checked(conn, article, mentions)),
    }
}

/// The loader's insert: mentions of an article that has none (new, or just cleared),
/// checked against the `title` and `body` the caller wrote in this transaction, with
/// their summary counts added to `delta` from memory instead of read back.
pub(crate) fn insert_into_empty(
    conn: &Connection,
    article: ArticleId,
    title: &str,
    body: &str,
    mentions: &[NewMention],
    delta: &mut super::units::Delta,
) -> Result<Vec<MentionId>> {
    let (title, body) = (CharOffsets::new(title), CharOffsets::new(body));
    for m in mentions {
        let text = match m.field {
            Field::Title => &title,
            Field::Body => &body,
        };
        check_span(article, text, m)?;
    }
    let ids = insert_checked(conn, article, mentions)?;
    let day = super::units::day_of_article(conn, article)?;
    delta.mentions(
        conn,
        mentions.iter().map(super::units::Facts::of_new),
        &day,
        1,
    )?;
    Ok(ids)
}

/// Inserts mentions whose spans were checked.
fn insert_checked(
    conn: &Connection,
    article: ArticleId,
    mentions: &[NewMention],
) -> Result<Vec<MentionId>> {
    let mut stmt = conn.prepare_cached(SQL_INSERT)?;
    let mut ids = Vec::with_capacity(mentions.len());
    for m in mentions {
        stmt.execute(params![
            article,
            m.entity_id,
            m.field,
            m.start_char,
            m.end_char,
            m.start_byte,
            m.end_byte,
            m.surface,
            m.sentence,
            m.paragraph,
            m.extractor,
            m.confidence,
            m.local_kind,
            m.local_name,
            m.kind_cue
        ])?;
        ids.push(MentionId(conn.last_insert_rowid()));
    }
    Ok(ids)
}

impl Store {
    /// Adds mentions to an article after checking each span against its text; all
    /// or nothing.
    pub fn add_mentions(
        &mut self,
        article: ArticleId,
        mentions: &[NewMention],
    ) -> Result<Vec<MentionId>> {
        let tx = self.conn.transaction()?;
        let ids = insert(&tx, article, mentions, None)?;
        tx.commit()?;
        Ok(ids)
    }

    /// The mentions in an article, title first, in text order.
    pub fn mentions_of_article(&self, article: ArticleId) -> Result<Vec<Mention>> {
        let mut stmt = self.conn.prepare_cached(SQL_OF_ARTICLE)?;
        let rows = stmt.query_map([article], mention_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Mentions of an entity, by article, `limit` at a time.
    pub fn mentions_of_entity(
        &self,
        entity: EntityId,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Mention>> {
        let mut stmt = self.conn.prepare_cached(SQL_OF_ENTITY)?;
        let rows = stmt.query_map(params![entity, limit, offset], mention_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntityKind, NewArticle};

    fn store_with_article() -> (Store, ArticleId, EntityId) {
        let mut s = Store::open_in_memory().unwrap();
        let a = s
            .upsert_article(&NewArticle {
                external_id: "a".into(),
                title: "Zoë meets Ümit".into(),
                body: "In Zürich, Zoë said hello.".into(),
                ..Default::default()
            })
            .unwrap()
            .id;
        let e = s.entity_get_or_create(EntityKind::Person, "Zoë").unwrap();
        (s, a, e)
    }

    #[test]
    fn valid_span_is_stored_and_matches_sqlite_substr() {
        let (mut s, a, e) = store_with_article();
        let body = "In Zürich, Zoë said hello.";
        let start = body.find("Zoë").unwrap();
        let m =
            NewMention::from_byte_range(e, Field::Body, body, start, start + "Zoë".len()).unwrap();
        s.add_mentions(a, &[m]).unwrap();
        let ok: bool = s
            .conn()
            .query_row(
                "SELECT surface = substr(a.body, m.start_char + 1, m.end_char - m.start_char)
                 FROM mentions m JOIN articles a ON a.id = m.article_id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(ok);
        assert_eq!(s.mentions_of_entity(e, 10, 0).unwrap().len(), 1);
        assert_eq!(s.entities_of_article(a).unwrap()[0].name, "Zoë");
    }

    #[test]
    fn span_with_wrong_surface_or_offsets_is_an_error() {
        let (mut s, a, e) = store_with_article();
        let title = "Zoë meets Ümit";
        let good = NewMention::from_byte_range(e, Field::Title, title, 0, "Zoë".len()).unwrap();

        let mut wrong_surface = good.clone();
        wrong_surface.surface = "Zoe".into();
        let mut wrong_chars = good.clone();
        wrong_chars.end_char = 4;
        let mut off_boundary = good.clone();
        off_boundary.end_byte = 3; // inside the two-byte "ë"
        let mut wrong_field = good.clone();
        wrong_field.field = Field::Body;

        for bad in [wrong_surface, wrong_chars, off_boundary, wrong_field] {
            let err = s.add_mentions(a, &[good.clone(), bad]).unwrap_err();
            assert!(matches!(err, Error::InvalidSpan { .. }), "{err}");
        }
        // All or nothing: the good mention in each failed batch was not kept.
        assert_eq!(s.mentions_of_article(a).unwrap().len(), 0);
    }
}
