//! Mentions in their text: keyword-in-context rows and article text with every
//! mention marked.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::model::{ArticleId, EntityId, EntityKind, Field};

/// One mention with the text around it (keyword in context).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KwicRow {
    /// The article.
    pub article_id: ArticleId,
    /// Its external id.
    pub external_id: String,
    /// Title or body.
    pub field: Field,
    /// Up to `chars` characters before the mention (newlines shown as spaces): the
    /// words next to it, `… ` in front when the text goes on further.
    pub left: String,
    /// The mention's exact text.
    pub surface: String,
    /// Up to `chars` characters after the mention (newlines shown as spaces): the
    /// words next to it, ` …` after them when the text goes on further.
    pub right: String,
}

const SQL_KWIC: &str = "SELECT m.article_id, a.external_id, m.field, m.start_byte, m.end_byte,
        m.surface, CASE m.field WHEN 'title' THEN a.title ELSE a.body END
    FROM mentions m JOIN articles a ON a.id = m.article_id
    WHERE m.entity_id = ?1
      AND (?3 IS NULL OR (a.published_at >= ?3
           AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
      AND (?4 IS NULL OR (substr(a.published_at, 1, length(?4)) <= ?4
           AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
    ORDER BY m.article_id, m.field DESC, m.start_byte LIMIT ?2";
const SQL_MARKS: &str = "SELECT m.field, m.start_byte, m.end_byte, e.kind, m.entity_id
    FROM mentions m JOIN entities e ON e.id = m.entity_id
    WHERE m.article_id = ?1 ORDER BY m.start_byte, m.end_byte DESC";

/// The last `n` characters of `s`.
fn tail(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &s[i..],
        _ if n == 0 => "",
        _ => s,
    }
}

/// The first `n` characters of `s`.
fn head(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The text just before a keyword in at most `n` characters: whole words next to
/// the keyword, the far end cut at a word boundary and marked `… `. A single word
/// longer than the room is cut inside it.
fn left_context(before: &str, n: usize) -> String {
    if before.chars().count() <= n {
        return before.to_string();
    }
    let Some(room) = n.checked_sub(2).filter(|r| *r > 0) else {
        return tail(before, n).to_string();
    };
    let kept = tail(before, room);
    let cut_in_word = !kept.starts_with(char::is_whitespace)
        && !before[..before.len() - kept.len()].ends_with(char::is_whitespace);
    let words = if cut_in_word {
        match kept.find(char::is_whitespace) {
            Some(i) if !kept[i..].trim().is_empty() => &kept[i..],
            _ => kept,
        }
    } else {
        kept
    };
    format!("… {}", words.trim_start())
}

/// The text just after a keyword in at most `n` characters: whole words next to the
/// keyword, the far end cut at a word boundary and marked ` …`.
fn right_context(after: &str, n: usize) -> String {
    if after.chars().count() <= n {
        return after.to_string();
    }
    let Some(room) = n.checked_sub(2).filter(|r| *r > 0) else {
        return head(after, n).to_string();
    };
    let kept = head(after, room);
    let cut_in_word = !kept.ends_with(char::is_whitespace)
        && !after[kept.len()..].starts_with(char::is_whitespace);
    let words = if cut_in_word {
        match kept.rfind(char::is_whitespace) {
            Some(i) if !kept[..i].trim().is_empty() => &kept[..i],
            _ => kept,
        }
    } else {
        kept
    };
    format!("{} …", words.trim_end())
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Up to `limit` mentions of `entity` (by article, title first, in text order), each
/// with at most `chars` characters of context on either side: the words nearest the
/// mention, cut at word boundaries at the far end (see [`KwicRow`]).
pub fn mentions_in_context(
    conn: &Connection,
    entity: EntityId,
    chars: usize,
    limit: u32,
) -> Result<Vec<KwicRow>> {
    mentions_in_context_during(conn, entity, chars, limit, None)
}

/// [`mentions_in_context`] in articles published in `period` only (when given; an
/// article without a readable date is in no period).
pub fn mentions_in_context_during(
    conn: &Connection,
    entity: EntityId,
    chars: usize,
    limit: u32,
    period: Option<&super::Period>,
) -> Result<Vec<KwicRow>> {
    let (from, to) = period.map_or((None, None), |p| (p.from.as_deref(), p.to.as_deref()));
    let mut stmt = conn.prepare_cached(SQL_KWIC)?;
    let mut rows = stmt.query(rusqlite::params![entity, limit, from, to])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let start: usize = r.get::<_, i64>(3)?.try_into().unwrap_or(0);
        let end: usize = r.get::<_, i64>(4)?.try_into().unwrap_or(0);
        let surface: String = r.get(5)?;
        let text: String = r.get(6)?;
        let text = text.as_str();
        // The store checked the span on insert; fall back to no context rather than
        // panic if the row was edited by hand since.
        let (left, right) = match (text.get(..start), text.get(end..)) {
            (Some(l), Some(rt)) => (
                left_context(&one_line(l), chars),
                right_context(&one_line(rt), chars),
            ),
            _ => (String::new(), String::new()),
        };
        out.push(KwicRow {
            article_id: r.get(0)?,
            external_id: r.get(1)?,
            field: r.get(2)?,
            left,
            surface,
            right,
        });
    }
    Ok(out)
}

/// A piece of an article's title or body: plain text, or a mention with the kind of
/// its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Text outside any mention.
    Text(&'a str),
    /// A mention's exact text and its entity's kind.
    Mention {
        /// The mention's text.
        surface: &'a str,
        /// Its entity's kind.
        kind: EntityKind,
        /// Its entity.
        entity: EntityId,
    },
}

/// The title or body `text` of `article` cut into plain text and mentions, in order
/// (joined, the surfaces and texts give `text` back). Nested or overlapping mentions
/// after the first are left out.
pub fn marked_segments<'a>(
    conn: &Connection,
    article: ArticleId,
    field: Field,
    text: &'a str,
) -> Result<Vec<Segment<'a>>> {
    let mut stmt = conn.prepare_cached(SQL_MARKS)?;
    let mut rows = stmt.query([article])?;
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(r) = rows.next()? {
        let f: Field = r.get(0)?;
        let start: usize = r.get::<_, i64>(1)?.try_into().unwrap_or(usize::MAX);
        let end: usize = r.get::<_, i64>(2)?.try_into().unwrap_or(usize::MAX);
        let kind: EntityKind = r.get(3)?;
        let entity: EntityId = r.get(4)?;
        if f != field || start < at {
            continue;
        }
        let (Some(before), Some(surface)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        if !before.is_empty() {
            out.push(Segment::Text(before));
        }
        out.push(Segment::Mention {
            surface,
            kind,
            entity,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Segment::Text(&text[at..]));
    }
    Ok(out)
}

/// A body's segments split into paragraphs at its newlines (a mention never spans
/// one): paragraph `i` of the result is paragraph `i` of the body (`paragraphs.idx`).
pub fn split_paragraphs<'a>(segments: &[Segment<'a>]) -> Vec<Vec<Segment<'a>>> {
    let mut out = vec![Vec::new()];
    for segment in segments {
        match *segment {
            Segment::Text(t) => {
                for (i, part) in t.split('\n').enumerate() {
                    if i > 0 {
                        out.push(Vec::new());
                    }
                    if !part.is_empty() {
                        out.last_mut()
                            .expect("starts with one paragraph")
                            .push(Segment::Text(part));
                    }
                }
            }
            mention => out
                .last_mut()
                .expect("starts with one paragraph")
                .push(mention),
        }
    }
    out
}

const SQL_BOILERPLATE: &str =
    "SELECT idx FROM paragraphs WHERE article_id = ?1 AND boilerplate = 1 ORDER BY idx";

/// The indexes of the body paragraphs of `article` found to be boilerplate (another
/// language, or text repeated across the articles of its source), in order.
pub fn boilerplate_paragraphs(conn: &Connection, article: ArticleId) -> Result<Vec<usize>> {
    let rows = conn
        .prepare_cached(SQL_BOILERPLATE)?
        .query_map([article], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|i| usize::try_from(i).ok())
        .collect())
}

/// The characters that open and close a mention in [`marked_text`]'s plain form.
pub const MARK_OPEN: char = '⟦';
/// See [`MARK_OPEN`].
pub const MARK_CLOSE: char = '⟧';

/// `text` with the characters that mean something in the plain markup (`⟦`, `⟧` and
/// `\`) preceded by a backslash.
pub fn escape_marked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, MARK_OPEN | MARK_CLOSE | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The plain-text form of one mention: `⟦surface|kind⟧`, the surface escaped as by
/// [`escape_marked`].
pub fn mark(surface: &str, kind: EntityKind) -> String {
    format!("{MARK_OPEN}{}|{kind}{MARK_CLOSE}", escape_marked(surface))
}

/// The title or body of `article` with every mention in `text` written as
/// `⟦surface|kind⟧` (white square brackets, U+27E6 and U+27E7), and every `⟦`, `⟧` or
/// `\` of the text itself preceded by a backslash: the markup can never be confused
/// with the text, square brackets included ("[en anglais]" stays as it is). Nested
/// or overlapping mentions after the first are left unmarked.
pub fn marked_text(
    conn: &Connection,
    article: ArticleId,
    field: Field,
    text: &str,
) -> Result<String> {
    let mut out = String::with_capacity(text.len() + 64);
    for segment in marked_segments(conn, article, field, text)? {
        match segment {
            Segment::Text(t) => out.push_str(&escape_marked(t)),
            Segment::Mention { surface, kind, .. } => out.push_str(&mark(surface, kind)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn kwic_rows_cut_context_on_character_boundaries() {
        let f = fixture::build();
        let zurich = f.entity("Zürich");
        let rows = mentions_in_context(f.store.conn(), zurich, 10, 10).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].external_id, "a3");
        // "Zoë visited " is 12 characters: the far word goes, "visited " stays.
        assert_eq!(rows[0].left, "… visited ");
        assert_eq!(rows[0].surface, "Zürich");
        assert_eq!(rows[0].right, " with …");
        let zoe = f.entity("Zoë");
        let rows = mentions_in_context(f.store.conn(), zoe, 100, 10).unwrap();
        assert_eq!(rows[0].left, "");
        assert!(rows[0].right.ends_with("Zoë liked Zürich."));
    }

    #[test]
    fn kwic_respects_the_limit_and_flattens_newlines() {
        let f = fixture::build();
        let khamenei = f.entity("Ali Khamenei");
        let rows = mentions_in_context(f.store.conn(), khamenei, 30, 2).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].field, Field::Title);
        let all = mentions_in_context(f.store.conn(), khamenei, 30, 10).unwrap();
        assert!(all
            .iter()
            .all(|r| !r.left.contains('\n') && !r.right.contains('\n')));
    }

    #[test]
    fn marked_text_brackets_each_mention() {
        let f = fixture::build();
        let (_, title, _, _) = fixture::ARTICLES[0];
        let marked = marked_text(f.store.conn(), f.articles[0], Field::Title, title).unwrap();
        assert_eq!(
            marked,
            "⟦Assad|person⟧ meets ⟦Khamenei|person⟧ in ⟦Tehran|location⟧"
        );
    }

    #[test]
    fn the_plain_markup_escapes_its_own_characters_in_the_text() {
        assert_eq!(escape_marked("a [b] ⟦c⟧ \\d"), "a [b] \\⟦c\\⟧ \\\\d");
        assert_eq!(mark("x⟧", EntityKind::Misc), "⟦x\\⟧|misc⟧");
    }

    #[test]
    fn contexts_keep_the_words_next_to_the_keyword_and_cut_the_far_end() {
        let before = "Some say that it now owns ";
        assert_eq!(left_context(before, 20), "… that it now owns ");
        assert_eq!(left_context(before, 100), before);
        let after = " shares, worth more than ever";
        assert_eq!(right_context(after, 20), " shares, worth …");
        assert_eq!(right_context(after, 100), after);
        // Characters, not bytes: no panic inside "ü" or "ë", and a cut between words.
        let accented = "Zoë et Zoë über Zürich ";
        for n in 0..30 {
            let l = left_context(accented, n);
            let r = right_context(accented, n);
            assert!(l.chars().count() <= n.max(1), "{n}: {l:?}");
            assert!(r.chars().count() <= n.max(1), "{n}: {r:?}");
        }
        assert_eq!(left_context(accented, 12), "… Zürich ");
        assert_eq!(right_context(accented, 12), "Zoë et Zoë …");
        // One word longer than the room is cut inside it.
        assert_eq!(left_context("Donaudampfschifffahrt ", 8), "… fahrt ");
    }

    #[test]
    fn head_and_tail_count_characters() {
        assert_eq!(tail("añb", 2), "ñb");
        assert_eq!(tail("ab", 5), "ab");
        assert_eq!(tail("ab", 0), "");
        assert_eq!(head("añb", 2), "añ");
        assert_eq!(head("ab", 5), "ab");
    }
}
