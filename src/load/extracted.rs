//! The record `newsdb extract` writes for each article, and reads back with `import
//! --extracted`: the article, its paragraphs (language, boilerplate flag) and its
//! mentions (exact spans, the kind and canonical name the in-article rules gave them,
//! the tagger's confidence), everything the writer needs without tagging again.
//!
//! Extraction depends on the article alone (and the model), so a corpus can be
//! extracted anywhere, in any number of pieces (`xargs -P`, Spark's `pipe`, Hadoop
//! streaming), and imported later. What depends on the store is left to the import:
//! paragraphs that repeat across a source's articles become boilerplate there (their
//! mentions dropped), and names are resolved to entities across articles.

use serde::{Deserialize, Serialize};

use super::extract::Extracted;
use super::{Parsed, Ready};
use crate::model::{Field, NewArticle};
use crate::paragraphs::Paragraph;

/// One extracted article, one JSON Lines record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedArticle {
    /// The article's external id.
    pub external_id: String,
    /// The title.
    pub title: String,
    /// The body (paragraphs joined with `\n`).
    pub body: String,
    /// ISO 639-3 language of the article.
    pub language: Option<String>,
    /// Publisher or feed.
    pub source: Option<String>,
    /// Canonical URL.
    pub url: Option<String>,
    /// Publication time as given.
    pub published_at: Option<String>,
    /// The file (and record) it was read from.
    pub origin: Option<String>,
    /// The body's paragraphs with their language and boilerplate flag.
    pub paragraphs: Vec<Paragraph>,
    /// The model that extracted the mentions (`name@version`); `None` when the
    /// article was not extracted.
    pub extractor: Option<String>,
    /// The mentions, in text order, title first; `None` when the article is not in
    /// English and was not extracted.
    pub mentions: Option<Vec<ExtractedMention>>,
    /// Caveats found while reading the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A mention with its exact text, so a reader of the file needs no offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedMention {
    /// The text of the span in its field.
    pub surface: String,
    /// Where it is and what it names.
    #[serde(flatten)]
    pub mention: Extracted,
}

impl ExtractedArticle {
    /// The record of a prepared article (`extractor`: the model's name, when the
    /// article was extracted).
    pub(crate) fn of_ready(ready: &Ready, extractor: Option<&str>) -> ExtractedArticle {
        let a = &ready.parsed.article;
        let mentions = ready.extracted.as_ref().map(|found| {
            found
                .iter()
                .map(|m| ExtractedMention {
                    surface: field_text(a, m.field)[m.start_byte..m.end_byte].to_string(),
                    mention: m.clone(),
                })
                .collect()
        });
        ExtractedArticle {
            external_id: a.external_id.clone(),
            title: a.title.clone(),
            body: a.body.clone(),
            language: a.language.clone(),
            source: a.source.clone(),
            url: a.url.clone(),
            published_at: a.published_at.clone(),
            origin: a.origin.clone(),
            paragraphs: ready.paragraphs.clone(),
            extractor: mentions.as_ref().and(extractor.map(str::to_string)),
            mentions,
            warnings: ready.parsed.warnings.clone(),
        }
    }

    /// The prepared article this record describes, after checking that every
    /// paragraph and mention span lies on character boundaries of its text and that
    /// each mention's surface is the text it spans (an edited or truncated file is a
    /// bad record, not a wrong store).
    pub(crate) fn into_ready(self) -> Result<Ready, String> {
        let article = NewArticle {
            external_id: self.external_id,
            title: self.title,
            body: self.body,
            language: self.language,
            source: self.source,
            url: self.url,
            published_at: self.published_at,
            origin: self.origin,
        };
        for (next, p) in self.paragraphs.iter().enumerate() {
            let text = span(&article.body, p.start_byte, p.end_byte).ok_or_else(|| {
                format!(
                    "paragraph {} spans bytes {}..{}, which is not text of the body ({} bytes)",
                    p.idx,
                    p.start_byte,
                    p.end_byte,
                    article.body.len()
                )
            })?;
            let start_char = article.body[..p.start_byte].chars().count();
            if p.idx != next
                || p.start_char != start_char
                || p.end_char != start_char + text.chars().count()
            {
                return Err(format!(
                    "paragraph {} does not match the body (index or character offsets)",
                    p.idx
                ));
            }
        }
        let extracted = match self.mentions {
            None => None,
            Some(mentions) => Some(
                mentions
                    .into_iter()
                    .map(|m| check_mention(&article, m))
                    .collect::<Result<Vec<_>, String>>()?,
            ),
        };
        let not_english = article
            .language
            .as_deref()
            .is_some_and(|l| !crate::paragraphs::is_english(l));
        Ok(Ready {
            parsed: Parsed {
                article,
                warnings: self.warnings,
                numeric_id: false,
            },
            paragraphs: self.paragraphs,
            extracted,
            tagged: None,
            not_english,
            extractor: self.extractor,
        })
    }
}

/// The text of `field`.
fn field_text(a: &NewArticle, field: Field) -> &str {
    match field {
        Field::Title => &a.title,
        Field::Body => &a.body,
    }
}

/// `text[start..end]` when that is a span of whole characters.
fn span(text: &str, start: usize, end: usize) -> Option<&str> {
    (start <= end).then(|| text.get(start..end)).flatten()
}

fn check_mention(a: &NewArticle, m: ExtractedMention) -> Result<Extracted, String> {
    let e = m.mention;
    let text = field_text(a, e.field);
    let Some(found) = span(text, e.start_byte, e.end_byte) else {
        return Err(format!(
            "mention {:?} spans bytes {}..{}, which is not text of the {} ({} bytes)",
            m.surface,
            e.start_byte,
            e.end_byte,
            e.field.as_str(),
            text.len()
        ));
    };
    let start_char = text[..e.start_byte].chars().count();
    if found != m.surface
        || e.start_char != start_char
        || e.end_char != start_char + found.chars().count()
    {
        return Err(format!(
            "mention {:?} at bytes {}..{} of the {} does not match the text there ({found:?})",
            m.surface,
            e.start_byte,
            e.end_byte,
            e.field.as_str()
        ));
    }
    Ok(e)
}
