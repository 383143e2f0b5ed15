//! CoNLL-2003 files: reading (documents, sentences, IOB1 tags), conlleval-style scoring
//! and writing predictions as an extra column.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ner::model::{bio_label, Model, Pos, TYPES};

/// One sentence of a CoNLL file.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConllSentence {
    /// The token column.
    pub(crate) words: Vec<String>,
    /// The last column as (BIO/IOB1) type index and whether it is a `B-` tag, or `None`
    /// for `O`; absent when the line has only a token.
    pub(crate) gold: Vec<Option<GoldTag>>,
    /// The raw lines (without line terminator), to echo them in `tag_conll`.
    pub(crate) lines: Vec<String>,
}

/// A gold tag: `O` or a chunk tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GoldTag {
    /// Outside any entity.
    O,
    /// `B-X` (`begin == true`) or `I-X` of type index `ty`.
    Chunk {
        /// Type index into [`TYPES`].
        ty: usize,
        /// Whether the tag is `B-`.
        begin: bool,
    },
}

/// One document: the sentences between two `-DOCSTART-` lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConllDoc {
    /// The document's sentences, in order.
    pub(crate) sentences: Vec<ConllSentence>,
}

impl ConllDoc {
    /// The tokens of each sentence, as the tagger takes them.
    pub(crate) fn words(&self) -> Vec<Vec<&str>> {
        self.sentences
            .iter()
            .map(|s| s.words.iter().map(String::as_str).collect())
            .collect()
    }
}

/// Reads a CoNLL file into documents. Lines are `token ... tag`, whitespace-separated;
/// `-DOCSTART-` starts a document; blank lines end sentences. CRLF is accepted.
pub(crate) fn read_conll(path: &Path) -> Result<Vec<ConllDoc>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
        origin: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    parse_conll(&text, path)
}

/// Parses CoNLL text; `path` is only used in error messages.
pub(crate) fn parse_conll(text: &str, path: &Path) -> Result<Vec<ConllDoc>> {
    let mut docs = vec![ConllDoc::default()];
    let mut sent = ConllSentence::default();
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || cols[0] == "-DOCSTART-" {
            if !sent.words.is_empty() {
                docs.last_mut()
                    .expect("docs is never empty")
                    .sentences
                    .push(std::mem::take(&mut sent));
            }
            if cols.first() == Some(&"-DOCSTART-")
                && !docs
                    .last()
                    .expect("docs is never empty")
                    .sentences
                    .is_empty()
            {
                docs.push(ConllDoc::default());
            }
            continue;
        }
        let gold = if cols.len() >= 2 {
            let tag = cols[cols.len() - 1];
            Some(parse_tag(tag).ok_or_else(|| Error::Conll {
                path: path.to_path_buf(),
                line: n + 1,
                message: format!(
                    "invalid NER tag {tag:?} in the last column (expected O or B-/I- with PER, ORG, LOC, MISC)"
                ),
            })?)
        } else {
            None
        };
        if !sent.gold.is_empty() && sent.gold[0].is_some() != gold.is_some() {
            return Err(Error::Conll {
                path: path.to_path_buf(),
                line: n + 1,
                message: format!(
                    "expected {} columns like the lines before, found {}",
                    if gold.is_some() { "1" } else { "2 or more" },
                    cols.len()
                ),
            });
        }
        sent.words.push(cols[0].to_string());
        sent.gold.push(gold);
        sent.lines.push(line.to_string());
    }
    if !sent.words.is_empty() {
        docs.last_mut()
            .expect("docs is never empty")
            .sentences
            .push(sent);
    }
    docs.retain(|d| !d.sentences.is_empty());
    Ok(docs)
}

fn parse_tag(tag: &str) -> Option<GoldTag> {
    if tag == "O" {
        return Some(GoldTag::O);
    }
    let (prefix, label) = tag.split_once('-')?;
    let begin = match prefix {
        "B" => true,
        "I" => false,
        _ => return None,
    };
    let ty = TYPES.iter().position(|k| k.conll_label() == label)?;
    Some(GoldTag::Chunk { ty, begin })
}

/// Chunks `(start, end, type)` of a tag sequence, with conlleval's rules: a chunk starts
/// at `B-X`, or at `I-X` after `O` or a different type (so IOB1 and BIO both work).
pub(crate) fn chunks(tags: &[GoldTag]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &t) in tags.iter().enumerate() {
        match t {
            GoldTag::O => {
                if let Some((s, ty)) = open.take() {
                    out.push((s, i, ty));
                }
            }
            GoldTag::Chunk { ty, begin } => {
                let continues = !begin && open.is_some_and(|(_, oty)| oty == ty);
                if !continues {
                    if let Some((s, oty)) = open.take() {
                        out.push((s, i, oty));
                    }
                    open = Some((i, ty));
                }
            }
        }
    }
    if let Some((s, ty)) = open {
        out.push((s, tags.len(), ty));
    }
    out
}

/// Converts gold IOB1/BIO tags into BILOU tag indexes for training.
pub(crate) fn to_bilou(tags: &[GoldTag]) -> Vec<u8> {
    use crate::ner::model::tag_of;
    let mut out = vec![0u8; tags.len()];
    for (s, e, ty) in chunks(tags) {
        if e - s == 1 {
            out[s] = tag_of(Pos::U, ty);
        } else {
            out[s] = tag_of(Pos::B, ty);
            for o in &mut out[s + 1..e - 1] {
                *o = tag_of(Pos::I, ty);
            }
            out[e - 1] = tag_of(Pos::L, ty);
        }
    }
    out
}

/// BILOU tag indexes as chunk tags (for scoring).
pub(crate) fn from_bilou(tags: &[u8]) -> Vec<GoldTag> {
    tags.iter()
        .map(|&t| match crate::ner::model::untag(t) {
            None => GoldTag::O,
            Some((pos, ty)) => GoldTag::Chunk {
                ty,
                begin: matches!(pos, Pos::B | Pos::U),
            },
        })
        .collect()
}

/// Precision, recall and F1 for one entity type (or all of them).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TypeScore {
    /// `PER`, `ORG`, `LOC`, `MISC`, or `overall`.
    pub label: String,
    /// Correct / predicted (0 when nothing was predicted).
    pub precision: f64,
    /// Correct / gold (0 when there is no gold entity).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Number of gold entities.
    pub gold: usize,
    /// Number of predicted entities.
    pub predicted: usize,
    /// Number of predicted entities whose span and type both match a gold entity.
    pub correct: usize,
}

impl TypeScore {
    fn new(label: &str, gold: usize, predicted: usize, correct: usize) -> TypeScore {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(correct, predicted);
        let recall = ratio(correct, gold);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        TypeScore {
            label: label.to_string(),
            precision,
            recall,
            f1,
            gold,
            predicted,
            correct,
        }
    }
}

/// Scores of a model on a CoNLL file, with conlleval rules: an entity counts as correct
/// only if both its exact span and its type match.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalReport {
    /// One score per type, in label order (LOC, MISC, ORG, PER).
    pub per_type: Vec<TypeScore>,
    /// Micro-averaged over all types.
    pub overall: TypeScore,
    /// Tokens tagged.
    pub tokens: usize,
    /// Sentences tagged.
    pub sentences: usize,
}

/// Counts `[gold, predicted, correct]` per type index.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    per_type: [[usize; 3]; 4],
    tokens: usize,
    sentences: usize,
}

impl Counts {
    pub(crate) fn add_sentence(&mut self, gold: &[GoldTag], pred: &[GoldTag]) {
        let g = chunks(gold);
        let p = chunks(pred);
        for &(_, _, ty) in &g {
            self.per_type[ty][0] += 1;
        }
        for c in &p {
            self.per_type[c.2][1] += 1;
            if g.contains(c) {
                self.per_type[c.2][2] += 1;
            }
        }
        self.tokens += gold.len();
        self.sentences += 1;
    }

    fn merge(mut self, other: Counts) -> Counts {
        for t in 0..4 {
            for k in 0..3 {
                self.per_type[t][k] += other.per_type[t][k];
            }
        }
        self.tokens += other.tokens;
        self.sentences += other.sentences;
        self
    }

    pub(crate) fn report(&self) -> EvalReport {
        let mut per_type: Vec<TypeScore> = TYPES
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let [g, p, c] = self.per_type[i];
                TypeScore::new(k.conll_label(), g, p, c)
            })
            .collect();
        per_type.sort_by(|a, b| a.label.cmp(&b.label));
        let sum = |k: usize| self.per_type.iter().map(|c| c[k]).sum::<usize>();
        EvalReport {
            per_type,
            overall: TypeScore::new("overall", sum(0), sum(1), sum(2)),
            tokens: self.tokens,
            sentences: self.sentences,
        }
    }
}

/// Evaluates a model on parsed documents (documents in parallel, deterministic result).
pub(crate) fn evaluate_docs(model: &Model, docs: &[ConllDoc]) -> Result<EvalReport> {
    let counts = docs
        .par_iter()
        .map(|doc| {
            let sentences = doc.words();
            let tags = model.tag_document(&sentences);
            let mut c = Counts::default();
            for (s, t) in doc.sentences.iter().zip(&tags) {
                let gold: Vec<GoldTag> = s.gold.iter().map(|g| g.unwrap_or(GoldTag::O)).collect();
                c.add_sentence(&gold, &from_bilou(t));
            }
            c
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Counts::default(), Counts::merge);
    Ok(counts.report())
}

/// Evaluates `model` on a CoNLL file whose last column holds gold IOB1 (or BIO) tags.
pub fn evaluate(model: &Model, conll: &Path) -> Result<EvalReport> {
    let docs = read_conll(conll)?;
    if let Some(s) = docs
        .iter()
        .flat_map(|d| &d.sentences)
        .find(|s| s.gold[0].is_none())
    {
        return Err(Error::Conll {
            path: conll.to_path_buf(),
            line: 0,
            message: format!(
                "sentence starting with {:?} has no gold tag column",
                s.words[0]
            ),
        });
    }
    evaluate_docs(model, &docs)
}

/// Writes every input line with the predicted tag appended as a new last column
/// (space-separated, BIO tags: `B-` starts every entity), keeping `-DOCSTART-` lines
/// and blank lines unchanged. Line ends are written as `\n`.
pub fn tag_conll(model: &Model, conll: &Path, out: &mut dyn Write) -> Result<()> {
    let bytes = std::fs::read(conll).map_err(|e| Error::io(conll, e))?;
    let text = String::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
        origin: conll.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    // Validate and tag by documents, then echo the input line by line.
    let docs = parse_conll(&text, conll)?;
    let mut predicted: Vec<&'static str> = Vec::new();
    let tagged: Vec<Vec<Vec<u8>>> = docs
        .par_iter()
        .map(|doc| {
            let sentences = doc.words();
            model.tag_document(&sentences)
        })
        .collect();
    for doc in &tagged {
        for sent in doc {
            predicted.extend(sent.iter().map(|&t| bio_label(t)));
        }
    }
    let io_err = |e| Error::io("<output>", e);
    let mut next = predicted.into_iter();
    let body = text.strip_suffix('\n').unwrap_or(&text);
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let first = line.split_whitespace().next();
        match first {
            None | Some("-DOCSTART-") => writeln!(out, "{line}").map_err(io_err)?,
            Some(_) => {
                let tag = next.next().expect("one prediction per token line");
                writeln!(out, "{line} {tag}").map_err(io_err)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<GoldTag> {
        s.split_whitespace()
            .map(|t| parse_tag(t).expect("valid tag"))
            .collect()
    }

    #[test]
    fn iob1_chunks_follow_conlleval() {
        // I- at the start of a span, and B- between two adjacent entities of one type.
        let c = chunks(&tags("I-PER I-PER O I-LOC B-LOC I-ORG I-MISC"));
        assert_eq!(
            c,
            vec![(0, 2, 0), (3, 4, 2), (4, 5, 2), (5, 6, 1), (6, 7, 3)]
        );
    }

    /// Scores sentences given as (gold, predicted) tag strings.
    fn score(sentences: &[(&str, &str)]) -> EvalReport {
        let mut c = Counts::default();
        for (gold, pred) in sentences {
            c.add_sentence(&tags(gold), &tags(pred));
        }
        c.report()
    }

    /// (gold, predicted, correct) of a type label or `overall`.
    fn counts(r: &EvalReport, label: &str) -> (usize, usize, usize) {
        let s = std::iter::once(&r.overall)
            .chain(&r.per_type)
            .find(|s| s.label == label)
            .expect("a label of the report");
        (s.gold, s.predicted, s.correct)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Gold in IOB1 (as in eng.testa): PER 0..2, LOC 3..4, ORG 5..7, MISC 8..9.
    const GOLD: &str = "I-PER I-PER O I-LOC O I-ORG I-ORG O I-MISC";

    #[test]
    fn exact_predictions_score_one_in_bio_and_in_iob1() {
        for pred in [
            "B-PER I-PER O B-LOC O B-ORG I-ORG O B-MISC",
            GOLD, // IOB1: the same chunks
        ] {
            let r = score(&[(GOLD, pred)]);
            assert_eq!(counts(&r, "overall"), (4, 4, 4), "{pred}");
            for label in ["LOC", "MISC", "ORG", "PER"] {
                assert_eq!(counts(&r, label), (1, 1, 1), "{label} {pred}");
            }
            assert!(close(r.overall.f1, 1.0));
        }
    }

    #[test]
    fn a_boundary_error_is_both_a_miss_and_a_false_alarm() {
        // PER one token short, LOC one token long, ORG one token long, MISC right.
        let r = score(&[(GOLD, "B-PER O O B-LOC I-LOC B-ORG I-ORG I-ORG B-MISC")]);
        assert_eq!(counts(&r, "overall"), (4, 4, 1));
        assert_eq!(counts(&r, "PER"), (1, 1, 0));
        assert_eq!(counts(&r, "LOC"), (1, 1, 0));
        assert_eq!(counts(&r, "ORG"), (1, 1, 0));
        assert_eq!(counts(&r, "MISC"), (1, 1, 1));
        // P = R = 1/4, F1 = 2 * 1/4 * 1/4 / (1/2) = 1/4.
        assert!(close(r.overall.precision, 0.25) && close(r.overall.recall, 0.25));
        assert!(close(r.overall.f1, 0.25));
        let per = &r.per_type[3];
        assert_eq!(per.label, "PER");
        assert!(close(per.precision, 0.0) && close(per.recall, 0.0) && close(per.f1, 0.0));
    }

    #[test]
    fn a_type_error_counts_against_both_types() {
        // The right spans, PER and ORG swapped.
        let r = score(&[(GOLD, "B-ORG I-ORG O B-LOC O B-PER I-PER O B-MISC")]);
        assert_eq!(counts(&r, "overall"), (4, 4, 2));
        assert_eq!(counts(&r, "PER"), (1, 1, 0));
        assert_eq!(counts(&r, "ORG"), (1, 1, 0));
        assert_eq!(counts(&r, "LOC"), (1, 1, 1));
        assert!(close(r.overall.f1, 0.5));
    }

    #[test]
    fn misses_and_false_alarms_give_hand_computed_scores() {
        // Sentence 1: all four right plus a spurious LOC. Sentence 2: a missed PER, a
        // right ORG.
        let r = score(&[
            (GOLD, "B-PER I-PER O B-LOC O B-ORG I-ORG B-LOC B-MISC"),
            ("I-PER O I-ORG", "O O B-ORG"),
        ]);
        // Gold: 4 + 2 = 6. Predicted: 5 + 1 = 6. Correct: 4 + 1 = 5.
        assert_eq!(counts(&r, "overall"), (6, 6, 5));
        assert_eq!(counts(&r, "LOC"), (1, 2, 1));
        assert_eq!(counts(&r, "PER"), (2, 1, 1));
        assert_eq!(counts(&r, "ORG"), (2, 2, 2));
        // LOC: P = 1/2, R = 1, F1 = 2 * 0.5 / 1.5 = 2/3. PER: P = 1, R = 1/2, F1 = 2/3.
        let loc = &r.per_type[0];
        assert_eq!(loc.label, "LOC");
        assert!(close(loc.precision, 0.5) && close(loc.recall, 1.0));
        assert!(close(loc.f1, 2.0 / 3.0));
        let per = &r.per_type[3];
        assert!(close(per.precision, 1.0) && close(per.recall, 0.5));
        assert!(close(per.f1, 2.0 / 3.0));
        // Overall: P = R = 5/6.
        assert!(close(r.overall.f1, 5.0 / 6.0));
        assert_eq!((r.sentences, r.tokens), (2, 12));
        // Nothing predicted: precision 0 by convention, not NaN.
        let r = score(&[("I-PER", "O")]);
        assert_eq!(counts(&r, "PER"), (1, 0, 0));
        assert!(close(r.overall.precision, 0.0) && close(r.overall.f1, 0.0));
    }

    #[test]
    fn iob1_b_tags_split_adjacent_entities_and_bio_must_match_them() {
        // Gold IOB1: two adjacent LOCs ("I-LOC B-LOC").
        let gold = "I-LOC B-LOC";
        // BIO with a B- on each: both right.
        assert_eq!(
            counts(&score(&[(gold, "B-LOC B-LOC")]), "overall"),
            (2, 2, 2)
        );
        // One merged span: both gold missed, one false alarm.
        assert_eq!(
            counts(&score(&[(gold, "B-LOC I-LOC")]), "overall"),
            (2, 1, 0)
        );
        assert_eq!(
            counts(&score(&[(gold, "I-LOC I-LOC")]), "overall"),
            (2, 1, 0)
        );
        // I- after another type starts a new chunk (conlleval): PER then ORG.
        let r = score(&[("I-PER I-ORG", "B-PER I-ORG")]);
        assert_eq!(counts(&r, "overall"), (2, 2, 2));
        // I- after O starts a chunk in a prediction too.
        let r = score(&[("I-MISC I-MISC O", "O I-MISC O")]);
        assert_eq!(counts(&r, "MISC"), (1, 1, 0));
    }

    #[test]
    fn split_merged_and_retyped_spans_give_hand_computed_scores() {
        // Gold (IOB1): "New York Stock Exchange" ORG 0..4, "Wall Street" LOC 5..7,
        // "Reuters" ORG 8..9.
        let gold = "I-ORG I-ORG I-ORG I-ORG O I-LOC I-LOC O I-ORG";
        // ORG split in two (0..2, 2..4), LOC with its type changed half-way (a LOC
        // 5..6 and a MISC 6..7), Reuters right.
        let r = score(&[(gold, "B-ORG I-ORG B-ORG I-ORG O B-LOC I-MISC O B-ORG")]);
        // Gold 3; predicted 2 + 2 + 1 = 5; correct 1 (Reuters).
        assert_eq!(counts(&r, "overall"), (3, 5, 1));
        assert_eq!(counts(&r, "ORG"), (2, 3, 1));
        assert_eq!(counts(&r, "LOC"), (1, 1, 0));
        assert_eq!(counts(&r, "MISC"), (0, 1, 0));
        // Overall: P = 1/5, R = 1/3, F1 = 2 * (1/15) / (8/15) = 1/4.
        assert!(close(r.overall.precision, 0.2) && close(r.overall.recall, 1.0 / 3.0));
        assert!(close(r.overall.f1, 0.25));
        // ORG: P = 1/3, R = 1/2, F1 = 2 * (1/6) / (5/6) = 2/5.
        let org = &r.per_type[2];
        assert_eq!(org.label, "ORG");
        assert!(close(org.precision, 1.0 / 3.0) && close(org.recall, 0.5));
        assert!(close(org.f1, 0.4));
        // MISC: no gold, one false alarm: recall 0 by convention, F1 0.
        let misc = &r.per_type[1];
        assert!(close(misc.precision, 0.0) && close(misc.recall, 0.0) && close(misc.f1, 0.0));

        // The other way: two adjacent gold PERs (IOB1 B- between them) predicted as one
        // span: gold 2, predicted 1, correct 0. A span running to the end of one
        // sentence does not continue into the next.
        let r = score(&[
            ("I-PER B-PER O", "B-PER I-PER O"),
            ("O I-LOC", "O B-LOC"),
            ("I-LOC O", "I-LOC O"),
        ]);
        assert_eq!(counts(&r, "PER"), (2, 1, 0));
        assert_eq!(counts(&r, "LOC"), (2, 2, 2));
        // Overall: P = 2/3, R = 2/4, F1 = 2 * (1/3) / (7/6) = 4/7.
        assert!(close(r.overall.f1, 4.0 / 7.0));
    }

    #[test]
    fn bilou_round_trip() {
        let t = tags("I-PER I-PER O I-LOC B-LOC I-LOC");
        let b = to_bilou(&t);
        assert_eq!(chunks(&from_bilou(&b)), chunks(&t));
    }

    #[test]
    fn crlf_and_bad_tags() {
        let docs = parse_conll(
            "-DOCSTART- -X- O O\r\n\r\nEU NNP I-NP I-ORG\r\nrejects VBZ I-VP O\r\n",
            Path::new("x"),
        )
        .expect("valid");
        assert_eq!(docs[0].sentences[0].words, ["EU", "rejects"]);
        let err = parse_conll(
            "EU NNP I-NP I-ORG\nrejects VBZ I-VP X-FOO\n",
            Path::new("x"),
        );
        assert!(matches!(err, Err(Error::Conll { line: 2, .. })));
    }
}
