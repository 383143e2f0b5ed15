//! The extract stage: tag the title and each non-boilerplate paragraph with the NER
//! model, add the mentions the tagger missed of entities it found elsewhere in the
//! article (surnames, defined acronyms), then resolve every span to a canonical
//! entity within the article.

use std::ops::Range;

use serde::Serialize;

use crate::model::{EntityKind, Field};
use crate::ner::{split_sentences, tokenize, Model, Token};
use crate::paragraphs::Paragraph;
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

/// One tagged piece of the article: the title, or a paragraph of the body, placed in
/// the document text the tagger sees.
struct Segment {
    field: Field,
    paragraph: Option<usize>,
    /// Byte and char offsets of the segment in the document text.
    doc_byte: usize,
    doc_char: usize,
    /// Byte and char offsets of the segment in its field's text.
    field_byte: usize,
    field_char: usize,
    /// Field-level index of the segment's first sentence.
    sentence_base: usize,
    /// The document's sentences (token ranges) that belong to this segment.
    sentences: Range<usize>,
}

/// Tags `title` and the paragraphs of `body` that are not boilerplate as one document
/// (so the tagger's document-level features see every occurrence of a name), and
/// resolves the spans (in-document coreference, acronyms, aliases).
pub fn extract(model: &Model, title: &str, body: &str, paragraphs: &[Paragraph]) -> Vec<Extracted> {
    // The document: the title and each tagged paragraph on a line of its own.
    // Sentences are split per segment, so none crosses from one to the next.
    let mut doc = String::with_capacity(title.len() + body.len() + paragraphs.len() + 1);
    let mut doc_chars = 0usize;
    let mut pieces: Vec<(Field, Option<usize>, usize, usize, &str)> =
        vec![(Field::Title, None, 0, 0, title)];
    for p in paragraphs.iter().filter(|p| !p.boilerplate) {
        let text = &body[p.start_byte..p.end_byte];
        pieces.push((Field::Body, Some(p.idx), p.start_byte, p.start_char, text));
    }

    let mut segments = Vec::with_capacity(pieces.len());
    let mut tokens: Vec<Token> = Vec::new();
    let mut sentences: Vec<Range<usize>> = Vec::new();
    let mut field_sentence = [0usize; 2];
    let mut next_boilerplate = paragraphs.iter().filter(|p| p.boilerplate).peekable();
    for (field, paragraph, field_byte, field_char, text) in pieces {
        // Sentences of boilerplate paragraphs before this one still count, so sentence
        // numbers do not depend on boilerplate flags.
        if let Some(idx) = paragraph {
            while let Some(b) = next_boilerplate.next_if(|b| b.idx < idx) {
                let t = &body[b.start_byte..b.end_byte];
                field_sentence[1] += split_sentences(t, &tokenize(t)).len();
            }
        }
        if !doc.is_empty() {
            doc.push('\n');
            doc_chars += 1;
        }
        let (doc_byte, doc_char) = (doc.len(), doc_chars);
        doc.push_str(text);
        doc_chars += text.chars().count();
        let own = tokenize(text);
        let own_sentences = split_sentences(text, &own);
        let first_token = tokens.len();
        tokens.extend(own.iter().map(|t| Token {
            start_byte: t.start_byte + doc_byte,
            end_byte: t.end_byte + doc_byte,
            start_char: t.start_char + doc_char,
            end_char: t.end_char + doc_char,
        }));
        let first_sentence = sentences.len();
        sentences.extend(
            own_sentences
                .iter()
                .map(|r| r.start + first_token..r.end + first_token),
        );
        let f = usize::from(field == Field::Body);
        segments.push(Segment {
            field,
            paragraph,
            doc_byte,
            doc_char,
            field_byte,
            field_char,
            sentence_base: field_sentence[f],
            sentences: first_sentence..sentences.len(),
        });
        field_sentence[f] += own_sentences.len();
    }
    // Which segment each document sentence is in.
    let segment_of: Vec<usize> = segments
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.sentences.clone().map(move |_| i))
        .collect();

    let mut out = Vec::new();
    for s in model.extract_tokens(&doc, &tokens, &sentences) {
        let seg = &segments[segment_of[s.sentence]];
        out.push(Extracted {
            field: seg.field,
            start_byte: seg.field_byte + s.start_byte - seg.doc_byte,
            end_byte: seg.field_byte + s.end_byte - seg.doc_byte,
            start_char: seg.field_char + s.start_char - seg.doc_char,
            end_char: seg.field_char + s.end_char - seg.doc_char,
            sentence: seg.sentence_base + s.sentence - seg.sentences.start,
            paragraph: seg.paragraph,
            confidence: s.confidence,
            kind: s.kind,
            name: String::new(),
        });
    }
    complete_long_forms(title, body, &mut out);
    add_anchor_mentions(title, body, &doc, &tokens, &sentences, &segments, &mut out);

    let found = as_found(&out);
    let resolved = resolve_article(title, body, &found);
    for (e, r) in out.iter_mut().zip(resolved) {
        e.kind = r.kind;
        e.name = r.name;
    }
    out.retain(|e| !e.name.is_empty());
    out
}

/// Puts each acronym long form the tagger found only part of ("Islamic" in "the
/// Islamic State (IS)") in place of its parts, with the parts' best confidence.
fn complete_long_forms(title: &str, body: &str, out: &mut Vec<Extracted>) {
    for (field, text) in [(Field::Title, title), (Field::Body, body)] {
        let ranges: Vec<(usize, usize, EntityKind)> = out
            .iter()
            .filter(|e| e.field == field)
            .map(|e| (e.start_byte, e.end_byte, e.kind))
            .collect();
        for (s, e, kind) in crate::resolve::partial_long_forms(text, &ranges) {
            let parts: Vec<&Extracted> = out
                .iter()
                .filter(|x| x.field == field && s <= x.start_byte && x.end_byte <= e)
                .collect();
            let Some(first) = parts.first() else { continue };
            let start_char = first.start_char - text[s..first.start_byte].chars().count();
            let long = Extracted {
                field,
                start_byte: s,
                end_byte: e,
                start_char,
                end_char: start_char + text[s..e].chars().count(),
                sentence: first.sentence,
                paragraph: first.paragraph,
                confidence: parts.iter().map(|x| x.confidence).fold(0.0, f32::max),
                kind,
                name: String::new(),
            };
            out.retain(|x| !(x.field == field && s <= x.start_byte && x.end_byte <= e));
            out.push(long);
        }
    }
    out.sort_by_key(|e| (e.field == Field::Body, e.start_byte));
}

/// The spans as the resolver takes them.
fn as_found(spans: &[Extracted]) -> Vec<Found> {
    spans
        .iter()
        .map(|e| Found {
            field: e.field,
            start_byte: e.start_byte,
            end_byte: e.end_byte,
            kind: e.kind,
        })
        .collect()
}

/// Adds a mention for every single-token word that names, in this article, an entity
/// the tagger found elsewhere in it, unless a tagged span already covers the word.
fn add_anchor_mentions(
    title: &str,
    body: &str,
    doc: &str,
    tokens: &[Token],
    sentences: &[Range<usize>],
    segments: &[Segment],
    out: &mut Vec<Extracted>,
) {
    let found = as_found(out);
    let anchors = Anchors::new(title, body, &found);
    if anchors.is_empty() {
        return;
    }
    let mut added = Vec::new();
    for seg in segments {
        for (k, sentence) in sentences[seg.sentences.clone()].iter().enumerate() {
            for tok in &tokens[sentence.clone()] {
                let Some(entity) = anchors.lookup(tok.text(doc)) else {
                    continue;
                };
                let start = seg.field_byte + tok.start_byte - seg.doc_byte;
                let end = seg.field_byte + tok.end_byte - seg.doc_byte;
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
                    start_char: seg.field_char + tok.start_char - seg.doc_char,
                    end_char: seg.field_char + tok.end_char - seg.doc_char,
                    sentence: seg.sentence_base + k,
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
