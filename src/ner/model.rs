//! The tagging model: a hashed, quantized weight table over BILOU tags, tag-transition
//! weights decoded with Viterbi, the model file format, and span extraction.
//!
//! File format (all gzip-compressed, little-endian): magic `NDBNER01`, format version
//! (u32), name, confidence temperature (f32), number of stages (u32, 1 or 2), then per
//! stage: hash bits (u32), tag count `T` (u32), weight scale (f32), `(T+1)^2` transition
//! weights (f32, index `T` is the sentence boundary), the number of non-zero weight rows
//! (u32), their row indexes as LEB128 deltas, and their `T` i16 weights each (low bytes,
//! then high bytes). Last come the gazetteer, case-lexicon and word-cluster texts the
//! features were trained with. Strings are a u32 byte length and UTF-8 bytes.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::{Error, Result};
use crate::model::EntityKind;
use crate::ner::clusters::WordClusters;
use crate::ner::features::{
    casing_features, neighbour_features, own_features, regime_of, Neighbour, Regime, Resources,
    TokInfo,
};
use crate::ner::gazetteer::{CaseLexicon, Gazetteer, HashKeyed};
use crate::ner::tokenize::{split_sentences, tokenize, Token};

/// Entity types, in tag order.
pub(crate) const TYPES: [EntityKind; 4] = [
    EntityKind::Person,
    EntityKind::Organization,
    EntityKind::Location,
    EntityKind::Misc,
];

/// Number of BILOU tags: `O`, then `B`, `I`, `L`, `U` for each type.
pub(crate) const NT: usize = 1 + 4 * TYPES.len();
/// Index of the sentence-boundary state in the transition table.
const BOUNDARY: usize = NT;
/// Width of the transition table.
pub(crate) const NTB: usize = NT + 1;

const MAGIC: &[u8; 8] = b"NDBNER01";
const FORMAT_VERSION: u32 = 1;
const EMBEDDED: &[u8] = include_bytes!("../../models/ner-conll03.bin.gz");

/// Position of a token inside an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    B = 0,
    I = 1,
    L = 2,
    U = 3,
}

/// The tag index of a position and type index.
pub(crate) fn tag_of(pos: Pos, ty: usize) -> u8 {
    (1 + 4 * ty + pos as usize) as u8
}

/// Splits a tag index into its position and type index (`None` for `O`).
pub(crate) fn untag(tag: u8) -> Option<(Pos, usize)> {
    if tag == 0 {
        return None;
    }
    let k = tag as usize - 1;
    let pos = match k % 4 {
        0 => Pos::B,
        1 => Pos::I,
        2 => Pos::L,
        _ => Pos::U,
    };
    Some((pos, k / 4))
}

/// Whether BILOU allows tag `cur` after `prev` (either may be the boundary).
pub(crate) fn allowed(prev: usize, cur: usize) -> bool {
    let p = if prev == BOUNDARY {
        None
    } else {
        untag(prev as u8)
    };
    let c = if cur == BOUNDARY {
        None
    } else {
        untag(cur as u8)
    };
    let open = matches!(p, Some((Pos::B | Pos::I, _)));
    match c {
        Some((Pos::I | Pos::L, ty)) => open && p.map(|x| x.1) == Some(ty),
        _ => !open,
    }
}

/// BIO label of a tag ("B-PER", "I-ORG", "O").
pub(crate) fn bio_label(tag: u8) -> &'static str {
    const LABELS: [&str; 9] = [
        "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
    ];
    match untag(tag) {
        None => LABELS[0],
        Some((Pos::B | Pos::U, ty)) => LABELS[1 + 2 * ty],
        Some((_, ty)) => LABELS[2 + 2 * ty],
    }
}

/// One entity found in a text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EntitySpan {
    /// What kind of entity it is.
    pub kind: EntityKind,
    /// Byte offset of the first byte in the text.
    pub start_byte: usize,
    /// Byte offset one past the last byte.
    pub end_byte: usize,
    /// Char offset of the first char.
    pub start_char: usize,
    /// Char offset one past the last char.
    pub end_char: usize,
    /// Index of the sentence the span is in (0-based, in the order of
    /// [`split_sentences`]).
    pub sentence: usize,
    /// Mean posterior probability, over the span's tokens, of the tags that make up
    /// the span (in `[0, 1]`).
    pub confidence: f32,
}

/// One tagging pass: a hashed, quantized emission table and tag transitions.
///
/// Of the table's `2^bits` rows only a fifth are not all zero (196k of 1M for the
/// shipped model's first pass), so only those are stored, in row order, with a bitmap of
/// which rows they are and a running count per bitmap word to find a row's place: 7 MB
/// instead of 34 MB, which keeps lookups in the processor's caches, and a feature that
/// hits an empty row costs one bit test.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    bits: u32,
    scale: f32,
    /// Bit `r % 64` of word `r / 64` is set when row `r` is stored.
    present: Vec<u64>,
    /// Stored rows before each bitmap word.
    rank: Vec<u32>,
    /// The stored rows, `NT` quantized weights each, in row order.
    weights: Vec<i16>,
    /// `NTB * NTB` transition weights, invalid BILOU transitions at -inf.
    trans: Vec<f32>,
}

impl Stage {
    /// Quantizes trained weights (`2^bits * NT`, row-major) and applies the BILOU
    /// constraints.
    pub(crate) fn from_weights(bits: u32, weights: &[f32], trans: &[f32]) -> Stage {
        let max = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32000.0 } else { 1.0 };
        let quantized: Vec<i16> = weights.iter().map(|w| (w / scale).round() as i16).collect();
        let rows = quantized
            .chunks_exact(NT)
            .enumerate()
            .filter(|(_, w)| w.iter().any(|&x| x != 0));
        let mut stage = Stage::from_rows(bits, scale, trans.to_vec(), rows);
        stage.constrain();
        stage
    }

    /// A stage from its stored rows, given in increasing row order.
    fn from_rows<'a>(
        bits: u32,
        scale: f32,
        trans: Vec<f32>,
        rows: impl Iterator<Item = (usize, &'a [i16])>,
    ) -> Stage {
        let words = (1usize << bits).div_ceil(64);
        let mut present = vec![0u64; words];
        let mut weights = Vec::new();
        for (r, w) in rows {
            present[r / 64] |= 1 << (r % 64);
            weights.extend_from_slice(w);
        }
        let mut rank = Vec::with_capacity(words);
        let mut count = 0u32;
        for w in &present {
            rank.push(count);
            count += w.count_ones();
        }
        Stage {
            bits,
            scale,
            present,
            rank,
            weights,
            trans,
        }
    }

    /// Where stored row `r` starts in `weights`, `None` for an all-zero row.
    #[inline]
    fn stored(&self, r: usize) -> Option<usize> {
        let word = self.present[r / 64];
        let bit = 1u64 << (r % 64);
        if word & bit == 0 {
            return None;
        }
        Some((self.rank[r / 64] as usize + (word & (bit - 1)).count_ones() as usize) * NT)
    }

    fn constrain(&mut self) {
        for p in 0..NTB {
            for c in 0..NTB {
                if !allowed(p, c) || (p == BOUNDARY && c == BOUNDARY) {
                    self.trans[p * NTB + c] = f32::NEG_INFINITY;
                }
            }
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bits.to_le_bytes());
        out.extend_from_slice(&(NT as u32).to_le_bytes());
        out.extend_from_slice(&self.scale.to_le_bytes());
        for &t in &self.trans {
            // Invalid transitions are re-derived on load; store them as 0.
            let t = if t.is_finite() { t } else { 0.0 };
            out.extend_from_slice(&t.to_le_bytes());
        }
        let rows: Vec<usize> = self
            .present
            .iter()
            .enumerate()
            .flat_map(|(i, &word)| {
                (0..64)
                    .filter(move |b| word >> b & 1 == 1)
                    .map(move |b| i * 64 + b)
            })
            .collect();
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        let mut last = 0;
        for &r in &rows {
            put_varint(out, (r - last) as u64);
            last = r;
        }
        // Low bytes then high bytes: the high bytes are mostly 0x00/0xff and compress well.
        for half in 0..2 {
            for &w in &self.weights {
                out.push(w.to_le_bytes()[half]);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Stage> {
        let bits = r.u32()?;
        if !(8..=28).contains(&bits) {
            return Err(Error::Model(format!("invalid hash size 2^{bits}")));
        }
        let nt = r.u32()? as usize;
        if nt != NT {
            return Err(Error::Model(format!("model has {nt} tags, expected {NT}")));
        }
        let scale = r.f32()?;
        let mut trans = Vec::with_capacity(NTB * NTB);
        for _ in 0..NTB * NTB {
            trans.push(r.f32()?);
        }
        let nrows = r.u32()? as usize;
        let total_rows = 1usize << bits;
        let mut rows = Vec::with_capacity(nrows.min(total_rows));
        let mut last = 0usize;
        for k in 0..nrows {
            let delta = r.varint()? as usize;
            if k > 0 && delta == 0 {
                return Err(Error::Model(format!("weight row {last} stored twice")));
            }
            // Checked: a corrupt delta must be an error, not an overflow (a panic in
            // debug builds, a wrapped and so unsorted row index in release).
            last = match last.checked_add(delta) {
                Some(row) if row < total_rows => row,
                _ => {
                    return Err(Error::Model(format!(
                        "weight row {last} + {delta} out of range"
                    )))
                }
            };
            rows.push(last);
        }
        let lo = r.take(nrows * NT)?;
        let hi = r.take(nrows * NT)?;
        let weights: Vec<i16> = lo
            .iter()
            .zip(hi)
            .map(|(&l, &h)| i16::from_le_bytes([l, h]))
            .collect();
        let mut stage = Stage::from_rows(
            bits,
            scale,
            trans,
            rows.into_iter().zip(weights.chunks_exact(NT)),
        );
        stage.constrain();
        Ok(stage)
    }

    /// Row of the weight table for a feature hash.
    #[inline]
    pub(crate) fn row(&self, h: u64) -> usize {
        (h >> (64 - self.bits)) as usize
    }

    /// Adds the weights of `rows` to `acc`.
    #[inline]
    fn add_rows(&self, rows: impl Iterator<Item = usize>, acc: &mut [i32; NT]) {
        for r in rows {
            let Some(at) = self.stored(r) else {
                continue;
            };
            let w: &[i16; NT] = self.weights[at..at + NT]
                .try_into()
                .expect("a weight row has NT entries");
            for k in 0..NT {
                acc[k] += i32::from(w[k]);
            }
        }
    }

    /// Appends the scores of feature hashes `hashes` plus the integer scores `acc`.
    #[inline]
    fn score(&self, hashes: &[u64], mut acc: [i32; NT], out: &mut Vec<f32>) {
        self.add_rows(hashes.iter().map(|&h| self.row(h)), &mut acc);
        out.extend(acc.iter().map(|&a| a as f32 * self.scale));
    }

    #[inline]
    fn score_rows(&self, rows: impl Iterator<Item = usize>, out: &mut Vec<f32>) {
        let mut acc = [0i32; NT];
        self.add_rows(rows, &mut acc);
        out.extend(acc.iter().map(|&a| a as f32 * self.scale));
    }

    /// Emission scores of tokens `range` of a document featurized with every feature,
    /// `NT` per token (the reference the cached path must match).
    #[cfg(test)]
    fn emissions(
        &self,
        feats: &crate::ner::features::DocFeatures,
        range: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) {
        out.clear();
        for t in range {
            let hashes = &feats.hashes[feats.offsets[t]..feats.offsets[t + 1]];
            self.score(hashes, [0; NT], out);
        }
    }

    /// Best tags of a sentence given as weight-table rows per token (for training).
    pub(crate) fn tag_rows(&self, rows: &[u32], offsets: &[u32]) -> Vec<u8> {
        let mut em = Vec::with_capacity((offsets.len() - 1) * NT);
        for t in 0..offsets.len() - 1 {
            let r = &rows[offsets[t] as usize..offsets[t + 1] as usize];
            self.score_rows(r.iter().map(|&x| x as usize), &mut em);
        }
        viterbi(&em, &self.trans)
    }
}

/// A trained named-entity tagger.
#[derive(Debug, Clone)]
pub struct Model {
    name: String,
    version: String,
    /// Divides scores before forward-backward so that confidences are calibrated.
    temperature: f32,
    /// The first pass, then optionally a second pass that also sees the first pass's
    /// tags across the document.
    stages: Vec<Stage>,
    res: Resources,
    /// Identifies this model's entries in the per-thread [`WordScores`] cache.
    id: u64,
    /// Forward-backward tables of the last stage at the model's temperature.
    forward: Forward,
    /// Scores of the words tagged lately, shared by every thread tagging with this model.
    word_scores: SharedScores,
}

/// Score groups cached per word and stage: the word's own features when it starts a
/// sentence, its own features elsewhere, then its features as each [`Neighbour`].
const GROUPS: usize = 2 + Neighbour::ALL.len();

/// How many words a model's [`WordScores`] and a thread's [`TokInfos`] hold (about 13
/// and 4 MB with two stages) before they make room: enough for the frequent words of a
/// news archive.
const CACHE_WORDS: usize = 1 << 14;

/// How many words a full cache keeps: at most this many of those used again since the
/// last time it made room, so the frequent words stay and the rare ones go.
const CACHE_KEEP: usize = CACHE_WORDS / 2;

/// A fresh id for every model built, so caches never mix two models' scores.
fn next_model_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A model's cache of the integer scores of the features that depend on one word only
/// ([`own_features`], [`casing_features`], [`neighbour_features`]): most of a token's
/// ~48 features. Every thread tagging with the model shares it (see [`Model::run`]),
/// so a second tagging thread costs no second cache.
/// Integer sums make the cached path exactly equal to summing every feature.
#[derive(Default)]
struct WordScores {
    /// Word hash -> slot.
    slots: HashKeyed<u32>,
    /// `stages * GROUPS * NT` scores per slot, then the scores of missing neighbours
    /// (past a sentence edge) are kept in the model-independent slot 0.
    scores: Vec<i32>,
    /// Per slot, whether it was used again since it was filled or last kept (set by
    /// readers holding the lock shared).
    used: Vec<AtomicBool>,
    /// Counts the times the slots were renumbered ([`WordScores::make_room`]) or the
    /// cache emptied: a reader that let go of the lock finds its words again when it
    /// changed.
    generation: u64,
}

impl WordScores {
    /// The slot of the word `key`, marked used, if the cache holds it.
    fn find(&self, key: u64) -> Option<usize> {
        let at = *self.slots.get(&key)? as usize;
        self.used[at].store(true, Ordering::Relaxed);
        Some(at)
    }

    /// An empty cache of a later generation than this one.
    fn emptied(&self) -> WordScores {
        WordScores {
            generation: self.generation + 1,
            ..WordScores::default()
        }
    }

    /// Makes room in a full cache: keeps the scores of missing neighbours and, of the
    /// words used again since the last time, at most [`CACHE_KEEP`] (renumbered in
    /// slot order, so the result does not depend on the map's iteration order); the
    /// rest are computed again when they come back.
    fn make_room(&mut self, stride: usize) {
        let mut kept: Vec<(u32, u64)> = self
            .slots
            .iter()
            .filter(|&(_, &slot)| self.used[slot as usize].load(Ordering::Relaxed))
            .map(|(&key, &slot)| (slot, key))
            .collect();
        kept.sort_unstable();
        kept.truncate(CACHE_KEEP);
        // In place: a kept word's new slot is never after its old one.
        self.slots.clear();
        for (k, &(slot, key)) in kept.iter().enumerate() {
            let (from, to) = (slot as usize * stride, (k + 1) * stride);
            self.scores.copy_within(from..from + stride, to);
            self.slots.insert(key, k as u32 + 1);
        }
        self.scores.truncate((kept.len() + 1) * stride);
        self.used.clear();
        self.used.resize_with(kept.len() + 1, AtomicBool::default);
        self.generation += 1;
    }
}

/// The per-word scores of one document ([`Model::doc_scores`]), read in place from a
/// model's [`WordScores`], which stays locked for reading while this lives, or from
/// the rows scored for it.
struct DocScores<'a> {
    cache: RwLockReadGuard<'a, WordScores>,
    /// Rows of the words the cache lacked, `stride` scores each.
    local: Vec<i32>,
    /// Where each slot's row starts: slot 0 is a missing neighbour, then the distinct
    /// words in order.
    at: Vec<Row>,
    /// Each token's slot.
    slots: Vec<u32>,
    /// Scores per row.
    stride: usize,
}

/// Where a row of [`DocScores`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    /// In the shared cache's scores.
    Cache(usize),
    /// In the document's own.
    Local(usize),
}

impl DocScores<'_> {
    /// The row of `slot`.
    fn row(&self, slot: usize) -> &[i32] {
        let (scores, at) = match self.at[slot] {
            Row::Cache(at) => (&self.cache.scores, at),
            Row::Local(at) => (&self.local, at),
        };
        &scores[at..at + self.stride]
    }

    /// Each token's row.
    fn token_rows(&self) -> Vec<&[i32]> {
        self.slots.iter().map(|&s| self.row(s as usize)).collect()
    }
}

/// Per-thread cache of the [`TokInfo`] of words (a dozen hashes and two lookups each),
/// for one model: its lexicon and clusters are part of a word's info.
#[derive(Default)]
struct TokInfos {
    /// The model whose infos these are.
    model: u64,
    /// Word -> its info and whether it was used again since it was added or last kept;
    /// makes room once it holds [`CACHE_WORDS`] words.
    infos: std::collections::HashMap<Box<str>, (TokInfo, bool), foldhash::fast::RandomState>,
}

impl TokInfos {
    /// Makes room in a full cache: keeps at most [`CACHE_KEEP`] of the words used
    /// again since the last time (a word's info never depends on what else is kept).
    fn make_room(&mut self) {
        let mut kept = 0;
        self.infos.retain(|_, (_, used)| {
            let keep = *used && kept < CACHE_KEEP;
            kept += usize::from(keep);
            *used = false;
            keep
        });
    }
}

/// The [`WordScores`] of one model, behind a lock that readers share. A clone of the
/// model starts empty.
#[derive(Default)]
struct SharedScores(RwLock<WordScores>);

impl SharedScores {
    fn read(&self) -> RwLockReadGuard<'_, WordScores> {
        // Only a writer can have left words half added, and it empties the cache.
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, WordScores> {
        // A panic while words were added: the cache is emptied, since results never
        // depend on it.
        self.0.write().unwrap_or_else(|poisoned| {
            let mut cache = poisoned.into_inner();
            *cache = cache.emptied();
            cache
        })
    }
}

impl Clone for SharedScores {
    fn clone(&self) -> Self {
        SharedScores::default()
    }
}

impl std::fmt::Debug for SharedScores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedScores")
    }
}

thread_local! {
    static TOK_INFOS: RefCell<TokInfos> = RefCell::new(TokInfos::default());
}

/// Frees this thread's cache of word infos (about 4 MB once warm): for a thread that
/// tags no more, such as a worker at the end of an import. Tagging on it again fills
/// it again; results never depend on it. The word scores a model shares between
/// threads are freed by [`Model::release_cache`].
pub fn release_thread_cache() {
    TOK_INFOS.with(|cache| *cache.borrow_mut() = TokInfos::default());
}

/// Precomputed per-sentence decoding output.
struct Decoded {
    tags: Vec<u8>,
    /// Posterior probability of each chosen tag.
    probs: Vec<f32>,
}

impl Model {
    /// Builds a model from trained stages (one or two).
    pub(crate) fn from_stages(name: &str, stages: Vec<Stage>, res: Resources) -> Model {
        let mut m = Model {
            name: name.to_string(),
            version: String::new(),
            temperature: 1.0,
            stages,
            res,
            id: next_model_id(),
            forward: Forward::default(),
            word_scores: SharedScores::default(),
        };
        m.finish();
        m
    }

    /// Computes the version and the decoding tables.
    fn finish(&mut self) {
        self.forward = Forward::new(&self.last_stage().trans, 1.0 / self.temperature);
        let payload = self.payload();
        self.version = blake3::hash(&payload).to_hex()[..12].to_string();
    }

    /// The model bundled into the binary, decoded once on first use.
    pub fn embedded() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::from_bytes(EMBEDDED)
                .expect("the model embedded at build time is a valid model file")
        })
    }

    /// How often `word` (any case) is capitalised inside a sentence of the news text
    /// the model's case lexicon was learned from: 1 (almost never) to 5 (almost
    /// always); `None` for a word the lexicon does not hold.
    pub fn capitalisation(&self, word: &str) -> Option<u8> {
        self.res.lexicon.bucket(word)
    }

    /// The model's name, e.g. `newsdb-ner-conll03`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A short hash of the model's contents; changes whenever the weights do.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Serializes the model (uncompressed).
    fn payload(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 << 20);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        put_str(&mut out, &self.name);
        out.extend_from_slice(&self.temperature.to_le_bytes());
        out.extend_from_slice(&(self.stages.len() as u32).to_le_bytes());
        for stage in &self.stages {
            stage.write(&mut out);
        }
        put_str(&mut out, &self.res.gazetteer.text);
        put_str(&mut out, &self.res.lexicon.text);
        put_str(&mut out, &self.res.clusters.text);
        out
    }

    /// Writes the model file (gzip-compressed).
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes();
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    /// The model file's bytes (gzip-compressed).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&self.payload())
            .expect("writing to a Vec cannot fail");
        enc.finish().expect("writing to a Vec cannot fail")
    }

    /// Reads a model file written by [`Model::save`].
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_bytes(&bytes)
    }

    /// Decodes a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut raw)
            .map_err(|e| Error::Model(format!("not a gzip-compressed model file: {e}")))?;
        let mut r = Reader { buf: &raw, pos: 0 };
        if r.take(8)? != MAGIC {
            return Err(Error::Model(
                "not a newsdb NER model file (bad magic)".into(),
            ));
        }
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(Error::Model(format!(
                "model file format v{version} is not supported (expected v{FORMAT_VERSION})"
            )));
        }
        let name = r.string()?;
        let temperature = r.f32()?;
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(Error::Model(format!("invalid temperature {temperature}")));
        }
        let nstages = r.u32()?;
        if !(1..=2).contains(&nstages) {
            return Err(Error::Model(format!(
                "model has {nstages} stages, expected 1 or 2"
            )));
        }
        let stages = (0..nstages)
            .map(|_| Stage::read(&mut r))
            .collect::<Result<Vec<_>>>()?;
        let gazetteer = Gazetteer::from_text(r.string()?)?;
        let lexicon = CaseLexicon::from_text(r.string()?)?;
        let clusters = WordClusters::from_text(r.string()?)?;
        let mut m = Model {
            name,
            version: String::new(),
            temperature,
            stages,
            res: Resources {
                gazetteer,
                lexicon,
                clusters,
            },
            id: next_model_id(),
            forward: Forward::default(),
            word_scores: SharedScores::default(),
        };
        m.finish();
        Ok(m)
    }

    fn last_stage(&self) -> &Stage {
        self.stages.last().expect("a model has at least one stage")
    }

    /// Scores per group and stage of one word in a sentence of `regime` (`stages *
    /// GROUPS * NT`), or of a missing neighbour when `info` is `None` (the own groups are
    /// then zero, and nothing depends on the regime).
    fn word_scores(
        &self,
        info: Option<&TokInfo>,
        regime: Regime,
        buf: &mut Vec<u64>,
        out: &mut Vec<i32>,
    ) {
        for stage in &self.stages {
            for g in 0..GROUPS {
                buf.clear();
                match (g, info) {
                    (0 | 1, Some(t)) => {
                        own_features(t, g == 0, regime, buf);
                        casing_features(t, g == 0, regime, buf);
                    }
                    (0 | 1, None) => {}
                    (_, n) => neighbour_features(Neighbour::ALL[g - 2], n, regime, buf),
                }
                let mut acc = [0i32; NT];
                stage.add_rows(buf.iter().map(|&h| stage.row(h)), &mut acc);
                out.extend_from_slice(&acc);
            }
        }
    }

    /// Tags a document given as sentences of hashed tokens with every stage; returns the
    /// last stage's tags per sentence and its emission scores for the whole document
    /// (`NT` per token). The per-word part of each emission comes from
    /// [`Model::doc_scores`], the rest from the document's context features.
    fn run(&self, infos: &[Vec<TokInfo>]) -> (Vec<Vec<u8>>, Vec<f32>) {
        let mut feats = self.res.featurize_context(infos);
        let scores = self.doc_scores(infos);
        let rows = scores.token_rows();
        // The scores of a missing neighbour (past a sentence edge).
        let edge = scores.row(0);
        let mut em = Vec::new();
        let mut tags: Vec<Vec<u8>> = Vec::new();
        for (k, stage) in self.stages.iter().enumerate() {
            if k > 0 {
                let flat: Vec<u8> = tags.iter().flatten().copied().collect();
                feats = feats.with_hints(&flat);
            }
            em.clear();
            let base = k * GROUPS * NT;
            let mut start = 0;
            tags = infos
                .iter()
                .map(|sent| {
                    let n = sent.len();
                    let from = em.len();
                    for i in 0..n {
                        let t = start + i;
                        let own = base + if i == 0 { 0 } else { NT };
                        let mut acc: [i32; NT] = rows[t][own..own + NT]
                            .try_into()
                            .expect("a score group has NT entries");
                        for (g, nb) in Neighbour::ALL.iter().enumerate() {
                            let row = nb.index(i, n).map_or(edge, |j| rows[start + j]);
                            let at = base + (2 + g) * NT;
                            for (a, s) in acc.iter_mut().zip(&row[at..at + NT]) {
                                *a += s;
                            }
                        }
                        let hashes = &feats.hashes[feats.offsets[t]..feats.offsets[t + 1]];
                        stage.score(hashes, acc, &mut em);
                    }
                    start += n;
                    viterbi(&em[from..], &stage.trans)
                })
                .collect();
        }
        (tags, em)
    }

    /// The per-word scores of a document: `stride` scores for each distinct word (in
    /// its sentence's regime) and for a missing neighbour (slot 0), and each token's
    /// slot. The scores of words the model's shared cache holds are read in place, the
    /// cache staying locked for reading (shared) until the result is dropped; the
    /// other words are scored without the lock, then added to the cache under an
    /// exclusive one, so threads tagging at once seldom wait. Copying every word's
    /// scores out of the cache instead cost 5% of tagging.
    fn doc_scores(&self, infos: &[Vec<TokInfo>]) -> DocScores<'_> {
        let stride = self.stages.len() * GROUPS * NT;
        let mut seen: HashKeyed<u32> = HashKeyed::default();
        // The distinct words in slot order (from 1): key, token, regime.
        let mut words: Vec<(u64, &TokInfo, Regime)> = Vec::new();
        let mut slots: Vec<u32> = Vec::with_capacity(infos.iter().map(Vec::len).sum());
        for sent in infos {
            let regime = regime_of(sent);
            for t in sent {
                let key = t.word_key(regime);
                let next = words.len() as u32 + 1;
                let slot = *seen.entry(key).or_insert(next);
                if slot == next {
                    words.push((key, t, regime));
                }
                slots.push(slot);
            }
        }
        let mut doc = DocScores {
            cache: self.word_scores.read(),
            local: Vec::new(),
            at: vec![Row::Local(0); words.len() + 1],
            slots,
            stride,
        };
        let mut buf = Vec::new();
        // Slots of the words the cache lacks.
        let mut missing: Vec<usize> = Vec::new();
        let generation = doc.cache.generation;
        if doc.cache.used.is_empty() {
            // A new or released cache: this document starts it.
            missing.extend(1..=words.len());
        } else {
            doc.at[0] = Row::Cache(0);
            for (slot, &(key, ..)) in words.iter().enumerate() {
                match doc.cache.find(key) {
                    Some(at) => doc.at[slot + 1] = Row::Cache(at * stride),
                    None => missing.push(slot + 1),
                }
            }
            if missing.is_empty() {
                return doc;
            }
        }
        // Score the missing words without the lock.
        drop(doc.cache);
        if doc.at[0] == Row::Local(0) {
            self.word_scores(None, Regime::Normal, &mut buf, &mut doc.local);
        }
        for &slot in &missing {
            let (_, t, regime) = words[slot - 1];
            doc.at[slot] = Row::Local(doc.local.len());
            self.word_scores(Some(t), regime, &mut buf, &mut doc.local);
        }
        {
            let mut cache = self.word_scores.write();
            if cache.used.is_empty() {
                let mut edge = Vec::with_capacity(stride);
                self.word_scores(None, Regime::Normal, &mut buf, &mut edge);
                cache.scores.extend_from_slice(&edge);
                cache.used.push(AtomicBool::default());
            }
            if cache.slots.len() >= CACHE_WORDS {
                cache.make_room(stride);
            }
            for &slot in &missing {
                let key = words[slot - 1].0;
                // Another thread may have added the word meanwhile.
                if cache.slots.contains_key(&key) {
                    continue;
                }
                let Row::Local(from) = doc.at[slot] else {
                    unreachable!("a missing word was scored locally");
                };
                let at = cache.used.len() as u32;
                cache.slots.insert(key, at);
                cache
                    .scores
                    .extend_from_slice(&doc.local[from..from + stride]);
                cache.used.push(AtomicBool::default());
            }
        }
        doc.cache = self.word_scores.read();
        if doc.cache.generation != generation {
            // The cache made room or was released meanwhile: the words read from it
            // may have moved or gone.
            for slot in 0..doc.at.len() {
                if !matches!(doc.at[slot], Row::Cache(_)) {
                    continue;
                }
                let found = if slot == 0 {
                    (!doc.cache.used.is_empty()).then_some(0)
                } else {
                    doc.cache.find(words[slot - 1].0)
                };
                doc.at[slot] = match found {
                    Some(at) => Row::Cache(at * stride),
                    None => {
                        let from = doc.local.len();
                        let (info, regime) = match slot {
                            0 => (None, Regime::Normal),
                            _ => (Some(words[slot - 1].1), words[slot - 1].2),
                        };
                        self.word_scores(info, regime, &mut buf, &mut doc.local);
                        Row::Local(from)
                    }
                };
            }
        }
        doc
    }

    /// Frees the word scores this model caches for every thread (about 13 MB once
    /// warm), as at the end of an import. Tagging again fills the cache again; results
    /// never depend on it.
    pub fn release_cache(&self) {
        let mut cache = self.word_scores.write();
        *cache = cache.emptied();
    }

    /// Viterbi tags plus forward-backward posteriors of the chosen tags.
    fn posteriors(&self, em: &[f32], tags: Vec<u8>) -> Decoded {
        if tags.iter().all(|&t| t == 0) {
            // No span needs a confidence.
            return Decoded {
                probs: vec![0.0; tags.len()],
                tags,
            };
        }
        let probs = self.forward.marginals_of(em, &tags);
        Decoded { tags, probs }
    }

    /// Tags each sentence of a document (sentences of words).
    pub(crate) fn tag_document(&self, sentences: &[Vec<&str>]) -> Vec<Vec<u8>> {
        self.run(&self.res.infos(sentences)).0
    }

    /// Picks the temperature that maximises the likelihood of the gold tags of `docs`
    /// under the forward-backward posteriors, so confidences mean something.
    pub(crate) fn calibrate(&mut self, docs: &[crate::ner::conll::ConllDoc]) {
        use crate::ner::conll::{to_bilou, GoldTag};
        use rayon::prelude::*;
        // Last-stage emissions of every dev sentence with their gold BILOU tags.
        let sents: Vec<(Vec<f32>, Vec<u8>)> = docs
            .par_iter()
            .flat_map_iter(|doc| {
                let (_, em) = self.run(&self.res.infos(&doc.words()));
                let mut start = 0;
                let mut out = Vec::new();
                for s in &doc.sentences {
                    let em = em[start * NT..(start + s.words.len()) * NT].to_vec();
                    start += s.words.len();
                    let gold: Vec<GoldTag> =
                        s.gold.iter().map(|g| g.unwrap_or(GoldTag::O)).collect();
                    out.push((em, to_bilou(&gold)));
                }
                out
            })
            .collect();
        let trans = &self.last_stage().trans;
        let nll = |temp: f32| -> f64 {
            let forward = Forward::new(trans, 1.0 / temp);
            sents
                .par_iter()
                .map(|(em, gold)| {
                    forward
                        .marginals_of(em, gold)
                        .iter()
                        .map(|&p| -f64::from(p.max(1e-6)).ln())
                        .sum::<f64>()
                })
                .collect::<Vec<_>>()
                .iter()
                .sum()
        };
        let mut best = (f64::INFINITY, 1.0f32);
        for k in 0..=40 {
            let temp = 0.25 * 1.2f32.powi(k);
            let v = nll(temp);
            if v < best.0 {
                best = (v, temp);
            }
        }
        self.set_temperature(best.1);
    }

    /// The confidence temperature (see [`Model::calibrate`]).
    pub(crate) fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Sets the confidence temperature, e.g. one calibrated on another model trained
    /// the same way on less data.
    pub(crate) fn set_temperature(&mut self, temperature: f32) {
        self.temperature = temperature;
        self.finish();
    }

    /// Tags pre-tokenized sentences (used for CoNLL eval): returns BIO tags like "B-PER",
    /// "I-ORG", "O" per token. The words are treated as one sentence of one document.
    pub fn tag_words(&self, words: &[&str]) -> Vec<String> {
        if words.is_empty() {
            return Vec::new();
        }
        let tags = self.tag_document(&[words.to_vec()]);
        tags[0].iter().map(|&t| bio_label(t).to_string()).collect()
    }

    /// Tokenizes, splits sentences and tags `text`; spans are exact slices of `text`,
    /// never include a trailing possessive 's, never empty, never overlapping, sorted;
    /// a person's span never holds a word that joins two names ("Hodgson for
    /// Edwards" is two spans).
    /// The whole text is one document for document-level features.
    pub fn extract(&self, text: &str) -> Vec<EntitySpan> {
        let tokens = tokenize(text);
        let sentences = split_sentences(text, &tokens);
        self.extract_tokens(text, &tokens, &sentences)
    }

    /// Like [`Model::extract`], on a text the caller already tokenized and split into
    /// sentences (token-index ranges, in order, not overlapping). The whole text is one
    /// document; each span's `sentence` indexes `sentences`.
    pub fn extract_tokens(
        &self,
        text: &str,
        tokens: &[Token],
        sentences: &[Range<usize>],
    ) -> Vec<EntitySpan> {
        let infos: Vec<Vec<TokInfo>> = TOK_INFOS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.model != self.id {
                cache.model = self.id;
                cache.infos.clear();
            } else if cache.infos.len() >= CACHE_WORDS {
                cache.make_room();
            }
            sentences
                .iter()
                .map(|r| {
                    tokens[r.clone()]
                        .iter()
                        .map(|t| {
                            let word = t.text(text);
                            if let Some((info, used)) = cache.infos.get_mut(word) {
                                *used = true;
                                return info.clone();
                            }
                            let info = TokInfo::new(word, &self.res);
                            cache.infos.insert(word.into(), (info.clone(), false));
                            info
                        })
                        .collect()
                })
                .collect()
        });
        let (tags, em) = self.run(&infos);
        let mut spans = Vec::new();
        let mut start = 0;
        for ((sent_idx, range), tags) in sentences.iter().enumerate().zip(tags) {
            let em = &em[start * NT..(start + tags.len()) * NT];
            start += tags.len();
            let d = self.posteriors(em, tags);
            let mut i = 0;
            while i < d.tags.len() {
                let Some((pos, ty)) = untag(d.tags[i]) else {
                    i += 1;
                    continue;
                };
                let mut j = i + 1;
                if pos == Pos::B {
                    while j < d.tags.len()
                        && matches!(untag(d.tags[j]), Some((Pos::I | Pos::L, t)) if t == ty)
                    {
                        j += 1;
                        if untag(d.tags[j - 1]).map(|x| x.0) == Some(Pos::L) {
                            break;
                        }
                    }
                }
                // Drop a trailing possessive that the tagger put inside the entity.
                let mut end = j;
                while end > i {
                    let last = tokens[range.start + end - 1].text(text);
                    if matches!(last, "'s" | "'S" | "\u{2019}s" | "\u{2019}S") {
                        end -= 1;
                    } else {
                        break;
                    }
                }
                let joins = |k: usize| {
                    TYPES[ty] == EntityKind::Person
                        && NAME_JOINERS.contains(&tokens[range.start + k].text(text))
                };
                for part in split_at(i..end, joins)
                    .into_iter()
                    .filter(|p| !p.is_empty())
                {
                    let first = &tokens[range.start + part.start];
                    let last = &tokens[range.start + part.end - 1];
                    // A part's confidence is its tokens' mean; the last part's takes in
                    // the possessive dropped above, as a span of one part always did.
                    let upto = if part.end == end { j } else { part.end };
                    let probs = &d.probs[part.start..upto];
                    let conf = probs.iter().sum::<f32>() / probs.len() as f32;
                    spans.push(EntitySpan {
                        kind: TYPES[ty],
                        start_byte: first.start_byte,
                        end_byte: last.end_byte,
                        start_char: first.start_char,
                        end_char: last.end_char,
                        sentence: sent_idx,
                        confidence: conf.clamp(0.0, 1.0),
                    });
                }
                i = j;
            }
        }
        spans
    }
}

/// Words that join two names and are no part of one person's name (no person of the
/// CoNLL-2003 data holds one): out of that data's domain the tagger runs names
/// together over them, "Hodgson for Edwards" in a team sheet's replacements, "Jamelia
/// or Lemar", "Harry nor Voldemort".
const NAME_JOINERS: [&str; 4] = ["for", "or", "nor", "and"];

/// The token ranges of `span` between the tokens that `joins` (a person's span is cut
/// at every [`NAME_JOINERS`] word); a range may be empty.
fn split_at(span: Range<usize>, joins: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = span.start;
    for k in span.clone() {
        if joins(k) {
            parts.push(start..k);
            start = k + 1;
        }
    }
    parts.push(start..span.end);
    parts
}

/// Best tag sequence under emission scores `em` (`NT` per token) and transitions
/// (`NTB * NTB`, forbidden ones at -inf).
///
/// Each step runs over every predecessor in increasing order for all tags at once
/// (the compiler vectorizes the loop over tags): a forbidden transition gives -inf,
/// which never beats anything, so the path and its ties are those of trying only the
/// allowed predecessors.
pub(crate) fn viterbi(em: &[f32], trans: &[f32]) -> Vec<u8> {
    let n = em.len() / NT;
    if n == 0 {
        return Vec::new();
    }
    let mut score = [0f32; NT];
    let mut back = vec![0u8; n * NT];
    for c in 0..NT {
        score[c] = trans[BOUNDARY * NTB + c] + em[c];
    }
    // Row `p`: the weight of the transition from `p` into each tag.
    let mut from = [[0f32; NT]; NT];
    for (p, row) in from.iter_mut().enumerate() {
        row.copy_from_slice(&trans[p * NTB..p * NTB + NT]);
    }
    for t in 1..n {
        let mut best = [f32::NEG_INFINITY; NT];
        // As wide as `best`, so a lane's select is one mask.
        let mut arg = [0u32; NT];
        for (p, row) in from.iter().enumerate() {
            let sp = score[p];
            for c in 0..NT {
                let s = sp + row[c];
                // Branch-free: which predecessor wins is data, not a pattern to predict.
                let better = s > best[c];
                best[c] = if better { s } else { best[c] };
                arg[c] = if better { p as u32 } else { arg[c] };
            }
        }
        let em = &em[t * NT..(t + 1) * NT];
        let back = &mut back[t * NT..(t + 1) * NT];
        for c in 0..NT {
            score[c] = best[c] + em[c];
            back[c] = arg[c] as u8;
        }
    }
    let mut best = f32::NEG_INFINITY;
    let mut arg = 0u8;
    for c in 0..NT {
        let s = score[c] + trans[c * NTB + BOUNDARY];
        if s > best {
            best = s;
            arg = c as u8;
        }
    }
    let mut tags = vec![0u8; n];
    tags[n - 1] = arg;
    for t in (1..n).rev() {
        tags[t - 1] = back[t * NT + tags[t] as usize];
    }
    tags
}

/// Posterior probability of every tag of every token (`NT` per token), from
/// forward-backward over the scores times `inv_temp` read as log-potentials.
#[cfg(test)]
pub(crate) fn marginals(em: &[f32], trans: &[f32], inv_temp: f32) -> Vec<f32> {
    let n = em.len() / NT;
    let (alpha, beta) = Forward::new(trans, inv_temp).alpha_beta(em);
    (0..n * NT)
        .map(|i| posterior(&alpha, &beta, i / NT, i % NT))
        .collect()
}

/// The posterior of tag `c` at token `t` from normalized forward and backward scores.
#[inline]
fn posterior(alpha: &[f32], beta: &[f32], t: usize, c: usize) -> f32 {
    let z: f32 = (0..NT).map(|k| alpha[t * NT + k] * beta[t * NT + k]).sum();
    let p = alpha[t * NT + c] * beta[t * NT + c];
    if z > 0.0 && p.is_finite() {
        p / z
    } else {
        0.0
    }
}

/// What forward-backward needs of a transition table at one temperature, computed
/// once per model rather than once per sentence: the exponentiated transitions, by
/// row and by column.
///
/// Each step sums over every tag in increasing order for all tags at once (the
/// compiler vectorizes it): a forbidden transition is 0 and adds exactly nothing, so
/// the sums are bit for bit those over the allowed tags only.
#[derive(Debug, Clone)]
struct Forward {
    inv_temp: f32,
    et: [f32; NTB * NTB],
    /// Row `p`: the exponentiated transitions from `p` into each tag.
    from: [[f32; NT]; NT],
    /// Row `c`: the exponentiated transitions from each tag into `c`.
    into: [[f32; NT]; NT],
}

impl Default for Forward {
    fn default() -> Forward {
        Forward::new(&[0.0; NTB * NTB], 1.0)
    }
}

impl Forward {
    fn new(trans: &[f32], inv_temp: f32) -> Forward {
        let mut et = [0f32; NTB * NTB];
        for (e, &t) in et.iter_mut().zip(trans) {
            *e = (t * inv_temp).exp();
        }
        let mut from = [[0f32; NT]; NT];
        let mut into = [[0f32; NT]; NT];
        for p in 0..NT {
            for c in 0..NT {
                from[p][c] = et[p * NTB + c];
                into[c][p] = et[p * NTB + c];
            }
        }
        Forward {
            inv_temp,
            et,
            from,
            into,
        }
    }

    /// The posterior probability of `tags[t]` at each token `t` of a sentence with
    /// emission scores `em` (`NT` per token).
    fn marginals_of(&self, em: &[f32], tags: &[u8]) -> Vec<f32> {
        let (alpha, beta) = self.alpha_beta(em);
        tags.iter()
            .enumerate()
            .map(|(t, &c)| posterior(&alpha, &beta, t, c as usize))
            .collect()
    }

    /// The forward and backward scores of a sentence (`NT` per token), each token's
    /// normalized to sum to 1.
    fn alpha_beta(&self, em: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let n = em.len() / NT;
        if n == 0 {
            return (Vec::new(), Vec::new());
        }
        let (et, inv_temp) = (&self.et, self.inv_temp);
        // Per-token exp(emission - max), so nothing overflows.
        let mut pe = vec![0f32; n * NT];
        for t in 0..n {
            let row = &em[t * NT..(t + 1) * NT];
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
            for c in 0..NT {
                pe[t * NT + c] = ((row[c] - max) * inv_temp).exp();
            }
        }
        let mut alpha = vec![0f32; n * NT];
        for c in 0..NT {
            alpha[c] = et[BOUNDARY * NTB + c] * pe[c];
        }
        normalize(&mut alpha[..NT]);
        for t in 1..n {
            let mut s = [0f32; NT];
            for (p, row) in self.from.iter().enumerate() {
                let a = alpha[(t - 1) * NT + p];
                for c in 0..NT {
                    s[c] += a * row[c];
                }
            }
            for c in 0..NT {
                alpha[t * NT + c] = s[c] * pe[t * NT + c];
            }
            normalize(&mut alpha[t * NT..(t + 1) * NT]);
        }
        let mut beta = vec![0f32; n * NT];
        for c in 0..NT {
            beta[(n - 1) * NT + c] = et[c * NTB + BOUNDARY];
        }
        normalize(&mut beta[(n - 1) * NT..]);
        for t in (0..n - 1).rev() {
            let mut s = [0f32; NT];
            for (c, col) in self.into.iter().enumerate() {
                let (q, b) = (pe[(t + 1) * NT + c], beta[(t + 1) * NT + c]);
                for p in 0..NT {
                    s[p] += col[p] * q * b;
                }
            }
            beta[t * NT..(t + 1) * NT].copy_from_slice(&s);
            normalize(&mut beta[t * NT..(t + 1) * NT]);
        }
        (alpha, beta)
    }
}

fn normalize(v: &mut [f32]) {
    let s: f32 = v.iter().sum();
    if s > 0.0 && s.is_finite() {
        for x in v {
            *x /= s;
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(Error::Model("model file is truncated".into()));
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn string(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| Error::Model("model file has invalid UTF-8 text".into()))
    }
    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Error::Model("model file has an overlong varint".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-stage model file whose weight-row index list is `deltas` (varints).
    fn file_with_row_deltas(deltas: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        put_str(&mut out, "crafted");
        out.extend_from_slice(&1.0f32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes()); // stages
        out.extend_from_slice(&8u32.to_le_bytes()); // 2^8 rows
        out.extend_from_slice(&(NT as u32).to_le_bytes());
        out.extend_from_slice(&1.0f32.to_le_bytes()); // scale
        for _ in 0..NTB * NTB {
            out.extend_from_slice(&0.0f32.to_le_bytes());
        }
        out.extend_from_slice(&(deltas.len() as u32).to_le_bytes());
        for &d in deltas {
            put_varint(&mut out, d);
        }
        out.resize(out.len() + 2 * deltas.len() * NT, 0); // weights
        for _ in 0..3 {
            put_str(&mut out, "");
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&out).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn row_index_overflow_in_a_model_file_is_an_error() {
        // The crafted file is valid as such...
        assert!(Model::from_bytes(&file_with_row_deltas(&[1, 5])).is_ok());
        // ...and a delta that would overflow the row index is refused, not a panic.
        let err = Model::from_bytes(&file_with_row_deltas(&[1, u64::MAX]))
            .expect_err("an out-of-range row");
        assert!(err.to_string().contains("out of range"), "{err}");
        let err = Model::from_bytes(&file_with_row_deltas(&[300])).expect_err("row 300 of 256");
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    /// Every stage over every feature of the document, summed row by row: what training
    /// sees and what the cached [`Model::run`] must reproduce exactly.
    /// The token infos of `text`, sentence by sentence, computed without the cache.
    fn infos_of(model: &Model, text: &str) -> Vec<Vec<TokInfo>> {
        let tokens = tokenize(text);
        split_sentences(text, &tokens)
            .into_iter()
            .map(|r| {
                tokens[r]
                    .iter()
                    .map(|t| TokInfo::new(t.text(text), &model.res))
                    .collect()
            })
            .collect()
    }

    fn run_reference(model: &Model, infos: &[Vec<TokInfo>]) -> (Vec<Vec<u8>>, Vec<f32>) {
        let mut feats = model.res.featurize_infos(infos);
        let mut tags: Vec<Vec<u8>> = Vec::new();
        let mut all = Vec::new();
        for (k, stage) in model.stages.iter().enumerate() {
            if k > 0 {
                let flat: Vec<u8> = tags.iter().flatten().copied().collect();
                feats = feats.with_hints(&flat);
            }
            all.clear();
            let mut start = 0;
            tags = infos
                .iter()
                .map(|sent| {
                    let mut em = Vec::new();
                    stage.emissions(&feats, start..start + sent.len(), &mut em);
                    start += sent.len();
                    all.extend_from_slice(&em);
                    viterbi(&em, &stage.trans)
                })
                .collect();
        }
        (tags, all)
    }

    #[test]
    fn compact_weight_rows_match_the_dense_table_and_round_trip() {
        // A 2^10-row table where about one row in ten is not zero.
        let bits = 10;
        let mut dense = vec![0f32; (1 << bits) * NT];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for row in dense.chunks_exact_mut(NT) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x % 10 == 0 {
                for (k, w) in row.iter_mut().enumerate() {
                    *w = ((x >> (k * 3)) % 200) as f32 - 100.0;
                }
            }
        }
        let stage = Stage::from_weights(bits, &dense, &vec![0.0; NTB * NTB]);
        let stored = (0..1 << bits)
            .filter(|&r| stage.stored(r).is_some())
            .count();
        assert!(stored > 50 && stored < 200, "{stored} rows stored");
        for r in 0..1usize << bits {
            let mut acc = [0i32; NT];
            stage.add_rows(std::iter::once(r), &mut acc);
            for k in 0..NT {
                let want = (dense[r * NT + k] / stage.scale).round() as i32;
                assert_eq!(acc[k], want, "row {r} tag {k}");
            }
        }
        let mut bytes = Vec::new();
        stage.write(&mut bytes);
        let back = Stage::read(&mut Reader {
            buf: &bytes,
            pos: 0,
        })
        .unwrap();
        let mut again = Vec::new();
        back.write(&mut again);
        assert_eq!(bytes, again);
        assert_eq!(back.weights, stage.weights);
        assert_eq!(back.present, stage.present);
    }

    #[test]
    fn cached_word_scores_equal_summing_every_feature() {
        let model = Model::embedded();
        let seed = include_str!("../../seeds/000_74746990a53cdcfb.txt");
        let texts = [
            seed,
            "Hi. A. Yes , no. Paris",
            "Mr. Smith met Ms. Jones in Zürich on Monday. \"Bank of England\" rose 3%.",
            seed,
        ];
        for text in texts {
            let infos = infos_of(model, text);
            let (tags, em) = model.run(&infos);
            let (ref_tags, ref_em) = run_reference(model, &infos);
            assert_eq!(tags, ref_tags);
            // Bit-for-bit: integer sums in any order are the same sum.
            assert_eq!(em, ref_em);
            assert!(
                tags.iter().flatten().any(|&t| t != 0),
                "{text:?} has entities"
            );
        }
    }

    #[test]
    fn word_scores_stay_exact_after_the_cache_makes_room() {
        // A clone has a cache of its own, which no other test fills meanwhile.
        let model = &Model::embedded().clone();
        let seed = include_str!("../../seeds/000_74746990a53cdcfb.txt");
        let stride = model.stages.len() * GROUPS * NT;
        let other = "Mr. Smith met Ms. Jones in Zürich on Monday. The Bank of England said so.";
        // The seed fills the cache; the second text uses some of its words again, so
        // making room keeps those (renumbered) and drops the rest.
        model.run(&infos_of(model, seed));
        model.run(&infos_of(model, other));
        let (kept, before) = {
            let mut cache = model.word_scores.write();
            let before = cache.slots.len();
            cache.make_room(stride);
            (cache.slots.len(), before)
        };
        assert!(
            kept > 0 && kept < before,
            "some words kept, not all: {kept} of {before}"
        );
        for text in [other, seed] {
            let infos = infos_of(model, text);
            assert_eq!(model.run(&infos), run_reference(model, &infos), "{text:?}");
        }
        release_thread_cache();
    }

    #[test]
    fn threads_sharing_the_word_scores_tag_as_the_reference_does() {
        // Each document brings hundreds of words never seen before, so the two threads
        // fill the shared cache and make room in it while the other reads it.
        let model = &Model::embedded().clone();
        let seed = include_str!("../../seeds/000_74746990a53cdcfb.txt");
        let doc = |thread: usize, n: usize| {
            let names: Vec<String> = (0..300)
                .map(|k| format!("Mr Zq{thread}x{n}y{k} met Kw{n}v{k} in Vienna."))
                .collect();
            format!("{seed}\n{}", names.join(" "))
        };
        let docs_per_thread = 2 * CACHE_WORDS / 600 + 2;
        let done = &std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            // A third thread empties the cache now and then (as the end of an import
            // does), while the others tag.
            s.spawn(move || {
                while done.load(Ordering::Relaxed) < 2 {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    model.release_cache();
                }
            });
            for thread in 0..2 {
                s.spawn(move || {
                    for n in 0..docs_per_thread {
                        let infos = infos_of(model, &doc(thread, n));
                        assert_eq!(
                            model.run(&infos),
                            run_reference(model, &infos),
                            "thread {thread}, document {n}"
                        );
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        // Without the releases, the cache made room on its own.
        for n in 0..docs_per_thread {
            model.run(&infos_of(model, &doc(2, n)));
        }
        let cache = model.word_scores.read();
        assert!(
            cache.slots.len() < docs_per_thread * 600,
            "the cache made room: {} words",
            cache.slots.len()
        );
    }

    #[test]
    fn a_person_span_splits_at_the_words_that_join_two_names() {
        let parts = |text: &str| {
            let words: Vec<&str> = text.split(' ').collect();
            split_at(0..words.len(), |k| NAME_JOINERS.contains(&words[k]))
                .into_iter()
                .map(|r| words[r].join(" "))
                .collect::<Vec<_>>()
        };
        assert_eq!(parts("Hodgson for Edwards"), ["Hodgson", "Edwards"]);
        assert_eq!(parts("Jamelia or Lemar"), ["Jamelia", "Lemar"]);
        assert_eq!(parts("Ruud van Nistelrooy"), ["Ruud van Nistelrooy"]);
        // A joiner at either end leaves an empty part, which is no name.
        assert_eq!(parts("and Blair"), ["", "Blair"]);
        assert_eq!(
            parts("Tait or Noon or Hodgson"),
            ["Tait", "Noon", "Hodgson"]
        );
    }

    #[test]
    fn bilou_constraints() {
        let b_per = tag_of(Pos::B, 0) as usize;
        let i_per = tag_of(Pos::I, 0) as usize;
        let l_org = tag_of(Pos::L, 1) as usize;
        assert!(allowed(b_per, i_per));
        assert!(!allowed(b_per, l_org));
        assert!(!allowed(BOUNDARY, i_per));
        assert!(!allowed(b_per, 0));
        assert!(allowed(0, b_per));
    }

    /// A constrained transition table with varied weights, and emissions for `n` tokens,
    /// from a fixed pseudo-random sequence.
    fn random_lattice(seed: u64, n: usize) -> (Vec<f32>, Vec<f32>) {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % 2000) as f32 / 200.0 - 5.0
        };
        let mut trans = vec![0f32; NTB * NTB];
        for p in 0..NTB {
            for c in 0..NTB {
                trans[p * NTB + c] = if allowed(p, c) && !(p == BOUNDARY && c == BOUNDARY) {
                    next()
                } else {
                    f32::NEG_INFINITY
                };
            }
        }
        let em = (0..n * NT).map(|_| next()).collect();
        (trans, em)
    }

    #[test]
    fn viterbi_finds_the_best_allowed_path_and_posteriors_match_the_full_table() {
        for seed in 0..20 {
            let (trans, em) = random_lattice(seed, 3);
            // Every path of three tags, scored as the decoder scores it.
            let mut best = (f32::NEG_INFINITY, vec![]);
            for a in 0..NT {
                for b in 0..NT {
                    for c in 0..NT {
                        let s = trans[BOUNDARY * NTB + a]
                            + em[a]
                            + trans[a * NTB + b]
                            + em[NT + b]
                            + trans[b * NTB + c]
                            + em[2 * NT + c]
                            + trans[c * NTB + BOUNDARY];
                        if s > best.0 {
                            best = (s, vec![a as u8, b as u8, c as u8]);
                        }
                    }
                }
            }
            let tags = viterbi(&em, &trans);
            assert_eq!(tags, best.1, "seed {seed}");
            // The posteriors of the chosen tags alone are those of the full table.
            let full = marginals(&em, &trans, 0.7);
            let chosen = Forward::new(&trans, 0.7).marginals_of(&em, &tags);
            for (t, &c) in tags.iter().enumerate() {
                assert_eq!(
                    chosen[t],
                    full[t * NT + c as usize],
                    "seed {seed} token {t}"
                );
            }
            // Posteriors sum to one per token, and impossible tags get none.
            for t in 0..3 {
                let sum: f32 = full[t * NT..(t + 1) * NT].iter().sum();
                assert!((sum - 1.0).abs() < 1e-4, "seed {seed} token {t}: {sum}");
            }
            assert_eq!(full[tag_of(Pos::I, 0) as usize], 0.0);
        }
    }

    #[test]
    fn viterbi_respects_constraints() {
        let mut trans = vec![0f32; NTB * NTB];
        for p in 0..NTB {
            for c in 0..NTB {
                if !allowed(p, c) {
                    trans[p * NTB + c] = f32::NEG_INFINITY;
                }
            }
        }
        // Emissions prefer I-PER everywhere, which is never valid at the start.
        let mut em = vec![0f32; 3 * NT];
        for t in 0..3 {
            em[t * NT + tag_of(Pos::I, 0) as usize] = 5.0;
        }
        let tags = viterbi(&em, &trans);
        assert_eq!(tags[0], tag_of(Pos::B, 0));
        assert_eq!(tags[2], tag_of(Pos::L, 0));
        let probs = marginals(&em, &trans, 1.0);
        assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)));
        let sum: f32 = probs[..NT].iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
    }
}
