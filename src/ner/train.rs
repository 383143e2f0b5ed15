//! Training: a structured averaged perceptron over BILOU tags with Viterbi decoding.
//!
//! Every choice training makes (the epoch counts of both passes, whether the second
//! pass helps, the confidence temperature) is made on a held-out slice of the training
//! file itself, every `holdout_every`-th document; the shipped model is then trained on
//! the whole file with those choices, so a test file like eng.testa stays an
//! independent measure. Features do not depend on predicted tags, so every training
//! sentence is featurized once up front; an epoch is then only scoring, decoding and
//! sparse updates. Training is single-threaded and the shuffle uses a seeded generator,
//! so the same inputs and options give byte-identical model files.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ner::clusters::WordClusters;
use crate::ner::conll::{evaluate_docs, read_conll, to_bilou, ConllDoc, EvalReport, GoldTag};
use crate::ner::features::{DocFeatures, Resources};
use crate::ner::gazetteer::{CaseLexicon, Gazetteer};
use crate::ner::model::{allowed, viterbi, Model, Stage, NT, NTB};

/// The name given to trained models.
pub const MODEL_NAME: &str = "newsdb-ner-conll03";

/// Options for [`train`].
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Most passes over the training data per tagging pass; the best epoch on the
    /// held-out documents is kept.
    pub epochs: usize,
    /// Seed of the per-epoch shuffle.
    pub seed: u64,
    /// The weight table has `2^hash_bits` rows (one weight per tag each).
    pub hash_bits: u32,
    /// Documents `holdout_every`, `2 * holdout_every`, ... of the training file
    /// (counted from 1; a `-DOCSTART-` line starts a document, and eng.train's first
    /// document has none) are held out to choose the epochs and calibrate the
    /// confidences; the final model is trained on every document.
    pub holdout_every: usize,
    /// Directory with `countries.tsv`, `cities.tsv`, `regions.tsv` to build the
    /// gazetteer from; `None` uses the copy bundled under `models/`.
    pub gazetteer_dir: Option<PathBuf>,
    /// Directory of unlabeled `*.txt` news texts to build the case lexicon and word
    /// clusters from; `None`
    /// uses the copy bundled under `models/`.
    pub unlabeled_dir: Option<PathBuf>,
    /// Adds a second pass that also sees the first pass's tags of the same words
    /// elsewhere in the document (trained on two-fold cross-validated first-pass tags).
    /// Epochs of the second pass are reported to `on_epoch` as `epochs + 1 ..`.
    pub two_stage: bool,
    /// Also trains on recased copies of every training document (all lower case, all
    /// upper case, and headline sentences in Title Case), so that the tagger reads
    /// headlines, wire copy and uncased text (Mayhew et al. 2019). The copies of a
    /// document stay in the same cross-validation fold, and are held out with it.
    pub case_augment: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 20,
            seed: 1,
            hash_bits: 20,
            holdout_every: 7,
            gazetteer_dir: None,
            unlabeled_dir: None,
            two_stage: true,
            case_augment: true,
        }
    }
}

/// A trained model and the choices made on the held-out documents.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model trained on every document of the training file.
    pub model: Model,
    /// Epochs of the first tagging pass.
    pub stage1_epochs: usize,
    /// Epochs of the second tagging pass, `None` when the model has one pass (not
    /// asked for, or it did not beat the first pass on the held-out documents).
    pub stage2_epochs: Option<usize>,
    /// The confidence temperature fitted on the held-out documents.
    pub temperature: f32,
    /// Scores on the held-out documents of the model trained without them.
    pub heldout: EvalReport,
    /// Documents in the training file.
    pub documents: usize,
    /// Documents held out to make the choices.
    pub heldout_documents: usize,
}

/// One featurized training sentence.
struct Instance {
    /// Weight-table rows, token after token.
    rows: Vec<u32>,
    /// `offsets[t]..offsets[t+1]` are token `t`'s rows.
    offsets: Vec<u32>,
    gold: Vec<u8>,
}

/// Perceptron weights with the running sums needed for averaging.
struct Weights {
    w: Vec<f32>,
    /// Sum of `update * step` per weight, so that the average is `w - acc / steps`.
    acc: Vec<f64>,
    trans: Vec<f32>,
    trans_acc: Vec<f64>,
    step: f64,
}

impl Weights {
    fn new(rows: usize) -> Weights {
        Weights {
            w: vec![0.0; rows * NT],
            acc: vec![0.0; rows * NT],
            trans: vec![0.0; NTB * NTB],
            trans_acc: vec![0.0; NTB * NTB],
            step: 1.0,
        }
    }

    fn add(&mut self, i: usize, d: f32) {
        self.w[i] += d;
        self.acc[i] += f64::from(d) * self.step;
    }

    fn add_trans(&mut self, i: usize, d: f32) {
        self.trans[i] += d;
        self.trans_acc[i] += f64::from(d) * self.step;
    }

    fn averaged(&self) -> (Vec<f32>, Vec<f32>) {
        let avg = |w: &[f32], acc: &[f64]| -> Vec<f32> {
            w.iter()
                .zip(acc)
                .map(|(&w, &a)| (f64::from(w) - a / self.step) as f32)
                .collect()
        };
        (avg(&self.w, &self.acc), avg(&self.trans, &self.trans_acc))
    }
}

/// A small deterministic generator (SplitMix64) for the shuffle.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Whether document `index` (from 0) of the training file is held out: documents
/// `every`, `2 * every`, ... counted from 1.
fn is_held_out(index: usize, every: usize) -> bool {
    (index + 1) % every == 0
}

/// Featurized training documents (each original and its recased copies).
struct Corpus {
    /// Features and gold BILOU tags per sentence of each (recased) document.
    docs: Vec<(DocFeatures, Vec<Vec<u8>>)>,
    /// The index in the training file of the document each was made from.
    origin: Vec<usize>,
    bits: u32,
    seed: u64,
}

impl Corpus {
    /// Trains the first pass on the documents `which` for `epochs`, calling
    /// `after_epoch` with each epoch's stage.
    fn stage1(
        &self,
        which: &[usize],
        epochs: usize,
        after_epoch: &mut dyn FnMut(usize, Stage) -> Result<()>,
    ) -> Result<Stage> {
        let data = instances(&self.docs, which, self.bits, |d| self.docs[d].0.clone());
        train_stage(&data, self.bits, epochs, self.seed, after_epoch)
    }

    /// Trains the second pass on the documents `which`, with first-pass tags from two
    /// models of `stage1_epochs` each that did not see the document (two folds by
    /// origin), so the second pass learns how far to trust them.
    fn stage2(
        &self,
        which: &[usize],
        stage1_epochs: usize,
        epochs: usize,
        after_epoch: &mut dyn FnMut(usize, Stage) -> Result<()>,
    ) -> Result<Stage> {
        let mut hints: Vec<Vec<u8>> = vec![Vec::new(); self.docs.len()];
        for fold in 0..2 {
            let (held, rest): (Vec<usize>, Vec<usize>) = which
                .iter()
                .copied()
                .partition(|&d| self.origin[d] % 2 == fold);
            let stage = self.stage1(&rest, stage1_epochs, &mut |_, _| Ok(()))?;
            let held_data = instances(&self.docs, &held, self.bits, |d| self.docs[d].0.clone());
            let mut k = 0;
            for &d in &held {
                for _ in &self.docs[d].1 {
                    let inst = &held_data[k];
                    hints[d].extend(stage.tag_rows(&inst.rows, &inst.offsets));
                    k += 1;
                }
            }
        }
        let data = instances(&self.docs, which, self.bits, |d| {
            self.docs[d].0.with_hints(&hints[d])
        });
        train_stage(&data, self.bits, epochs, self.seed, after_epoch)
    }
}

/// Trains a model on a CoNLL-2003 `train` file.
///
/// Every `opts.holdout_every`-th document is held out, and a model trained on the
/// others picks the epochs of each pass and whether the second pass helps (by F1 on the
/// held-out documents), and fits the confidence temperature on them. The returned
/// model is then trained on every document for those epochs, with that temperature.
/// No other file is read. Deterministic: same inputs and options give byte-identical
/// model files. Calls `on_epoch(epoch, heldout_report)` after each epoch of the
/// choosing run (epochs count from 1).
pub fn train(
    train: &Path,
    opts: &TrainOptions,
    on_epoch: &mut dyn FnMut(usize, &EvalReport),
) -> Result<Trained> {
    if !(10..=24).contains(&opts.hash_bits) {
        return Err(Error::InvalidArgument(format!(
            "hash bits must be between 10 and 24, got {}",
            opts.hash_bits
        )));
    }
    if opts.epochs == 0 {
        return Err(Error::InvalidArgument("epochs must be at least 1".into()));
    }
    if opts.holdout_every < 2 {
        return Err(Error::InvalidArgument(format!(
            "holdout must be every 2nd document or sparser, got every {}",
            opts.holdout_every
        )));
    }
    let res = Resources {
        gazetteer: match &opts.gazetteer_dir {
            Some(dir) => Gazetteer::from_dir(dir)?,
            None => Gazetteer::bundled()?,
        },
        lexicon: match &opts.unlabeled_dir {
            Some(dir) => CaseLexicon::from_dir(dir)?,
            None => CaseLexicon::bundled()?,
        },
        clusters: match &opts.unlabeled_dir {
            Some(dir) => WordClusters::from_dir(dir)?,
            None => WordClusters::bundled()?,
        },
    };
    let train_docs = read_conll(train)?;
    let heldout_docs: Vec<ConllDoc> = train_docs
        .iter()
        .enumerate()
        .filter(|&(i, _)| is_held_out(i, opts.holdout_every))
        .map(|(_, d)| d.clone())
        .collect();
    if heldout_docs.is_empty() || heldout_docs.len() == train_docs.len() {
        return Err(Error::InvalidArgument(format!(
            "{} has {} documents (-DOCSTART- lines): holding out every {} leaves none {}",
            train.display(),
            train_docs.len(),
            opts.holdout_every,
            if heldout_docs.is_empty() {
                "held out (use a smaller --holdout-every)"
            } else {
                "to train on"
            }
        )));
    }
    let recasings: &[Recase] = if opts.case_augment {
        &[
            Recase::Keep,
            Recase::Lower,
            Recase::Upper,
            Recase::TitleHeadlines,
        ]
    } else {
        &[Recase::Keep]
    };
    let mut corpus = Corpus {
        docs: Vec::new(),
        origin: Vec::new(),
        bits: opts.hash_bits,
        seed: opts.seed,
    };
    for (o, doc) in train_docs.iter().enumerate() {
        let gold: Vec<Vec<u8>> = doc
            .sentences
            .iter()
            .map(|s| {
                let g: Vec<GoldTag> = s.gold.iter().map(|g| g.unwrap_or(GoldTag::O)).collect();
                to_bilou(&g)
            })
            .collect();
        for &how in recasings {
            let Some(words) = recase_doc(doc, how) else {
                continue;
            };
            let sentences: Vec<Vec<&str>> = words
                .iter()
                .map(|s| s.iter().map(String::as_str).collect())
                .collect();
            corpus.docs.push((res.featurize(&sentences), gold.clone()));
            corpus.origin.push(o);
        }
    }
    if corpus.docs.iter().all(|d| d.1.is_empty()) {
        return Err(Error::Model(format!(
            "no training sentences in {}",
            train.display()
        )));
    }
    let all: Vec<usize> = (0..corpus.docs.len()).collect();
    let kept: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&d| !is_held_out(corpus.origin[d], opts.holdout_every))
        .collect();

    // Choosing: stage 1 on the kept documents, the best epoch on the held-out ones.
    let mut best1: Option<(f64, Stage, usize)> = None;
    corpus.stage1(&kept, opts.epochs, &mut |epoch, stage| {
        let model = Model::from_stages(MODEL_NAME, vec![stage.clone()], res.clone());
        let report = evaluate_docs(&model, &heldout_docs)?;
        on_epoch(epoch, &report);
        if best1.as_ref().is_none_or(|b| report.overall.f1 > b.0) {
            best1 = Some((report.overall.f1, stage, epoch));
        }
        Ok(())
    })?;
    let (f1_1, stage1, epochs1) = best1.expect("at least one epoch ran");
    let mut chosen = Model::from_stages(MODEL_NAME, vec![stage1.clone()], res.clone());
    let mut epochs2 = None;
    if opts.two_stage {
        let mut best2: Option<(f64, Model, usize)> = None;
        corpus.stage2(&kept, epochs1, opts.epochs, &mut |epoch, stage| {
            let model = Model::from_stages(MODEL_NAME, vec![stage1.clone(), stage], res.clone());
            let report = evaluate_docs(&model, &heldout_docs)?;
            on_epoch(opts.epochs + epoch, &report);
            if best2.as_ref().is_none_or(|b| report.overall.f1 > b.0) {
                best2 = Some((report.overall.f1, model, epoch));
            }
            Ok(())
        })?;
        let (f1_2, model2, e2) = best2.expect("at least one epoch ran");
        if f1_2 > f1_1 {
            chosen = model2;
            epochs2 = Some(e2);
        }
    }
    chosen.calibrate(&heldout_docs);
    let heldout = evaluate_docs(&chosen, &heldout_docs)?;
    let temperature = chosen.temperature();
    drop(chosen);

    // The shipped model: the same passes and epochs on every document.
    let stage1 = corpus.stage1(&all, epochs1, &mut |_, _| Ok(()))?;
    let mut stages = vec![stage1];
    if let Some(e2) = epochs2 {
        stages.push(corpus.stage2(&all, epochs1, e2, &mut |_, _| Ok(()))?);
    }
    let mut model = Model::from_stages(MODEL_NAME, stages, res);
    model.set_temperature(temperature);
    Ok(Trained {
        model,
        stage1_epochs: epochs1,
        stage2_epochs: epochs2,
        temperature,
        heldout,
        documents: train_docs.len(),
        heldout_documents: heldout_docs.len(),
    })
}

/// A recasing of a training document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recase {
    /// The document as it is.
    Keep,
    /// Every word in lower case.
    Lower,
    /// Every word in upper case.
    Upper,
    /// Headline sentences (at least 80% of the words with letters in upper case) in
    /// Title Case, as many publishers write headlines; the rest as it is.
    TitleHeadlines,
}

/// Whether a sentence is an all-caps headline: at least 80% of its words with letters
/// are upper case.
fn is_headline(words: &[String]) -> bool {
    let mut letters = 0;
    let mut upper = 0;
    for w in words {
        if w.chars().any(|c| c.is_ascii_alphabetic()) {
            letters += 1;
            if w.chars().any(char::is_uppercase) && !w.chars().any(char::is_lowercase) {
                upper += 1;
            }
        }
    }
    letters > 0 && upper * 5 >= letters * 4
}

/// "SOCCER" -> "Soccer": the first char upper case, the rest lower case.
fn title_case(w: &str) -> String {
    let mut chars = w.chars();
    match chars.next() {
        Some(c) => c
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// The words of `doc` recased `how`, `None` when that changes nothing worth training on
/// (a Title Case copy of a document without headlines).
fn recase_doc(doc: &ConllDoc, how: Recase) -> Option<Vec<Vec<String>>> {
    if how == Recase::TitleHeadlines && !doc.sentences.iter().any(|s| is_headline(&s.words)) {
        return None;
    }
    Some(
        doc.sentences
            .iter()
            .map(|s| {
                let headline = how == Recase::TitleHeadlines && is_headline(&s.words);
                s.words
                    .iter()
                    .map(|w| match how {
                        Recase::Keep => w.clone(),
                        Recase::Lower => w.to_lowercase(),
                        Recase::Upper => w.to_uppercase(),
                        Recase::TitleHeadlines if headline => title_case(w),
                        Recase::TitleHeadlines => w.clone(),
                    })
                    .collect()
            })
            .collect(),
    )
}

/// Turns documents `which` into training instances, with the features `feats(doc)`.
fn instances(
    docs: &[(DocFeatures, Vec<Vec<u8>>)],
    which: &[usize],
    bits: u32,
    feats: impl Fn(usize) -> DocFeatures,
) -> Vec<Instance> {
    let mut out = Vec::new();
    for &d in which {
        let f = feats(d);
        let mut tok = 0;
        for gold in &docs[d].1 {
            let mut rows = Vec::new();
            let mut offsets = vec![0u32];
            for _ in 0..gold.len() {
                rows.extend(
                    f.hashes[f.offsets[tok]..f.offsets[tok + 1]]
                        .iter()
                        .map(|&h| (h >> (64 - bits)) as u32),
                );
                offsets.push(rows.len() as u32);
                tok += 1;
            }
            out.push(Instance {
                rows,
                offsets,
                gold: gold.clone(),
            });
        }
    }
    out
}

/// Runs the averaged perceptron for `epochs` passes over `data`, calling `after_epoch`
/// with the averaged, quantized weights after each; returns the last of them.
fn train_stage(
    data: &[Instance],
    bits: u32,
    epochs: usize,
    seed: u64,
    after_epoch: &mut dyn FnMut(usize, Stage) -> Result<()>,
) -> Result<Stage> {
    let mut wts = Weights::new(1 << bits);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = SplitMix(seed);
    let mut em = Vec::new();
    let mut constrained = vec![0f32; NTB * NTB];
    let mut last = None;
    for epoch in 1..=epochs {
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &k in &order {
            let inst = &data[k];
            let n = inst.gold.len();
            em.clear();
            for t in 0..n {
                let mut acc = [0f32; NT];
                for &r in &inst.rows[inst.offsets[t] as usize..inst.offsets[t + 1] as usize] {
                    let w = &wts.w[r as usize * NT..r as usize * NT + NT];
                    for c in 0..NT {
                        acc[c] += w[c];
                    }
                }
                em.extend_from_slice(&acc);
            }
            for p in 0..NTB {
                for c in 0..NTB {
                    constrained[p * NTB + c] = if allowed(p, c) {
                        wts.trans[p * NTB + c]
                    } else {
                        f32::NEG_INFINITY
                    };
                }
            }
            let pred = viterbi(&em, &constrained);
            if pred != inst.gold {
                for t in 0..n {
                    let (g, p) = (inst.gold[t] as usize, pred[t] as usize);
                    if g != p {
                        for &r in &inst.rows[inst.offsets[t] as usize..inst.offsets[t + 1] as usize]
                        {
                            wts.add(r as usize * NT + g, 1.0);
                            wts.add(r as usize * NT + p, -1.0);
                        }
                    }
                }
                let boundary = NT;
                for t in 0..=n {
                    let gp = if t == 0 {
                        boundary
                    } else {
                        inst.gold[t - 1] as usize
                    };
                    let gc = if t == n {
                        boundary
                    } else {
                        inst.gold[t] as usize
                    };
                    let pp = if t == 0 {
                        boundary
                    } else {
                        pred[t - 1] as usize
                    };
                    let pc = if t == n { boundary } else { pred[t] as usize };
                    if (gp, gc) != (pp, pc) {
                        wts.add_trans(gp * NTB + gc, 1.0);
                        wts.add_trans(pp * NTB + pc, -1.0);
                    }
                }
            }
            wts.step += 1.0;
        }
        let (w, trans) = wts.averaged();
        let stage = Stage::from_weights(bits, &w, &trans);
        if epoch == epochs {
            last = Some(stage.clone());
        }
        after_epoch(epoch, stage)?;
    }
    Ok(last.expect("epochs is at least 1"))
}
