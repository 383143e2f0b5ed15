//! The extract stage: tag the title and each non-boilerplate paragraph with the NER
//! model, then resolve every span to a canonical entity within the article.

use serde::Serialize;

use super::paragraphs::Paragraph;
use crate::model::{EntityKind, Field};
use crate::ner::{split_sentences, tokenize, Model};
use crate::resolve::{resolve_article, Found};

/// A mention found in an article, resolved to an entity name but not yet to a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extracted {
    /// Title or body.
    pub field: Field,
    /// Start byte in the field's text.
    pub start_byte: usize,
    /// End byte (exclusive).
    pub end_byte: usize,
    /// Start character.
    pub start_char: usize,
    /// End character (exclusive).
    pub end_char: usize,
    /// Sentence index within the field.
    pub sentence: usize,
    /// Paragraph index in the body; `None` in the title.
    pub paragraph: Option<usize>,
    /// The tagger's confidence.
    pub confidence: f32,
    /// Resolved kind.
    pub kind: EntityKind,
    /// Resolved canonical name.
    pub name: String,
}

/// The `extractor` value stored with each mention: model name and version.
pub fn extractor_name(model: &Model) -> String {
    format!("{}@{}", model.name(), model.version())
}

/// Tags `title` and the paragraphs of `body` that are not boilerplate, and resolves
/// the spans (in-document coreference, acronyms, aliases).
pub fn extract(model: &Model, title: &str, body: &str, paragraphs: &[Paragraph]) -> Vec<Extracted> {
    let mut out = Vec::new();
    for s in model.extract(title) {
        out.push(Extracted {
            field: Field::Title,
            start_byte: s.start_byte,
            end_byte: s.end_byte,
            start_char: s.start_char,
            end_char: s.end_char,
            sentence: s.sentence,
            paragraph: None,
            confidence: s.confidence,
            kind: s.kind,
            name: String::new(),
        });
    }
    let mut sentence_base = 0;
    for p in paragraphs {
        let text = &body[p.start_byte..p.end_byte];
        let sentences = split_sentences(text, &tokenize(text)).len();
        if !p.boilerplate {
            for s in model.extract(text) {
                out.push(Extracted {
                    field: Field::Body,
                    start_byte: p.start_byte + s.start_byte,
                    end_byte: p.start_byte + s.end_byte,
                    start_char: p.start_char + s.start_char,
                    end_char: p.start_char + s.end_char,
                    sentence: sentence_base + s.sentence,
                    paragraph: Some(p.idx),
                    confidence: s.confidence,
                    kind: s.kind,
                    name: String::new(),
                });
            }
        }
        sentence_base += sentences;
    }
    let found: Vec<Found> = out
        .iter()
        .map(|e| Found {
            field: e.field,
            start_byte: e.start_byte,
            end_byte: e.end_byte,
            kind: e.kind,
        })
        .collect();
    let resolved = resolve_article(title, body, &found);
    for (e, r) in out.iter_mut().zip(resolved) {
        e.kind = r.kind;
        e.name = r.name;
    }
    out.retain(|e| !e.name.is_empty());
    out
}
