//! Word lists the tagger uses as features: place-name gazetteers (countries, demonyms,
//! capitals, cities, US states, continents) and a case lexicon learned from unlabeled
//! news text (how often a word is capitalised in mid-sentence).
//!
//! Both are stored inside the model file, so tagging never reads anything from disk.
//! Training reads them from the copies bundled under `models/` unless told otherwise.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::ner::features::{hash_lower, seq_hash, SEQ_SEED};
use crate::ner::tokenize::{split_sentences, tokenize};

/// Gazetteer kinds; the index is the bit in a match mask.
pub(crate) const GAZ_KINDS: [&str; 6] = [
    "country",
    "demonym",
    "capital",
    "city",
    "us_state",
    "continent",
];

/// The bit of a gazetteer kind in a match mask.
fn kind_bit(kind: &str) -> usize {
    GAZ_KINDS
        .iter()
        .position(|k| *k == kind)
        .expect("a kind of GAZ_KINDS")
}

/// Bit of a match mask saying that longer entries start with this token sequence.
const PREFIX: u8 = 0x80;

/// Gazetteer entries as `kind\tname` lines, bundled for training.
const BUNDLED_GAZETTEER: &[u8] = include_bytes!("../../models/gazetteer.tsv.gz");
/// Case lexicon as `word\tbucket` lines, bundled for training.
const BUNDLED_LEXICON: &[u8] = include_bytes!("../../models/case-lexicon.tsv.gz");

/// A hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type HashKeyed<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

/// Multi-token place names, matched case-insensitively.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gazetteer {
    /// The source lines, `kind\tname`, kept to write the model file.
    pub(crate) text: String,
    /// Hash of the lowercased token sequence -> bitmask of kinds, plus [`PREFIX`].
    pub(crate) map: HashKeyed<u8>,
    /// Longest entry, in tokens.
    pub(crate) max_len: usize,
}

impl Gazetteer {
    /// Parses `kind\tname` lines.
    pub(crate) fn from_text(text: String) -> Result<Gazetteer> {
        let mut map = HashKeyed::default();
        let mut max_len = 0;
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            let (kind, name) = line.split_once('\t').ok_or_else(|| {
                Error::Model(format!("gazetteer line {}: expected kind<TAB>name", n + 1))
            })?;
            let bit = GAZ_KINDS.iter().position(|k| *k == kind).ok_or_else(|| {
                Error::Model(format!("gazetteer line {}: unknown kind {kind:?}", n + 1))
            })?;
            let tokens = tokenize(name);
            if tokens.is_empty() || tokens.len() > 8 {
                continue;
            }
            let mut h = SEQ_SEED;
            for (k, t) in tokens.iter().enumerate() {
                h = seq_hash(h, hash_lower(t.text(name)));
                if k + 1 < tokens.len() {
                    *map.entry(h).or_insert(0) |= PREFIX;
                }
            }
            *map.entry(h).or_insert(0) |= 1 << bit;
            max_len = max_len.max(tokens.len());
        }
        Ok(Gazetteer { text, map, max_len })
    }

    /// Whether `name` is an entry of a place kind (country, capital, city, US state,
    /// continent; not a demonym), ignoring case: "Manchester", "New York".
    pub(crate) fn is_place(&self, name: &str) -> bool {
        let demonym = 1 << kind_bit("demonym");
        self.kinds(name) & !demonym != 0
    }

    /// Whether `name` is a country of the gazetteer, ignoring case: "France", "New
    /// Zealand", not "Paris".
    pub(crate) fn is_country(&self, name: &str) -> bool {
        self.kinds(name) & 1 << kind_bit("country") != 0
    }

    /// The kinds (bits of [`GAZ_KINDS`]) of the entries equal to `name`, ignoring case.
    fn kinds(&self, name: &str) -> u8 {
        let tokens = tokenize(name);
        if tokens.is_empty() || tokens.len() > self.max_len {
            return 0;
        }
        let mut h = SEQ_SEED;
        for t in &tokens {
            h = seq_hash(h, hash_lower(t.text(name)));
        }
        self.map.get(&h).map_or(0, |&mask| mask & !PREFIX)
    }

    /// The gazetteer bundled under `models/`.
    pub(crate) fn bundled() -> Result<Gazetteer> {
        Gazetteer::from_text(gunzip_text(BUNDLED_GAZETTEER)?)
    }

    /// Builds the entry list from the TSV files of a gazetteer directory
    /// (`countries.tsv`, `cities.tsv`, `regions.tsv`).
    pub(crate) fn from_dir(dir: &Path) -> Result<Gazetteer> {
        let mut lines: Vec<(usize, String)> = Vec::new();
        let mut add = |kind: usize, name: &str| {
            let name = name.trim();
            if !name.is_empty() && !name.contains('\t') {
                lines.push((kind, name.to_string()));
            }
        };
        for row in read_tsv(&dir.join("countries.tsv"))? {
            if row.len() < 7 {
                continue;
            }
            add(0, &row[0]);
            add(1, &row[3]);
            if !row[3].is_empty() && !row[3].ends_with('s') {
                add(1, &format!("{}s", row[3]));
            }
            add(2, &row[4]);
            for alt in row[6].split('|') {
                // ISO codes ("AF", "AFG") collide with words; keep real alternative names.
                let code_like =
                    alt.chars().count() <= 3 && alt.chars().all(|c| c.is_ascii_uppercase());
                if !code_like {
                    add(0, alt);
                }
            }
        }
        for row in read_tsv(&dir.join("cities.tsv"))? {
            if let Some(name) = row.first() {
                add(3, name);
            }
            if row.len() > 1 && row[1] != row[0] {
                add(3, &row[1]);
            }
        }
        for row in read_tsv(&dir.join("regions.tsv"))? {
            if row.len() < 2 {
                continue;
            }
            let kind = if row[1] == "continent" { 5 } else { 4 };
            add(kind, &row[0]);
        }
        lines.sort();
        lines.dedup();
        let mut text = String::new();
        for (kind, name) in lines {
            text.push_str(GAZ_KINDS[kind]);
            text.push('\t');
            text.push_str(&name);
            text.push('\n');
        }
        Gazetteer::from_text(text)
    }

    /// For each token, a code per kind: bits `4*kind + pos` with pos 0=B, 1=I, 2=L, 3=U of
    /// the longest match of that kind covering the token (greedy, left to right).
    pub(crate) fn annotate(&self, lower_hashes: &[u64], out: &mut Vec<u32>) {
        out.clear();
        out.resize(lower_hashes.len(), 0);
        if self.map.is_empty() {
            return;
        }
        let n = lower_hashes.len();
        // Per kind, the end of the last match taken, so matches of one kind do not overlap.
        let mut busy_until = [0usize; GAZ_KINDS.len()];
        for i in 0..n {
            let mut h = SEQ_SEED;
            let mut best = [0usize; GAZ_KINDS.len()];
            for len in 1..=self.max_len.min(n - i) {
                h = seq_hash(h, lower_hashes[i + len - 1]);
                let Some(&mask) = self.map.get(&h) else {
                    break;
                };
                for (k, b) in best.iter_mut().enumerate() {
                    if mask & (1 << k) != 0 {
                        *b = len;
                    }
                }
                if mask & PREFIX == 0 {
                    break;
                }
            }
            for (k, &len) in best.iter().enumerate() {
                if len == 0 || i < busy_until[k] {
                    continue;
                }
                busy_until[k] = i + len;
                for j in i..i + len {
                    let pos = if len == 1 {
                        3
                    } else if j == i {
                        0
                    } else if j + 1 == i + len {
                        2
                    } else {
                        1
                    };
                    out[j] |= 1 << (4 * k + pos);
                }
            }
        }
    }
}

/// How often each word is capitalised when it is not the first word of a sentence, in
/// unlabeled news text: bucket 1 (almost never) to 5 (almost always).
#[derive(Debug, Clone, Default)]
pub(crate) struct CaseLexicon {
    /// Source lines, `word\tbucket`, kept to write the model file.
    pub(crate) text: String,
    /// Hash of the lowercased word -> bucket.
    pub(crate) map: HashKeyed<u8>,
}

impl CaseLexicon {
    /// Parses `word\tbucket` lines.
    pub(crate) fn from_text(text: String) -> Result<CaseLexicon> {
        let mut map = HashKeyed::default();
        for (n, line) in text.lines().enumerate() {
            let Some((word, bucket)) = line.split_once('\t') else {
                continue;
            };
            let bucket: u8 = bucket.parse().map_err(|_| {
                Error::Model(format!(
                    "case lexicon line {}: bad bucket {bucket:?}",
                    n + 1
                ))
            })?;
            map.insert(hash_lower(word), bucket);
        }
        Ok(CaseLexicon { text, map })
    }

    /// The bucket of a word (any case), if the lexicon has it.
    pub(crate) fn bucket(&self, word: &str) -> Option<u8> {
        self.map.get(&hash_lower(word)).copied()
    }

    /// The lexicon bundled under `models/`.
    pub(crate) fn bundled() -> Result<CaseLexicon> {
        CaseLexicon::from_text(gunzip_text(BUNDLED_LEXICON)?)
    }

    /// Counts capitalisation over every `*.txt` file under `dir` (recursively, in sorted
    /// order so the result is deterministic).
    pub(crate) fn from_dir(dir: &Path) -> Result<CaseLexicon> {
        let mut files = Vec::new();
        collect_txt(dir, &mut files)?;
        files.sort();
        let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
        for path in &files {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let tokens = tokenize(&text);
            for sent in split_sentences(&text, &tokens) {
                for (k, t) in tokens[sent.clone()].iter().enumerate() {
                    let w = t.text(&text);
                    let mut chars = w.chars();
                    let Some(first) = chars.next() else { continue };
                    if k == 0 || !first.is_alphabetic() {
                        continue;
                    }
                    let e = counts.entry(w.to_lowercase()).or_default();
                    if first.is_uppercase() {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
        }
        let mut words: Vec<(String, u8)> = counts
            .into_iter()
            .filter(|(_, (cap, low))| cap + low >= 3)
            .map(|(w, (cap, low))| {
                let ratio = f64::from(cap) / f64::from(cap + low);
                let bucket = match ratio {
                    r if r < 0.05 => 1,
                    r if r < 0.4 => 2,
                    r if r < 0.8 => 3,
                    r if r < 0.97 => 4,
                    _ => 5,
                };
                (w, bucket)
            })
            .collect();
        words.sort();
        let mut text = String::new();
        for (w, b) in words {
            text.push_str(&w);
            text.push('\t');
            text.push_str(&b.to_string());
            text.push('\n');
        }
        CaseLexicon::from_text(text)
    }
}

pub(crate) fn collect_txt(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            collect_txt(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    Ok(())
}

fn read_tsv(path: &Path) -> Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text
        .lines()
        .skip(1)
        .map(|l| {
            l.trim_end_matches('\r')
                .split('\t')
                .map(str::to_string)
                .collect()
        })
        .collect())
}

/// Decompresses gzip bytes holding UTF-8 text.
pub(crate) fn gunzip_text(bytes: &[u8]) -> Result<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| Error::Model(format!("corrupt bundled resource: {e}")))?;
    Ok(text)
}

/// Compresses text with gzip.
pub(crate) fn gzip_text(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(text.as_bytes())
        .expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Rebuilds the bundled resources under `models_dir` from a gazetteer directory and a
/// directory of unlabeled `*.txt` news texts.
pub fn build_resources(
    gazetteer_dir: &Path,
    unlabeled_dir: &Path,
    models_dir: &Path,
) -> Result<()> {
    let gaz = Gazetteer::from_dir(gazetteer_dir)?;
    let lex = CaseLexicon::from_dir(unlabeled_dir)?;
    let clusters = crate::ner::clusters::WordClusters::from_dir(unlabeled_dir)?;
    let p = models_dir.join("clusters.tsv.gz");
    std::fs::write(&p, gzip_text(&clusters.text)).map_err(|e| Error::io(&p, e))?;
    let p = models_dir.join("gazetteer.tsv.gz");
    std::fs::write(&p, gzip_text(&gaz.text)).map_err(|e| Error::io(&p, e))?;
    let p = models_dir.join("case-lexicon.tsv.gz");
    std::fs::write(&p, gzip_text(&lex.text)).map_err(|e| Error::io(&p, e))?;
    Ok(())
}
