//! The extract stage: tag the title and each non-boilerplate paragraph with the NER
//! model, add the mentions the tagger missed of entities it found elsewhere in the
//! article (surnames, defined acronyms), then resolve every span to a canonical
//! entity within the article.

use std::ops::Range;

use serde::Serialize;

use super::paragraphs::Paragraph;
use crate::model::{EntityKind, Field};
use crate::ner::{split_sentences, tokenize, Model, Token};
use crate::resolve::{resolve_article, Anchors, Found};

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
    /// The tagger's confidence ([`ANCHOR_CONFIDENCE`] for anchor mentions).
    pub confidence: f32,
    /// Resolved kind.
    pub kind: EntityKind,
    /// Resolved canonical name.
    pub name: String,
}

/// Confidence recorded for a mention added because its word names an entity found
/// elsewhere in the article, rather than by the tagger.
pub const ANCHOR_CONFIDENCE: f32 = 0.5;

/// The `extractor` value stored with each mention: model name and version.
pub fn extractor_name(model: &Model) -> String {
    format!("{}@{}", model.name(), model.version())
}

/// One tagged piece of text: the title, or a paragraph of the body.
struct Segment<'a> {
    field: Field,
    paragraph: Option<usize>,
    text: &'a str,
    byte_base: usize,
    char_base: usize,
    sentence_base: usize,
    tokens: Vec<Token>,
    sentences: Vec<Range<usize>>,
}

/// Tags `title` and the paragraphs of `body` that are not boilerplate, and resolves
/// the spans (in-document coreference, acronyms, aliases).
pub fn extract(model: &Model, title: &str, body: &str, paragraphs: &[Paragraph]) -> Vec<Extracted> {
    let mut segments = Vec::with_capacity(paragraphs.len() + 1);
    let title_tokens = tokenize(title);
    segments.push(Segment {
        field: Field::Title,
        paragraph: None,
        text: title,
        byte_base: 0,
        char_base: 0,
        sentence_base: 0,
        sentences: split_sentences(title, &title_tokens),
        tokens: title_tokens,
    });
    let mut sentence_base = 0;
    for p in paragraphs {
        let text = &body[p.start_byte..p.end_byte];
        let tokens = tokenize(text);
        let sentences = split_sentences(text, &tokens);
        let n = sentences.len();
        if !p.boilerplate {
            segments.push(Segment {
                field: Field::Body,
                paragraph: Some(p.idx),
                text,
                byte_base: p.start_byte,
                char_base: p.start_char,
                sentence_base,
                tokens,
                sentences,
            });
        }
        sentence_base += n;
    }

    let mut out = Vec::new();
    for seg in &segments {
        for s in model.extract(seg.text) {
            out.push(Extracted {
                field: seg.field,
                start_byte: seg.byte_base + s.start_byte,
                end_byte: seg.byte_base + s.end_byte,
                start_char: seg.char_base + s.start_char,
                end_char: seg.char_base + s.end_char,
                sentence: seg.sentence_base + s.sentence,
                paragraph: seg.paragraph,
                confidence: s.confidence,
                kind: s.kind,
                name: String::new(),
            });
        }
    }
    add_anchor_mentions(title, body, &segments, &mut out);

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

/// Adds a mention for every single-token word that names, in this article, an entity
/// the tagger found elsewhere in it, unless a tagged span already covers the word.
fn add_anchor_mentions(title: &str, body: &str, segments: &[Segment<'_>], out: &mut Vec<Extracted>) {
    let found: Vec<Found> = out
        .iter()
        .map(|e| Found {
            field: e.field,
            start_byte: e.start_byte,
            end_byte: e.end_byte,
            kind: e.kind,
        })
        .collect();
    let anchors = Anchors::new(title, body, &found);
    if anchors.is_empty() {
        return;
    }
    let mut added = Vec::new();
    for seg in segments {
        for (sentence, range) in seg.sentences.iter().enumerate() {
            for tok in &seg.tokens[range.clone()] {
                let word = &seg.text[tok.start_byte..tok.end_byte];
                let Some(entity) = anchors.lookup(word) else { continue };
                let (start, end) = (seg.byte_base + tok.start_byte, seg.byte_base + tok.end_byte);
                let covered = out
                    .iter()
                    .any(|e| e.field == seg.field && e.start_byte < end && start < e.end_byte);
                if covered {
                    continue;
                }
                added.push(Extracted {
                    field: seg.field,
                    start_byte: start,
                    end_byte: end,
                    start_char: seg.char_base + tok.start_char,
                    end_char: seg.char_base + tok.end_char,
                    sentence: seg.sentence_base + sentence,
                    paragraph: seg.paragraph,
                    confidence: ANCHOR_CONFIDENCE,
                    kind: entity.kind,
                    name: String::new(),
                });
            }
        }
    }
    out.extend(added);
    out.sort_by_key(|e| (e.field == Field::Body, e.start_byte));
}
