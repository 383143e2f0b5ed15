//! Row types and newtype IDs shared by the store, the loader and the query layer.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

use crate::error::Error;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Primary key of a row in `articles`.
    ArticleId
);
id_type!(
    /// Primary key of a row in `entities`.
    EntityId
);
id_type!(
    /// Primary key of a row in `mentions`.
    MentionId
);
id_type!(
    /// Primary key of a row in `imports` (one import run).
    ImportId
);

/// The four entity kinds of CoNLL-2003, as stored in `entities.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A person (CoNLL `PER`).
    Person,
    /// A company, agency, party, team... (CoNLL `ORG`).
    Organization,
    /// A country, city, region, river... (CoNLL `LOC`).
    Location,
    /// Anything else named: nationalities, events, products (CoNLL `MISC`).
    Misc,
}

impl EntityKind {
    /// All kinds, in a stable order.
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Location,
        EntityKind::Misc,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Location => "location",
            EntityKind::Misc => "misc",
        }
    }

    /// The CoNLL-2003 label (`PER`, `ORG`, `LOC`, `MISC`).
    pub fn conll_label(self) -> &'static str {
        match self {
            EntityKind::Person => "PER",
            EntityKind::Organization => "ORG",
            EntityKind::Location => "LOC",
            EntityKind::Misc => "MISC",
        }
    }

    /// Parses a CoNLL-2003 label (`PER`, `ORG`, `LOC`, `MISC`).
    pub fn from_conll_label(label: &str) -> Option<EntityKind> {
        match label {
            "PER" => Some(EntityKind::Person),
            "ORG" => Some(EntityKind::Organization),
            "LOC" => Some(EntityKind::Location),
            "MISC" => Some(EntityKind::Misc),
            _ => None,
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "person" | "per" => Ok(EntityKind::Person),
            "organization" | "organisation" | "org" => Ok(EntityKind::Organization),
            "location" | "loc" => Ok(EntityKind::Location),
            "misc" => Ok(EntityKind::Misc),
            _ => Err(Error::UnknownEntityKind(s.to_string())),
        }
    }
}

impl ToSql for EntityKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for EntityKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        s.parse()
            .map_err(|e: Error| FromSqlError::Other(Box::new(e)))
    }
}

/// Which text of an article a mention points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The article's title.
    Title,
    /// The article's body.
    Body,
}

impl Field {
    /// The name stored in `mentions.field`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for Field {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Field {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "title" => Ok(Field::Title),
            "body" => Ok(Field::Body),
            other => Err(FromSqlError::Other(
                format!("unknown mention field {other:?}").into(),
            )),
        }
    }
}

/// An article as stored in `articles`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// Row id.
    pub id: ArticleId,
    /// Stable id from the source (file stem, record id, or content hash).
    pub external_id: String,
    /// The title.
    pub title: String,
    /// The paragraphs, joined with `\n`.
    pub body: String,
    /// ISO 639-3 code of the majority language, when detected.
    pub language: Option<String>,
    /// Publisher or feed name.
    pub source: Option<String>,
    /// Canonical URL.
    pub url: Option<String>,
    /// Publication time, ISO-8601; `None` when the record gave none or one newsdb
    /// could not read.
    pub published_at: Option<String>,
    /// blake3 hash of title and body, hex.
    pub content_hash: String,
    /// Where the article was imported from (path and record).
    pub origin: Option<String>,
    /// When the row was written (UTC, ISO-8601).
    pub imported_at: String,
    /// The publication date exactly as the record gave it, when newsdb could not read
    /// it (`published_at` is then `None`).
    pub published_raw: Option<String>,
}

/// An article to insert or update: everything but the generated columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewArticle {
    /// Stable id from the source.
    pub external_id: String,
    /// The title.
    pub title: String,
    /// The paragraphs, joined with `\n`.
    pub body: String,
    /// ISO 639-3 language code.
    pub language: Option<String>,
    /// Publisher or feed name.
    pub source: Option<String>,
    /// Canonical URL.
    pub url: Option<String>,
    /// Publication time: ISO-8601 or any form `dates::normalize_date` reads
    /// (stored normalised); anything else is stored as given in `published_raw`,
    /// leaving the article undated.
    pub published_at: Option<String>,
    /// Where the article came from.
    pub origin: Option<String>,
}

impl NewArticle {
    /// The blake3 hash of title and body that identifies this content.
    pub fn content_hash(&self) -> String {
        content_hash(&self.title, &self.body)
    }
}

/// blake3 of the title and body, separated so that moving text between them changes it.
pub fn content_hash(title: &str, body: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&(title.len() as u64).to_le_bytes());
    h.update(title.as_bytes());
    h.update(body.as_bytes());
    h.finalize().to_hex().to_string()
}

/// An entity as stored in `entities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// Row id.
    pub id: EntityId,
    /// Person, organization, location or misc.
    pub kind: EntityKind,
    /// Canonical name.
    pub name: String,
}

/// A mention as stored in `mentions`: an exact span of an article's title or body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    /// Row id.
    pub id: MentionId,
    /// The article the span is in.
    pub article_id: ArticleId,
    /// The entity it names.
    pub entity_id: EntityId,
    /// Title or body.
    pub field: Field,
    /// Start, in Unicode scalar values (SQLite `substr` counts the same way).
    pub start_char: i64,
    /// End (exclusive), in Unicode scalar values.
    pub end_char: i64,
    /// Start byte in the UTF-8 text.
    pub start_byte: i64,
    /// End byte (exclusive) in the UTF-8 text.
    pub end_byte: i64,
    /// The exact text of the span.
    pub surface: String,
    /// 0-based sentence index within the field.
    pub sentence: Option<i64>,
    /// 0-based paragraph index within the body (0 for the title).
    pub paragraph: Option<i64>,
    /// Name and version of the extractor that found it.
    pub extractor: Option<String>,
    /// Extractor's confidence in `[0, 1]`.
    pub confidence: Option<f64>,
}

/// A mention to insert. Offsets are validated against the article's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMention {
    /// The entity it names.
    pub entity_id: EntityId,
    /// Title or body.
    pub field: Field,
    /// Start, in characters.
    pub start_char: i64,
    /// End (exclusive), in characters.
    pub end_char: i64,
    /// Start byte.
    pub start_byte: i64,
    /// End byte (exclusive).
    pub end_byte: i64,
    /// The exact text of the span.
    pub surface: String,
    /// Sentence index.
    pub sentence: Option<i64>,
    /// Paragraph index.
    pub paragraph: Option<i64>,
    /// Extractor name and version.
    pub extractor: Option<String>,
    /// Confidence in `[0, 1]`.
    pub confidence: Option<f64>,
    /// The kind the tagger and the in-article rules gave the span: its vote for the
    /// entity's kind (`None`: no vote).
    pub local_kind: Option<EntityKind>,
    /// The canonical name the in-article rules gave the span: its vote for the
    /// entity's displayed name (`None`: no vote).
    pub local_name: Option<String>,
    /// Whether an explicit cue of the article's text gave `local_kind` (a list, an
    /// apposition, a role noun): the vote then counts as
    /// [`crate::resolve::corpus::CUE_VOTES`] mentions.
    pub kind_cue: bool,
}

impl NewMention {
    /// A mention of `entity_id` for the byte range `start_byte..end_byte` of `text`,
    /// computing the character offsets and surface. Errors if the range is not on
    /// character boundaries or is empty.
    pub fn from_byte_range(
        entity_id: EntityId,
        field: Field,
        text: &str,
        start_byte: usize,
        end_byte: usize,
    ) -> crate::Result<NewMention> {
        Self::from_byte_range_in(
            entity_id,
            field,
            &CharOffsets::new(text),
            start_byte,
            end_byte,
        )
    }

    /// Like [`NewMention::from_byte_range`], with the text's [`CharOffsets`] built once
    /// for all its mentions.
    pub(crate) fn from_byte_range_in(
        entity_id: EntityId,
        field: Field,
        offsets: &CharOffsets<'_>,
        start_byte: usize,
        end_byte: usize,
    ) -> crate::Result<NewMention> {
        let text = offsets.text;
        let surface = text.get(start_byte..end_byte).filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "byte range {start_byte}..{end_byte} is empty or not on character boundaries of a {}-byte text",
                text.len()
            ))
        })?;
        let start_char = offsets.at(start_byte);
        let end_char = offsets.at(end_byte);
        Ok(NewMention {
            entity_id,
            field,
            start_char: start_char as i64,
            end_char: end_char as i64,
            start_byte: start_byte as i64,
            end_byte: end_byte as i64,
            surface: surface.to_string(),
            sentence: None,
            paragraph: None,
            extractor: None,
            confidence: None,
            local_kind: None,
            local_name: None,
            kind_cue: false,
        })
    }
}

/// The character offsets of byte offsets in one text, in constant time plus a scan of
/// at most one block: an article of millions of characters with a hundred thousand
/// mentions costs one pass over it, not one per mention.
pub(crate) struct CharOffsets<'t> {
    text: &'t str,
    /// Characters before each block of [`CharOffsets::BLOCK`] bytes, then the total
    /// (empty for ASCII, where a byte offset is the character offset).
    blocks: Vec<usize>,
}

impl<'t> CharOffsets<'t> {
    const BLOCK: usize = 4096;

    /// One pass over `text`.
    pub(crate) fn new(text: &'t str) -> CharOffsets<'t> {
        let mut blocks = Vec::new();
        if !text.is_ascii() {
            blocks.reserve(text.len() / Self::BLOCK + 1);
            let mut chars = 0;
            for block in text.as_bytes().chunks(Self::BLOCK) {
                blocks.push(chars);
                chars += starts_of_chars(block);
            }
            blocks.push(chars);
        }
        CharOffsets { text, blocks }
    }

    /// The text.
    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// The character offset of `byte`, a character boundary of the text (or its end).
    pub(crate) fn at(&self, byte: usize) -> usize {
        if self.blocks.is_empty() {
            return byte;
        }
        let block = byte / Self::BLOCK;
        self.blocks[block] + starts_of_chars(&self.text.as_bytes()[block * Self::BLOCK..byte])
    }
}

/// How many characters start in `bytes` (the bytes that are not UTF-8 continuation
/// bytes): the number of characters of a slice cut on character boundaries.
fn starts_of_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

#[cfg(test)]
mod char_offsets_tests {
    use super::CharOffsets;

    #[test]
    fn char_offsets_equal_counting_the_characters_before() {
        let mixed = "Zoë met Åsa in Zürich. ".repeat(700);
        // A text of exactly two blocks: its end is the start of a block that is not.
        let exact = format!("é{}", "a".repeat(2 * 4096 - 2));
        for text in ["", "ascii only", "Zoë", mixed.as_str(), exact.as_str()] {
            let offsets = CharOffsets::new(text);
            for (b, _) in text.char_indices().chain([(text.len(), ' ')]) {
                assert_eq!(offsets.at(b), text[..b].chars().count(), "byte {b}");
            }
        }
    }
}
