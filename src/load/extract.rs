//! The extract stage: tag the title and each non-boilerplate paragraph with the NER
//! model, add the mentions the tagger missed of entities it found elsewhere in the
//! article (surnames, defined acronyms), then resolve every span to a canonical
//! entity within the article.

use std::collections::HashSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::model::{EntityKind, Field};
use crate::ner::{split_sentences, tokenize, Model, Token};
use crate::paragraphs::Paragraph;
use crate::resolve::{Anchors, Found, PreparedArticle};

/// A mention found in an article, resolved to an entity name but not yet to a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Whether `kind` is the one an explicit cue of the article's text gave the span
    /// ([`crate::resolve::resolve_article_cued`]): such a mention votes for its
    /// entity's kind as [`crate::resolve::corpus::CUE_VOTES`] mentions would.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cued: bool,
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

/// Text tagged and resolved as one document at most. A longer article (a book, a
/// transcript, a whole feed pasted into one record) is tagged in parts of whole
/// paragraphs of about this size, one after the other: the tagger holds about a
/// hundred bytes per byte of its document, so a part bounds its memory whatever the
/// article's size. Names are then linked within each part only.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Tags `title` and the paragraphs of `body` that are not boilerplate as one document
/// (so the tagger's document-level features see every occurrence of a name), and
/// resolves the spans (in-document coreference, acronyms, aliases). An article longer
/// than [`MAX_DOCUMENT_BYTES`] is done in parts of that size.
pub fn extract(model: &Model, title: &str, body: &str, paragraphs: &[Paragraph]) -> Vec<Extracted> {
    tag_keeping(model, title, body, paragraphs, true).resolve(model, title, body, paragraphs)
}

/// An article [`tag`]ged: what [`extract`] gives once [`Tagged::resolve`]d.
pub(crate) struct Tagged(TaggedState);

impl std::fmt::Debug for Tagged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            TaggedState::Document(d) => write!(f, "Tagged({} spans to resolve)", d.spans.len()),
            TaggedState::Resolved(out) => write!(f, "Tagged({} spans resolved)", out.len()),
        }
    }
}

enum TaggedState {
    /// An article of one document, tagged only.
    Document(TaggedDocument),
    /// An article done in parts, each resolved as soon as tagged, since the parts
    /// together would hold several times the article's size.
    Resolved(Vec<Extracted>),
}

impl Tagged {
    /// The article's mentions, resolved (`title`, `body` and `paragraphs` are those it
    /// was tagged from). For an import, resolution is a stage of its own, on a thread
    /// beside the tagging ones.
    pub(crate) fn resolve(
        self,
        model: &Model,
        title: &str,
        body: &str,
        paragraphs: &[Paragraph],
    ) -> Vec<Extracted> {
        match self.0 {
            TaggedState::Document(doc) => doc.resolve(model, title, body, paragraphs),
            TaggedState::Resolved(out) => out,
        }
    }
}

/// The first half of [`extract`]: tags the article (of one document) but leaves the
/// resolution of the spans to [`Tagged::resolve`], with the same `title`, `body` and
/// `paragraphs`.
pub(crate) fn tag(model: &Model, title: &str, body: &str, paragraphs: &[Paragraph]) -> Tagged {
    tag_keeping(model, title, body, paragraphs, false)
}

/// [`tag`], keeping what the resolution reads again when `keep`.
fn tag_keeping(
    model: &Model,
    title: &str,
    body: &str,
    paragraphs: &[Paragraph],
    keep: bool,
) -> Tagged {
    let size = |p: &Paragraph| {
        if p.boilerplate {
            0
        } else {
            p.end_byte - p.start_byte
        }
    };
    let tagged: usize = title.len() + paragraphs.iter().map(size).sum::<usize>();
    if tagged <= MAX_DOCUMENT_BYTES {
        return Tagged(TaggedState::Document(TaggedDocument::new(
            model, title, body, paragraphs, keep,
        )));
    }
    let mut out = Vec::new();
    let mut start = 0;
    // Body sentences before the part: numbering runs through the whole body.
    let mut sentences_before = 0;
    while start < paragraphs.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < paragraphs.len()
            && (end == start || bytes + size(&paragraphs[end]) <= MAX_DOCUMENT_BYTES)
        {
            bytes += size(&paragraphs[end]);
            end += 1;
        }
        // The part as a body of its own: its paragraphs, their offsets moved.
        let (first, last) = (&paragraphs[start], &paragraphs[end - 1]);
        let (byte0, char0) = (first.start_byte, first.start_char);
        let part_body = &body[byte0..last.end_byte];
        let part: Vec<Paragraph> = paragraphs[start..end]
            .iter()
            .map(|p| Paragraph {
                start_byte: p.start_byte - byte0,
                end_byte: p.end_byte - byte0,
                start_char: p.start_char - char0,
                end_char: p.end_char - char0,
                ..p.clone()
            })
            .collect();
        let part_title = if start == 0 { title } else { "" };
        let part_doc = TaggedDocument::new(model, part_title, part_body, &part, true);
        for mut e in part_doc.resolve(model, part_title, part_body, &part) {
            if e.field == Field::Body {
                e.start_byte += byte0;
                e.end_byte += byte0;
                e.start_char += char0;
                e.end_char += char0;
                e.sentence += sentences_before;
            }
            out.push(e);
        }
        for p in &paragraphs[start..end] {
            let text = &body[p.start_byte..p.end_byte];
            sentences_before += split_sentences(text, &tokenize(text)).len();
        }
        start = end;
    }
    Tagged(TaggedState::Resolved(out))
}

/// A document tagged: the tagger's spans, mapped to their fields, and the
/// [`Document`] they were found in when it is kept.
struct TaggedDocument {
    /// The document the spans were tagged in, kept when they are resolved at once; an
    /// import's resolution stage builds it again ([`Document::new`]), which costs
    /// less than the memory of the articles waiting there.
    document: Option<Document>,
    spans: Vec<Extracted>,
}

/// The text the tagger reads for an article: its title and each tagged paragraph on a
/// line of its own, tokenized and split into sentences per segment (so none crosses
/// from one to the next).
struct Document {
    doc: String,
    tokens: Vec<Token>,
    sentences: Vec<Range<usize>>,
    segments: Vec<Segment>,
}

impl Document {
    /// The document of `title` and the paragraphs of `body` that are not boilerplate.
    fn new(title: &str, body: &str, paragraphs: &[Paragraph]) -> Document {
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
            // Sentences of boilerplate paragraphs before this one still count, so
            // sentence numbers do not depend on boilerplate flags.
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
        Document {
            doc,
            tokens,
            sentences,
            segments,
        }
    }
}

impl TaggedDocument {
    /// Tags `title` and the paragraphs of `body` that are not boilerplate as one
    /// document, keeping the document when `keep`.
    fn new(
        model: &Model,
        title: &str,
        body: &str,
        paragraphs: &[Paragraph],
        keep: bool,
    ) -> TaggedDocument {
        let d = Document::new(title, body, paragraphs);
        // Which segment each document sentence is in.
        let segment_of: Vec<usize> = d
            .segments
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.sentences.clone().map(move |_| i))
            .collect();
        let mut spans = Vec::new();
        for s in model.extract_tokens(&d.doc, &d.tokens, &d.sentences) {
            let seg = &d.segments[segment_of[s.sentence]];
            spans.push(Extracted {
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
                cued: false,
            });
        }
        TaggedDocument {
            document: keep.then_some(d),
            spans,
        }
    }

    /// Resolves the spans (in-document coreference, acronyms, aliases) of a document
    /// tagged from `title` and `paragraphs` of `body`.
    fn resolve(
        self,
        model: &Model,
        title: &str,
        body: &str,
        paragraphs: &[Paragraph],
    ) -> Vec<Extracted> {
        let mut out = self.spans;
        complete_long_forms(title, body, &mut out);
        trim_headline_epithets(&|w| model.capitalisation(w), title, body, &mut out);
        let found = as_found(&out);
        let mut prepared = PreparedArticle::new(title, body, &found);
        let anchors = prepared.anchors();
        if !anchors.is_empty() {
            let d = self
                .document
                .unwrap_or_else(|| Document::new(title, body, paragraphs));
            if add_anchor_mentions(&anchors, &d, &mut out) {
                prepared = PreparedArticle::new(title, body, &as_found(&out));
            }
        }
        let resolved = prepared.resolve_cued();
        for (e, (r, cued)) in out.iter_mut().zip(resolved) {
            e.kind = r.kind;
            e.name = r.name;
            e.cued = cued;
        }
        out.retain(|e| !e.name.is_empty());
        out
    }
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
                cued: false,
            };
            out.retain(|x| !(x.field == field && s <= x.start_byte && x.end_byte <= e));
            out.push(long);
        }
    }
    out.sort_by_key(|e| (e.field == Field::Body, e.start_byte));
}

/// Cuts a headline's person span down to the surname of a person the body names in
/// full when its other words are an epithet, not a name: "Classy Henman makes winning
/// start" beside "Tim Henman" in the body gives "Henman" (headlines put an adjective
/// before a name, and the tagger takes it in). The surname must start or end the span,
/// and each other word be one the model's case lexicon (`capitalisation`, see
/// [`Model::capitalisation`]) knows as mostly lower case (capitalised
/// [`MAX_EPITHET_CAPITALISATION`] or less) or not know at all, and not be part of a
/// person's name in the body ("Courtney Love", "Blair Labour" and "van Persie" stay
/// whole).
fn trim_headline_epithets(
    capitalisation: &dyn Fn(&str) -> Option<u8>,
    title: &str,
    body: &str,
    out: &mut [Extracted],
) {
    let body_persons: Vec<&str> = out
        .iter()
        .filter(|e| e.field == Field::Body && e.kind == EntityKind::Person)
        .filter_map(|e| body.get(e.start_byte..e.end_byte))
        .collect();
    let surnames: HashSet<&str> = body_persons
        .iter()
        .filter_map(|name| name.rsplit_once(' ').map(|(_, last)| last))
        .collect();
    let name_words: HashSet<&str> = body_persons
        .iter()
        .flat_map(|name| name.split(' '))
        .collect();
    for e in out
        .iter_mut()
        .filter(|e| e.field == Field::Title && e.kind == EntityKind::Person)
    {
        let Some(span) = title.get(e.start_byte..e.end_byte) else {
            continue;
        };
        if body_persons.contains(&span) {
            continue;
        }
        let words: Vec<&str> = span.split(' ').collect();
        let named: Vec<usize> = (0..words.len())
            .filter(|&i| surnames.contains(words[i]))
            .collect();
        let [i] = named[..] else { continue };
        let epithet = |w: &&str| {
            !name_words.contains(w)
                && capitalisation(w).is_none_or(|c| c <= MAX_EPITHET_CAPITALISATION)
        };
        let others = words.iter().enumerate().filter(|&(k, _)| k != i);
        if words.len() < 2
            || (i != 0 && i + 1 != words.len())
            || !others.map(|(_, w)| w).all(epithet)
        {
            continue;
        }
        // The byte where the surname starts: the words before it, a space after each.
        let offset: usize = words[..i].iter().map(|w| w.len() + 1).sum();
        let start_byte = e.start_byte + offset;
        e.start_char += title[e.start_byte..start_byte].chars().count();
        e.end_char = e.start_char + words[i].chars().count();
        e.start_byte = start_byte;
        e.end_byte = start_byte + words[i].len();
    }
}

/// The most a word may be capitalised in the case lexicon (1 to 5) and still be taken
/// for an epithet before a name in a headline ([`trim_headline_epithets`]): "battling"
/// and "injured" are 1, "brave" 2; "U-turn" 3 and "Labour" 4 are not.
const MAX_EPITHET_CAPITALISATION: u8 = 2;

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
/// the tagger found elsewhere in it (`anchors`, of the spans `out` holds), unless a
/// tagged span already covers the word. Returns whether it added any. The caller
/// builds `d` only for an article with anchors.
fn add_anchor_mentions(anchors: &Anchors, d: &Document, out: &mut Vec<Extracted>) -> bool {
    let Document {
        doc,
        tokens,
        sentences,
        segments,
    } = d;
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
                    cued: false,
                });
            }
        }
    }
    if added.is_empty() {
        return false;
    }
    out.extend(added);
    out.sort_by_key(|e| (e.field == Field::Body, e.start_byte));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_headline_epithet_before_a_surname_of_the_body_is_cut_off() {
        let span = |field, text: &str, word: &str, kind| {
            let start_byte = text.find(word).unwrap();
            let start_char = text[..start_byte].chars().count();
            Extracted {
                field,
                start_byte,
                end_byte: start_byte + word.len(),
                start_char,
                end_char: start_char + word.chars().count(),
                sentence: 0,
                paragraph: (field == Field::Body).then_some(0),
                confidence: 0.9,
                kind,
                name: String::new(),
                cued: false,
            }
        };
        // "classy" unknown, "moody" mostly lower case, "Labour" mostly capitalised.
        let lexicon = |w: &str| match w.to_lowercase().as_str() {
            "moody" => Some(1),
            "labour" => Some(4),
            _ => None,
        };
        let surfaces = |title: &str, body: &str, heads: &[&str]| {
            let mut out = vec![
                span(Field::Body, body, "Tim Henman", EntityKind::Person),
                span(Field::Body, body, "Courtney Love", EntityKind::Person),
            ];
            for head in heads {
                out.push(span(Field::Title, title, head, EntityKind::Person));
            }
            trim_headline_epithets(&lexicon, title, body, &mut out);
            out[2..]
                .iter()
                .map(|e| {
                    assert_eq!(e.start_char, title[..e.start_byte].chars().count());
                    assert_eq!(e.end_char, title[..e.end_byte].chars().count());
                    title[e.start_byte..e.end_byte].to_string()
                })
                .collect::<Vec<_>>()
        };
        let body = "Tim Henman beat Courtney Love's cousin.";
        for (title, head, want) in [
            ("Classy Henman wins", "Classy Henman", "Henman"),
            ("Él Moody Henman", "Moody Henman", "Henman"),
            // A mostly capitalised word, a word of a body name, a full name of the
            // body, an inner surname, one word: whole.
            ("Henman Labour row", "Henman Labour", "Henman Labour"),
            ("Love Henman", "Love Henman", "Love Henman"),
            ("Tim Henman wins", "Tim Henman", "Tim Henman"),
            ("Big Henman Day", "Big Henman Day", "Big Henman Day"),
            ("Henman", "Henman", "Henman"),
        ] {
            assert_eq!(surfaces(title, body, &[head]), [want], "{title}");
        }
    }

    #[test]
    fn resolving_later_with_the_document_built_again_gives_what_extract_gives() {
        // An import tags on its workers and resolves on a stage of its own, which
        // builds the document again rather than keep it.
        let model = Model::embedded();
        let seed = include_str!("../../seeds/000_74746990a53cdcfb.txt");
        let (title, body) = seed.split_once('\n').unwrap();
        let more = format!(
            "{body}\nGordon Brown met Tony Blair. Brown said Blair was right, and the \
             Bank of England agreed.\nMr Brown left for Paris."
        );
        for body in [body, more.as_str()] {
            let (paragraphs, _) = crate::paragraphs::analyze(title, body, Some("eng"));
            let now = extract(model, title, body, &paragraphs);
            let later =
                tag(model, title, body, &paragraphs).resolve(model, title, body, &paragraphs);
            assert!(now.len() > 5, "{now:?}");
            assert_eq!(now, later);
        }
        // What waits for the resolution stage is the spans alone.
        let (paragraphs, _) = crate::paragraphs::analyze(title, &more, Some("eng"));
        let spans = tag(model, title, &more, &paragraphs);
        let TaggedState::Document(d) = &spans.0 else {
            panic!("one document");
        };
        assert!(d.document.is_none(), "the document is not kept");
    }

    #[test]
    fn a_long_article_is_tagged_in_parts_with_the_same_offsets_and_sentence_numbers() {
        let model = Model::embedded();
        let seed = include_str!("../../seeds/000_74746990a53cdcfb.txt");
        let (title, rest) = seed.split_once('\n').unwrap();
        // The seed's English paragraphs again and again: about 2.5 parts' worth.
        let english: Vec<&str> = rest
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(8)
            .collect();
        let mut body = String::new();
        while body.len() < 5 * MAX_DOCUMENT_BYTES / 2 {
            for (i, p) in english.iter().enumerate() {
                body.push_str(&format!("{p} ({i}/{})\n", body.len()));
            }
        }
        let (paragraphs, _) = crate::paragraphs::analyze(title, &body, Some("eng"));
        let parts = extract(model, title, &body, &paragraphs);
        let whole = TaggedDocument::new(model, title, &body, &paragraphs, true).resolve(
            model,
            title,
            &body,
            &paragraphs,
        );
        assert!(parts.iter().any(|e| e.start_byte > 2 * MAX_DOCUMENT_BYTES));
        let by_range: std::collections::HashMap<_, _> = whole
            .iter()
            .map(|e| ((e.field, e.start_byte, e.end_byte), e))
            .collect();
        let mut same = 0;
        for e in &parts {
            assert_eq!(
                &body[e.start_byte..e.end_byte].chars().count(),
                &(e.end_char - e.start_char)
            );
            if e.field == Field::Body {
                assert_eq!(body[..e.start_byte].chars().count(), e.start_char);
            }
            if let Some(w) = by_range.get(&(e.field, e.start_byte, e.end_byte)) {
                assert_eq!(
                    (w.sentence, w.paragraph, w.start_char, w.end_char),
                    (e.sentence, e.paragraph, e.start_char, e.end_char),
                    "{:?}",
                    e.name
                );
                same += 1;
            }
        }
        // The tagger sees the same paragraphs: almost every span is found both ways.
        assert!(
            same * 10 >= whole.len() * 9,
            "{same} of {} spans found in parts",
            whole.len()
        );
    }
}
