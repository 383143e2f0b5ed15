//! Feature extraction: each token gets a few dozen hashed features (word, shape,
//! affixes, neighbours, gazetteer matches, document-level capitalisation evidence).
//!
//! Features are never materialised as strings: each token's word, lowercase form,
//! shape and affixes are hashed once, and a feature is a mix of a template id with
//! those hashes. The hash is mapped to a row of the weight table by its top bits.

use crate::ner::clusters::WordClusters;
use crate::ner::gazetteer::{CaseLexicon, Gazetteer, HashKeyed, GAZ_KINDS};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Seed of a token-sequence hash (see [`seq_hash`]).
pub(crate) const SEQ_SEED: u64 = 0x51_7cc1_b727_220a;

#[inline]
fn fnv_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Mixes two hashes (order matters).
#[inline]
pub(crate) fn mix(h: u64, x: u64) -> u64 {
    let v = (h.rotate_left(23) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    v ^ (v >> 31)
}

/// Extends a token-sequence hash by one token's lowercase hash.
#[inline]
pub(crate) fn seq_hash(h: u64, token: u64) -> u64 {
    mix(h, token)
}

/// Hash of a string's bytes.
#[inline]
pub(crate) fn hash_str(s: &str) -> u64 {
    fnv_bytes(FNV_OFFSET, s.as_bytes())
}

/// Hash of a string's lowercase form, without allocating.
pub(crate) fn hash_lower(s: &str) -> u64 {
    if s.is_ascii() {
        let mut h = FNV_OFFSET;
        for &b in s.as_bytes() {
            h ^= u64::from(b.to_ascii_lowercase());
            h = h.wrapping_mul(FNV_PRIME);
        }
        return h;
    }
    let mut h = FNV_OFFSET;
    let mut buf = [0u8; 4];
    for c in s.chars().flat_map(char::to_lowercase) {
        h = fnv_bytes(h, c.encode_utf8(&mut buf).as_bytes());
    }
    h
}

/// Shape of a token ("Xxxx", "dd-dd", "X.X.") and its short form with runs collapsed
/// ("Xx", "d-d", "X.X."), as hashes. The long shape keeps at most 8 chars.
fn hash_shapes(s: &str) -> (u64, u64) {
    let mut long = FNV_OFFSET;
    let mut short = FNV_OFFSET;
    let mut last = 0u8;
    for (n, c) in s.chars().enumerate() {
        let class = if c.is_uppercase() {
            b'X'
        } else if c.is_lowercase() {
            b'x'
        } else if c.is_ascii_digit() {
            b'd'
        } else if c.is_alphanumeric() {
            b'a'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'*'
        };
        if n < 8 {
            long = fnv_bytes(long, &[class]);
        }
        if class != last {
            short = fnv_bytes(short, &[class]);
            last = class;
        }
    }
    (long, short)
}

/// Case class of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Case {
    /// "Paris"
    Title = 0,
    /// "NATO"
    Upper = 1,
    /// "said"
    Lower = 2,
    /// "iPhone", "McDonald"
    Mixed = 3,
    /// "1996", ","
    NoLetters = 4,
}

fn case_of(s: &str) -> Case {
    let mut upper = 0;
    let mut lower = 0;
    let mut first_upper = false;
    for (n, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            upper += 1;
            if n == 0 {
                first_upper = true;
            }
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    match (upper, lower) {
        (0, 0) => Case::NoLetters,
        (_, 0) => Case::Upper,
        (0, _) => Case::Lower,
        (1, _) if first_upper => Case::Title,
        _ if first_upper => Case::Mixed,
        _ => Case::Mixed,
    }
}

/// How a whole sentence is cased: news text, or one of the recasings that headlines,
/// wire copy, transcripts and social media use. Features conjoined with it let one
/// weight table read a capital letter as evidence in running text and as nothing in
/// a headline or an all-caps line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Regime {
    /// Ordinary sentence casing.
    Normal = 0,
    /// No upper-case letter at all.
    Lower = 1,
    /// At least 80% of the words with letters are all upper case.
    Upper = 2,
    /// At least 80% of the words with letters (and at least two) start upper case.
    Title = 3,
}

/// A feature value that reads the case of a word, kept apart per sentence [`Regime`]:
/// a capital means a name in running text and little in a headline. Ordinary sentences
/// keep the plain value; case-insensitive features (the lowercase word, its neighbours,
/// clusters, gazetteer and lexicon) are shared, so names learned in one regime carry over.
#[inline]
fn cased(x: u64, regime: Regime) -> u64 {
    match regime {
        Regime::Normal => x,
        r => mix(x, 0xca5e_0000 | r as u64),
    }
}

/// The [`Regime`] of a sentence of hashed tokens.
pub(crate) fn regime_of(sent: &[TokInfo]) -> Regime {
    let (mut letters, mut upper, mut lower, mut capital) = (0usize, 0usize, 0usize, 0usize);
    for t in sent {
        match t.case {
            c if c == Case::NoLetters as u8 => continue,
            c if c == Case::Upper as u8 => {
                upper += 1;
                capital += 1;
            }
            c if c == Case::Lower as u8 => lower += 1,
            _ => capital += 1,
        }
        letters += 1;
    }
    if letters == 0 {
        Regime::Normal
    } else if upper * 5 >= letters * 4 {
        Regime::Upper
    } else if lower == letters {
        Regime::Lower
    } else if letters >= 2 && capital * 5 >= letters * 4 {
        Regime::Title
    } else {
        Regime::Normal
    }
}

/// Everything about one token that features need, hashed once.
#[derive(Debug, Clone, Default)]
pub(crate) struct TokInfo {
    word: u64,
    lower: u64,
    shape: u64,
    short_shape: u64,
    prefixes: [u64; 4],
    suffixes: [u64; 4],
    case: u8,
    /// Length bucket (1, 2, 3, 4-6, 7+ chars).
    len: u8,
    has_digit: bool,
    has_hyphen: bool,
    has_period: bool,
    lex: u8,
    /// Lowercase hashes of the first and last parts of a hyphenated word ("al", "assad"
    /// in "al-Assad"), 0 otherwise.
    seg_first: u64,
    seg_last: u64,
    /// Case class of the last part of a hyphenated word.
    seg_last_case: u8,
    /// Coarse and fine word-cluster ids (0 when the word was not clustered).
    clusters: (u16, u16),
}

impl TokInfo {
    /// Hashes one token.
    pub(crate) fn new(s: &str, res: &Resources) -> TokInfo {
        let (shape, short_shape) = hash_shapes(s);
        let lower = hash_lower(s);
        // Byte offsets of the ends of the first four chars and starts of the last four.
        let mut heads = [s.len(); 4];
        let mut nchars = 0;
        for (n, (i, _)) in s.char_indices().skip(1).take(4).enumerate() {
            heads[n] = i;
        }
        let mut tails = [0usize; 4];
        for (n, (i, _)) in s.char_indices().rev().take(4).enumerate() {
            tails[n] = i;
            nchars = n + 1;
        }
        if nchars == 4 {
            nchars = s.chars().count();
        }
        let mut prefixes = [1u64; 4];
        let mut suffixes = [1u64; 4];
        for k in 0..4.min(nchars) {
            prefixes[k] = hash_str(&s[..heads[k]]);
            suffixes[k] = hash_str(&s[tails[k]..]);
        }
        let (seg_first, seg_last, seg_last_case) = match (s.find('-'), s.rfind('-')) {
            (Some(a), Some(b)) if a > 0 && b + 1 < s.len() => (
                hash_lower(&s[..a]),
                hash_lower(&s[b + 1..]),
                case_of(&s[b + 1..]) as u8,
            ),
            _ => (0, 0, 0),
        };
        TokInfo {
            seg_first,
            seg_last,
            seg_last_case,
            word: hash_str(s),
            lower,
            shape,
            short_shape,
            prefixes,
            suffixes,
            case: case_of(s) as u8,
            len: match nchars {
                0..=3 => nchars as u8,
                4..=6 => 4,
                _ => 5,
            },
            has_digit: s.bytes().any(|b| b.is_ascii_digit()),
            has_hyphen: s.len() > 1 && s.contains('-'),
            has_period: s.len() > 1 && s.contains('.'),
            lex: res.lexicon.map.get(&lower).copied().unwrap_or(0),
            clusters: res.clusters.map.get(&lower).copied().unwrap_or((0, 0)),
        }
    }

    /// The hash of the exact word in a sentence of `regime`: equal keys mean equal
    /// per-word features.
    pub(crate) fn word_key(&self, regime: Regime) -> u64 {
        cased(self.word, regime)
    }

    /// The hash of the lowercase form (for gazetteer matching).
    pub(crate) fn lower(&self) -> u64 {
        self.lower
    }
}

/// Document-level evidence: which words appear capitalised in mid-sentence and which
/// appear in lowercase anywhere in the document.
#[derive(Debug, Default)]
pub(crate) struct DocContext {
    /// Lowercase hash -> bit 0: seen in title/mixed case not sentence-initially;
    /// bit 1: seen all lowercase.
    seen: HashKeyed<u8>,
}

impl DocContext {
    /// Collects evidence from the sentences of one document.
    pub(crate) fn new<'a>(sentences: impl Iterator<Item = &'a [TokInfo]>) -> DocContext {
        let mut seen = HashKeyed::default();
        for sent in sentences {
            // A capital in a Title Case headline says nothing about the word.
            let cased = regime_of(sent) == Regime::Normal;
            for (i, t) in sent.iter().enumerate() {
                let bit = match t.case {
                    c if c == Case::Lower as u8 => 2,
                    c if cased && (c == Case::Title as u8 || c == Case::Mixed as u8) && i > 0 => 1,
                    _ => 0,
                };
                if bit != 0 {
                    *seen.entry(t.lower).or_insert(0u8) |= bit;
                }
            }
        }
        DocContext { seen }
    }
}

const BOS: u64 = 0x0123_4567_89ab_cdef;
const EOS: u64 = 0xfedc_ba98_7654_3210;

/// The template hash of feature value `x`.
#[inline]
fn f(template: u64, x: u64) -> u64 {
    mix(
        mix(template.wrapping_mul(0x2545_F491_4F6C_DD1D), x),
        template,
    )
}

/// Appends the feature hashes of token `i` of a sentence to `out`: the token's own
/// features, its neighbours' and its context's.
pub(crate) fn token_features(sent: &SentContext<'_>, i: usize, out: &mut Vec<u64>) {
    own_features(&sent.tokens[i], i == 0, sent.regime, out);
    for n in Neighbour::ALL {
        neighbour_features(n, n.of(sent.tokens, i), sent.regime, out);
    }
    // The order the committed model was trained with: training sums float weights in
    // this order, and another order may round differently and train another model.
    neighbourhood_features(sent, i, out);
    casing_features(&sent.tokens[i], i == 0, sent.regime, out);
    document_features(sent, i, out);
}

/// A sentence with what its tokens' context features read besides the tokens.
pub(crate) struct SentContext<'a> {
    /// The sentence's tokens.
    pub(crate) tokens: &'a [TokInfo],
    /// Gazetteer match codes, one per token.
    pub(crate) gaz: &'a [u32],
    /// Evidence from the whole document.
    pub(crate) doc: &'a DocContext,
    /// How the sentence is cased.
    pub(crate) regime: Regime,
}

/// A neighbour of a token whose features depend on that neighbour's word alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Neighbour {
    /// The previous token.
    Prev,
    /// The token two before.
    Prev2,
    /// The next token.
    Next,
    /// The token two after.
    Next2,
}

impl Neighbour {
    /// Every neighbour, in the order their features are emitted.
    pub(crate) const ALL: [Neighbour; 4] = [
        Neighbour::Prev,
        Neighbour::Prev2,
        Neighbour::Next,
        Neighbour::Next2,
    ];

    /// The index of this neighbour of token `i` in a sentence of `n` tokens, `None`
    /// past the sentence's edges.
    #[inline]
    pub(crate) fn index(self, i: usize, n: usize) -> Option<usize> {
        match self {
            Neighbour::Prev => i.checked_sub(1),
            Neighbour::Prev2 => i.checked_sub(2),
            Neighbour::Next => Some(i + 1).filter(|&j| j < n),
            Neighbour::Next2 => Some(i + 2).filter(|&j| j < n),
        }
    }

    /// The neighbour of token `i` in `sent`, `None` past the sentence's edges.
    #[inline]
    pub(crate) fn of(self, sent: &[TokInfo], i: usize) -> Option<&TokInfo> {
        self.index(i, sent.len()).map(|j| &sent[j])
    }
}

/// Features of a token that depend only on its own word, on whether it starts its
/// sentence and on the sentence's regime (so a tagger may cache their scores per word
/// and regime).
pub(crate) fn own_features(t: &TokInfo, first: bool, regime: Regime, out: &mut Vec<u64>) {
    let first = u64::from(first);
    out.push(f(0, 0));
    out.push(f(1, cased(t.word, regime)));
    out.push(f(2, t.lower));
    out.push(f(3, cased(t.shape, regime)));
    out.push(f(4, cased(t.short_shape, regime)));
    for k in 0..4 {
        out.push(f(5 + k as u64, cased(t.prefixes[k], regime)));
        out.push(f(9 + k as u64, cased(t.suffixes[k], regime)));
    }
    let flags = u64::from(t.case)
        | first << 3
        | u64::from(t.has_digit) << 4
        | u64::from(t.has_hyphen) << 5
        | u64::from(t.has_period) << 6
        | u64::from(t.len) << 8;
    out.push(f(24, cased(flags, regime)));
    out.push(f(25, cased(u64::from(t.case) | first << 3, regime)));
    if t.seg_last != 0 {
        out.push(f(38, cased(t.seg_first, regime)));
        out.push(f(39, cased(t.seg_last, regime)));
    }
    out.push(f(41, u64::from(t.clusters.0)));
    out.push(f(42, u64::from(t.clusters.1)));
    out.push(f(
        43,
        cased(
            u64::from(t.clusters.1) | u64::from(t.case) << 16 | first << 20,
            regime,
        ),
    ));
    out.push(f(
        35,
        cased(
            u64::from(t.lex) | u64::from(t.case) << 4 | first << 8,
            regime,
        ),
    ));
}

/// The sentence's casing with the token's case, case-lexicon bucket, cluster and
/// shape: what a capital (or its absence) means depends on it. Like
/// [`own_features`], they depend only on the word, whether it starts its sentence and
/// the sentence's regime, so a tagger caches their scores with the word's; training
/// takes them among the context features, where they were first (see
/// [`token_features`]).
pub(crate) fn casing_features(t: &TokInfo, first: bool, regime: Regime, out: &mut Vec<u64>) {
    let first = u64::from(first);
    let r = regime as u64;
    out.push(f(70, r | u64::from(t.case) << 2 | first << 5));
    out.push(f(
        71,
        u64::from(t.lex) | u64::from(t.case) << 4 | first << 8 | r << 9,
    ));
    out.push(f(72, u64::from(t.clusters.1) | r << 16));
    out.push(f(73, mix(t.short_shape, r)));
}

/// Features of a token that depend only on the word of neighbour `which` and the
/// sentence's regime (`None` when the sentence ends before it: then they do not depend
/// on the regime).
pub(crate) fn neighbour_features(
    which: Neighbour,
    n: Option<&TokInfo>,
    regime: Regime,
    out: &mut Vec<u64>,
) {
    let lower = n.map_or(
        if matches!(which, Neighbour::Prev | Neighbour::Prev2) {
            BOS
        } else {
            EOS
        },
        |n| n.lower,
    );
    match which {
        Neighbour::Prev | Neighbour::Next => {
            let prev = which == Neighbour::Prev;
            let edge = if prev { BOS } else { EOS };
            out.push(f(if prev { 13 } else { 14 }, lower));
            out.push(f(
                if prev { 17 } else { 18 },
                n.map_or(edge, |n| cased(n.short_shape, regime)),
            ));
            if let Some(n) = n {
                out.push(f(
                    if prev { 36 } else { 37 },
                    cased(u64::from(n.lex) << 4 | u64::from(n.case), regime),
                ));
            }
            out.push(f(
                if prev { 44 } else { 45 },
                n.map_or(1 << 30, |n| u64::from(n.clusters.1)),
            ));
        }
        Neighbour::Prev2 => out.push(f(15, lower)),
        Neighbour::Next2 => out.push(f(16, lower)),
    }
}

/// Features of token `i` that depend on more than one word, on gazetteer matches or on
/// the rest of the document: what a tagger cannot cache per word.
pub(crate) fn context_features(ctx: &SentContext<'_>, i: usize, out: &mut Vec<u64>) {
    neighbourhood_features(ctx, i, out);
    document_features(ctx, i, out);
}

/// The context features of token `i` that read its neighbours and gazetteer matches.
fn neighbourhood_features(ctx: &SentContext<'_>, i: usize, out: &mut Vec<u64>) {
    let (sent, gaz) = (ctx.tokens, ctx.gaz);
    let t = &sent[i];
    let n = sent.len();
    let prev = Neighbour::Prev.of(sent, i);
    let next = Neighbour::Next.of(sent, i);
    let (lower_prev, lower_next) = (prev.map_or(BOS, |p| p.lower), next.map_or(EOS, |x| x.lower));
    let (sshape_prev, sshape_next) = (
        prev.map_or(BOS, |p| p.short_shape),
        next.map_or(EOS, |x| x.short_shape),
    );
    let regime = ctx.regime;
    out.push(f(19, cased(mix(sshape_prev, t.short_shape), regime)));
    out.push(f(20, cased(mix(t.short_shape, sshape_next), regime)));
    out.push(f(
        21,
        cased(mix(mix(sshape_prev, t.short_shape), sshape_next), regime),
    ));
    out.push(f(22, mix(lower_prev, t.lower)));
    out.push(f(23, mix(t.lower, lower_next)));
    out.push(f(26, mix(t.lower, lower_prev.wrapping_add(sshape_next))));
    if i > 0 {
        out.push(f(27, cased(mix(sent[i - 1].word, t.short_shape), regime)));
    }
    if i + 1 < n {
        out.push(f(28, cased(mix(t.short_shape, sent[i + 1].word), regime)));
    }
    // Gazetteer: the token's own position in a match, and the kinds matched next to it.
    let g = gaz[i];
    if g != 0 {
        for k in 0..GAZ_KINDS.len() {
            let code = (g >> (4 * k)) & 0xf;
            if code != 0 {
                out.push(f(30, (k as u64) << 8 | u64::from(code)));
                out.push(f(
                    31,
                    cased(
                        (k as u64) << 8 | u64::from(code) << 4 | u64::from(t.case),
                        regime,
                    ),
                ));
            }
        }
    }
    if i > 0 && gaz[i - 1] != 0 {
        out.push(f(32, u64::from(kinds_of(gaz[i - 1]))));
    }
    if i + 1 < n && gaz[i + 1] != 0 {
        out.push(f(33, u64::from(kinds_of(gaz[i + 1]))));
    }
}

/// The context features of token `i` that read the rest of the document.
fn document_features(ctx: &SentContext<'_>, i: usize, out: &mut Vec<u64>) {
    let (t, doc, regime) = (&ctx.tokens[i], ctx.doc, ctx.regime);
    let first = u64::from(i == 0);
    // Document evidence, only interesting for capitalised tokens.
    if t.case != Case::Lower as u8 && t.case != Case::NoLetters as u8 {
        let seen = doc.seen.get(&t.lower).copied().unwrap_or(0);
        out.push(f(
            34,
            cased(
                u64::from(seen) | u64::from(t.case) << 2 | first << 5,
                regime,
            ),
        ));
    }
    if t.seg_last != 0 {
        let seen = doc.seen.get(&t.seg_last).copied().unwrap_or(0);
        out.push(f(
            40,
            cased(
                u64::from(seen) | u64::from(t.seg_last_case) << 2 | u64::from(t.case) << 5,
                regime,
            ),
        ));
    }
}

fn kinds_of(code: u32) -> u8 {
    let mut kinds = 0u8;
    for k in 0..GAZ_KINDS.len() {
        if (code >> (4 * k)) & 0xf != 0 {
            kinds |= 1 << k;
        }
    }
    kinds
}

/// Resources the featurizer needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resources {
    pub(crate) gazetteer: Gazetteer,
    pub(crate) lexicon: CaseLexicon,
    pub(crate) clusters: WordClusters,
}

/// Feature hashes of a whole document: per sentence, per token, a run of hashes.
#[derive(Debug, Default, Clone)]
pub(crate) struct DocFeatures {
    /// All hashes, token after token.
    pub(crate) hashes: Vec<u64>,
    /// `offsets[t]..offsets[t+1]` are token `t`'s hashes (tokens numbered across the doc).
    pub(crate) offsets: Vec<usize>,
    /// Per token: lowercase hash, case class, whether it starts a sentence, and its
    /// sentence's [`Regime`].
    tokens: Vec<(u64, u8, bool, u8)>,
}

/// Whether the second pass counts a token's first-pass type as evidence about its word:
/// capitalised words, and every word with letters in a sentence with no capitals
/// (where names are lower case too).
fn counted(case: u8, regime: u8) -> bool {
    case != Case::NoLetters as u8 && (case != Case::Lower as u8 || regime == Regime::Lower as u8)
}

impl DocFeatures {
    /// The features of a second tagging pass: these features plus ones built from the
    /// first pass's BILOU `tags` (one per token of the document): the token's own tag,
    /// its neighbours' tags, and the types the same word got elsewhere in the document.
    pub(crate) fn with_hints(&self, tags: &[u8]) -> DocFeatures {
        let n = self.tokens.len();
        debug_assert_eq!(tags.len(), n);
        let ty = |t: u8| crate::ner::model::untag(t).map(|x| x.1);
        // Per word: how often each type (index 0..4) and no type (4) was predicted.
        let mut counts: HashKeyed<[u16; 5]> = HashKeyed::default();
        for (k, &(lower, case, _, regime)) in self.tokens.iter().enumerate() {
            if !counted(case, regime) {
                continue;
            }
            let c = counts.entry(lower).or_insert([0; 5]);
            c[ty(tags[k]).unwrap_or(4)] += 1;
        }
        let mut out = DocFeatures {
            hashes: Vec::with_capacity(self.hashes.len() + 6 * n),
            offsets: Vec::with_capacity(n + 1),
            tokens: self.tokens.clone(),
        };
        out.offsets.push(0);
        for k in 0..n {
            out.hashes
                .extend_from_slice(&self.hashes[self.offsets[k]..self.offsets[k + 1]]);
            let (lower, case, first, regime) = self.tokens[k];
            let own = tags[k];
            let prev = if k == 0 || first { 255 } else { tags[k - 1] };
            let next = if k + 1 == n || self.tokens[k + 1].2 {
                255
            } else {
                tags[k + 1]
            };
            out.hashes.push(f(60, u64::from(own)));
            out.hashes
                .push(f(61, u64::from(prev) << 8 | u64::from(next)));
            if let Some(c) = counts.get(&lower) {
                let mut others = *c;
                if counted(case, regime) {
                    others[ty(own).unwrap_or(4)] -= 1;
                }
                let total: u16 = others.iter().sum();
                if total > 0 {
                    let best = (0..5).max_by_key(|&i| (others[i], 5 - i)).unwrap_or(4);
                    let share = if others[best] == total { 1 } else { 0 };
                    out.hashes.push(f(62, best as u64 | share << 4));
                    out.hashes.push(f(
                        63,
                        best as u64
                            | u64::from(case) << 4
                            | u64::from(first) << 8
                            | u64::from(regime) << 9,
                    ));
                    out.hashes.push(f(64, best as u64 | u64::from(own) << 4));
                }
            }
            out.offsets.push(out.hashes.len());
        }
        out
    }
}

impl Resources {
    /// Featurizes a document given as sentences of words.
    pub(crate) fn featurize<'a, S>(&self, sentences: &[S]) -> DocFeatures
    where
        S: AsRef<[&'a str]>,
    {
        self.featurize_infos(&self.infos(sentences))
    }

    /// Hashes the words of a document given as sentences of words.
    pub(crate) fn infos<'a, S>(&self, sentences: &[S]) -> Vec<Vec<TokInfo>>
    where
        S: AsRef<[&'a str]>,
    {
        sentences
            .iter()
            .map(|s| s.as_ref().iter().map(|w| TokInfo::new(w, self)).collect())
            .collect()
    }

    /// Featurizes a document given as sentences of hashed tokens: every feature of every
    /// token (what training sees).
    pub(crate) fn featurize_infos(&self, infos: &[Vec<TokInfo>]) -> DocFeatures {
        self.featurize_with(infos, token_features, 48)
    }

    /// Featurizes a document with only the [`context_features`]: a tagger adds the scores
    /// of the per-word features ([`own_features`], [`casing_features`],
    /// [`neighbour_features`]) from a cache.
    pub(crate) fn featurize_context(&self, infos: &[Vec<TokInfo>]) -> DocFeatures {
        self.featurize_with(infos, context_features, 12)
    }

    fn featurize_with(
        &self,
        infos: &[Vec<TokInfo>],
        features: fn(&SentContext<'_>, usize, &mut Vec<u64>),
        per_token: usize,
    ) -> DocFeatures {
        let doc = DocContext::new(infos.iter().map(Vec::as_slice));
        let total: usize = infos.iter().map(Vec::len).sum();
        let mut out = DocFeatures {
            hashes: Vec::with_capacity(total * per_token),
            offsets: Vec::with_capacity(total + 1),
            tokens: Vec::with_capacity(total),
        };
        out.offsets.push(0);
        let mut gaz = Vec::new();
        let mut lowers = Vec::new();
        for sent in infos {
            lowers.clear();
            lowers.extend(sent.iter().map(TokInfo::lower));
            self.gazetteer.annotate(&lowers, &mut gaz);
            let ctx = SentContext {
                tokens: sent,
                gaz: &gaz,
                doc: &doc,
                regime: regime_of(sent),
            };
            for i in 0..sent.len() {
                out.tokens
                    .push((sent[i].lower, sent[i].case, i == 0, ctx.regime as u8));
                features(&ctx, i, &mut out.hashes);
                out.offsets.push(out.hashes.len());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_hash_matches_lowercased_string() {
        assert_eq!(hash_lower("ÉCOLE Paris"), hash_str("école paris"));
        assert_eq!(hash_lower("NATO"), hash_str("nato"));
    }

    #[test]
    fn case_classes() {
        assert_eq!(case_of("Paris"), Case::Title);
        assert_eq!(case_of("NATO"), Case::Upper);
        assert_eq!(case_of("iPhone"), Case::Mixed);
        assert_eq!(case_of("1996"), Case::NoLetters);
    }
}
