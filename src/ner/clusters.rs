//! Word clusters learned from unlabeled news text, so that words the labeled data never
//! shows still share features with words that occur in the same contexts.
//!
//! Each frequent word is described by the counts of its left and right neighbours
//! (among the most frequent words), and spherical k-means groups those vectors at two
//! granularities. Initialisation and iteration order are fixed, so the result is
//! deterministic; the assignment step runs in parallel without affecting the output.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ner::features::hash_lower;
use crate::ner::gazetteer::{collect_txt, gunzip_text, HashKeyed};
use crate::ner::tokenize::{split_sentences, tokenize};

/// Clusters as `word\tcoarse\tfine` lines, bundled for training.
const BUNDLED: &[u8] = include_bytes!("../../models/clusters.tsv.gz");

/// Numbers of clusters of the coarse and the fine clustering.
const GRANULARITIES: [usize; 2] = [64, 384];
/// Words seen fewer times are not clustered.
const MIN_COUNT: u32 = 4;
/// Context words: the most frequent ones.
const CONTEXT_WORDS: usize = 800;
const ITERATIONS: usize = 12;

/// Word -> (coarse, fine) cluster ids, both counted from 1 (0 is "not clustered").
#[derive(Debug, Clone, Default)]
pub(crate) struct WordClusters {
    /// Source lines, kept to write the model file.
    pub(crate) text: String,
    /// Hash of the lowercased word -> cluster ids.
    pub(crate) map: HashKeyed<(u16, u16)>,
}

impl WordClusters {
    /// Parses `word\tcoarse\tfine` lines.
    pub(crate) fn from_text(text: String) -> Result<WordClusters> {
        let mut map = HashKeyed::default();
        for (n, line) in text.lines().enumerate() {
            let mut cols = line.split('\t');
            let (Some(word), Some(a), Some(b)) = (cols.next(), cols.next(), cols.next()) else {
                return Err(Error::Model(format!(
                    "clusters line {}: expected 3 columns",
                    n + 1
                )));
            };
            let parse = |s: &str| {
                s.parse::<u16>()
                    .map_err(|_| Error::Model(format!("clusters line {}: bad id {s:?}", n + 1)))
            };
            map.insert(hash_lower(word), (parse(a)?, parse(b)?));
        }
        Ok(WordClusters { text, map })
    }

    /// The clusters bundled under `models/`.
    pub(crate) fn bundled() -> Result<WordClusters> {
        WordClusters::from_text(gunzip_text(BUNDLED)?)
    }

    /// Learns clusters from every `*.txt` file under `dir`.
    pub(crate) fn from_dir(dir: &Path) -> Result<WordClusters> {
        let mut files = Vec::new();
        collect_txt(dir, &mut files)?;
        files.sort();
        // Sentences of lowercased words, as vocabulary ids.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut sentences: Vec<Vec<usize>> = Vec::new();
        for path in &files {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let tokens = tokenize(&text);
            for range in split_sentences(&text, &tokens) {
                let sent = tokens[range]
                    .iter()
                    .map(|t| {
                        let w = t.text(&text).to_lowercase();
                        let id = *ids.entry(w.clone()).or_insert_with(|| {
                            words.push(w);
                            counts.push(0);
                            words.len() - 1
                        });
                        counts[id] += 1;
                        id
                    })
                    .collect();
                sentences.push(sent);
            }
        }
        // Vocabulary and context words, by frequency then spelling.
        let mut by_freq: Vec<usize> = (0..words.len()).collect();
        by_freq.sort_by(|&a, &b| {
            counts[b]
                .cmp(&counts[a])
                .then_with(|| words[a].cmp(&words[b]))
        });
        let vocab: Vec<usize> = by_freq
            .iter()
            .copied()
            .filter(|&w| counts[w] >= MIN_COUNT)
            .collect();
        let mut row_of = vec![usize::MAX; words.len()];
        for (r, &w) in vocab.iter().enumerate() {
            row_of[w] = r;
        }
        let mut ctx_of = vec![usize::MAX; words.len()];
        for (c, &w) in by_freq.iter().take(CONTEXT_WORDS).enumerate() {
            ctx_of[w] = c;
        }
        let dims = 2 * (CONTEXT_WORDS + 1);
        let boundary = CONTEXT_WORDS;
        // Sparse context counts per vocabulary word.
        let mut ctx: Vec<HashMap<usize, f32>> = vec![HashMap::new(); vocab.len()];
        for sent in &sentences {
            for (i, &w) in sent.iter().enumerate() {
                let r = row_of[w];
                if r == usize::MAX {
                    continue;
                }
                let left = if i == 0 {
                    boundary
                } else {
                    ctx_of[sent[i - 1]]
                };
                let right = sent.get(i + 1).map_or(boundary, |&x| ctx_of[x]);
                if left != usize::MAX {
                    *ctx[r].entry(left).or_insert(0.0) += 1.0;
                }
                if right != usize::MAX {
                    *ctx[r].entry(CONTEXT_WORDS + 1 + right).or_insert(0.0) += 1.0;
                }
            }
        }
        let vectors: Vec<Vec<(usize, f32)>> = ctx
            .into_iter()
            .map(|m| {
                let mut v: Vec<(usize, f32)> =
                    m.into_iter().map(|(d, c)| (d, (1.0 + c).ln())).collect();
                v.sort_by_key(|x| x.0);
                let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
                if norm > 0.0 {
                    for x in &mut v {
                        x.1 /= norm;
                    }
                }
                v
            })
            .collect();
        let assignments: Vec<Vec<usize>> = GRANULARITIES
            .iter()
            .map(|&k| kmeans(&vectors, dims, k.min(vectors.len().max(1))))
            .collect();
        let mut text = String::new();
        for (r, &w) in vocab.iter().enumerate() {
            if words[w].contains(['\t', '\n']) {
                continue;
            }
            text.push_str(&words[w]);
            for a in &assignments {
                text.push('\t');
                text.push_str(&(a[r] + 1).to_string());
            }
            text.push('\n');
        }
        WordClusters::from_text(text)
    }
}

/// Spherical k-means; centroids start at the `k` most frequent words (rows are sorted
/// by frequency).
fn kmeans(vectors: &[Vec<(usize, f32)>], dims: usize, k: usize) -> Vec<usize> {
    if vectors.is_empty() || k == 0 {
        return vec![0; vectors.len()];
    }
    let mut centroids = vec![0f32; k * dims];
    for c in 0..k {
        for &(d, x) in &vectors[c] {
            centroids[c * dims + d] = x;
        }
    }
    let mut assign = vec![0usize; vectors.len()];
    for _ in 0..ITERATIONS {
        assign = vectors
            .par_iter()
            .map(|v| {
                let mut best = (f32::NEG_INFINITY, 0);
                for c in 0..k {
                    let cen = &centroids[c * dims..(c + 1) * dims];
                    let s: f32 = v.iter().map(|&(d, x)| cen[d] * x).sum();
                    if s > best.0 {
                        best = (s, c);
                    }
                }
                best.1
            })
            .collect();
        centroids.iter_mut().for_each(|x| *x = 0.0);
        for (v, &c) in vectors.iter().zip(&assign) {
            for &(d, x) in v {
                centroids[c * dims + d] += x;
            }
        }
        for c in 0..k {
            let cen = &mut centroids[c * dims..(c + 1) * dims];
            let norm = cen.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                cen.iter_mut().for_each(|x| *x /= norm);
            }
        }
    }
    assign
}
