//! `newsdb ner`: train, evaluate and run the named-entity tagger on CoNLL files.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use newsdb::ner::{self, EvalReport, Model, TrainOptions};
use newsdb::output::Table;

use super::Ctx;

/// Train, evaluate and run the NER model (CoNLL-2003 files).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Resources(ResourcesArgs),
    Train(TrainArgs),
    Eval(EvalArgs),
    Tag(TagArgs),
}

/// Train a model on a CoNLL-2003 file; no other labeled file is read.
///
/// Every 7th document of the file (by -DOCSTART-; --holdout-every) is held out: a
/// model trained on the others chooses the epochs of each tagging pass and fits the
/// confidence temperature on it. The model written is then trained on every document
/// with those choices, so a test file such as eng.testa stays an independent measure.
/// Deterministic: the same files and options give a byte-identical model. Prints the
/// held-out scores after each epoch. The committed model `models/ner-conll03.bin.gz`
/// is built into newsdb; after retraining it, rebuild to use the new one.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example (reproduces the committed model byte for byte):
  newsdb ner train --train ../shared/data/conll2003/eng.train \\
      --out models/ner-conll03.bin.gz")]
pub struct TrainArgs {
    /// Training data (CoNLL-2003: token POS chunk NER, IOB1 tags).
    #[arg(long)]
    train: PathBuf,
    /// Hold out documents N, 2N, 3N, ... of the training data (counted from 1) to
    /// choose the epochs and calibrate the confidences.
    #[arg(long, value_name = "N", default_value_t = TrainOptions::default().holdout_every)]
    holdout_every: usize,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
    /// Most training epochs per tagging pass (the best one on the held-out documents
    /// is kept).
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    epochs: usize,
    /// Seed of the training-order shuffle.
    #[arg(long, default_value_t = TrainOptions::default().seed)]
    seed: u64,
    /// Size of the hashed feature table, as a power of two.
    #[arg(long, default_value_t = TrainOptions::default().hash_bits)]
    bits: u32,
    /// Gazetteer directory (countries.tsv, cities.tsv, regions.tsv) for gazetteer
    /// features; the bundled lists are used when absent.
    #[arg(long)]
    gazetteers: Option<PathBuf>,
    /// Unlabeled news texts for word-shape features; the bundled lexicon is used when
    /// absent.
    #[arg(long)]
    unlabeled: Option<PathBuf>,
    /// Train one tagging pass only (no second, document-aware pass).
    #[arg(long)]
    one_stage: bool,
    /// Train on the documents as they are only, without their recased copies (all
    /// lower case, all upper case, headlines in Title Case) that make the tagger
    /// robust to casing; about three times faster.
    #[arg(long)]
    no_case_augment: bool,
}

/// Rebuild the feature resources that training reads (gazetteer, case lexicon, word
/// clusters) from the shared data, into `models/`. Rebuild newsdb afterwards.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  newsdb ner resources --gazetteers ../shared/data/gazetteers \\
      --unlabeled ../shared/data/bbc --out models/")]
pub struct ResourcesArgs {
    /// Gazetteer directory (countries.tsv, cities.tsv, regions.tsv).
    #[arg(long)]
    gazetteers: PathBuf,
    /// Directory of unlabeled news texts.
    #[arg(long)]
    unlabeled: PathBuf,
    /// Directory to write the resource files to.
    #[arg(long, default_value = "models")]
    out: PathBuf,
}

/// Score the built-in model on a CoNLL file: precision, recall and F1 per type and
/// overall, exact spans (conlleval rules).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  newsdb ner eval --conll ../shared/data/conll2003/eng.testa")]
pub struct EvalArgs {
    /// CoNLL file with gold tags in the last column.
    #[arg(long)]
    conll: PathBuf,
    /// Score this model file instead of the built-in one.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Print every line of a CoNLL file with the predicted tag appended as a last column
/// (blank and -DOCSTART- lines kept), for conlleval-style scorers.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  newsdb ner tag --conll ../shared/data/conll2003/eng.testa > tagged.txt")]
pub struct TagArgs {
    /// CoNLL file (the first column is the token).
    #[arg(long)]
    conll: PathBuf,
    /// Use this model file instead of the built-in one.
    #[arg(long)]
    model: Option<PathBuf>,
}

fn load(path: &Option<PathBuf>) -> Result<Model> {
    Ok(match path {
        Some(p) => Model::load(p).with_context(|| format!("loading {}", p.display()))?,
        None => Model::embedded().clone(),
    })
}

/// A score to 4 decimals, kept a number (JSON prints numbers, not strings).
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn report_table(r: &EvalReport) -> Table {
    let mut t = Table::new(&[
        "type",
        "precision",
        "recall",
        "f1",
        "gold",
        "predicted",
        "correct",
    ]);
    for s in r.per_type.iter().chain(std::iter::once(&r.overall)) {
        t.rows.push(vec![
            s.label.clone().into(),
            round4(s.precision).into(),
            round4(s.recall).into(),
            round4(s.f1).into(),
            s.gold.into(),
            s.predicted.into(),
            s.correct.into(),
        ]);
    }
    t
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Resources(a) => {
            ner::build_resources(&a.gazetteers, &a.unlabeled, &a.out)?;
            eprintln!(
                "wrote the NER resources to {}; rebuild newsdb to bundle them",
                a.out.display()
            );
        }
        Command::Train(a) => {
            let mut opts = TrainOptions {
                epochs: a.epochs,
                seed: a.seed,
                hash_bits: a.bits,
                holdout_every: a.holdout_every,
                ..TrainOptions::default()
            };
            opts.gazetteer_dir = a.gazetteers;
            opts.unlabeled_dir = a.unlabeled;
            opts.two_stage = !a.one_stage;
            opts.case_augment = !a.no_case_augment;
            let started = Instant::now();
            let trained = ner::train(&a.train, &opts, &mut |epoch, r| {
                let per: Vec<String> = r
                    .per_type
                    .iter()
                    .map(|s| format!("{} {:.4}", s.label, s.f1))
                    .collect();
                eprintln!(
                    "epoch {epoch}: held-out F1 {:.4} ({}) [{:.0} s]",
                    r.overall.f1,
                    per.join(", "),
                    started.elapsed().as_secs_f64()
                );
            })?;
            let model = &trained.model;
            model.save(&a.out)?;
            eprintln!(
                "chosen on {} held-out documents of {}: pass 1 {} epochs, pass 2 {}, \
                 temperature {:.3}, held-out F1 {:.4}",
                trained.heldout_documents,
                trained.documents,
                trained.stage1_epochs,
                trained
                    .stage2_epochs
                    .map_or("not used".to_string(), |e| format!("{e} epochs")),
                trained.temperature,
                trained.heldout.overall.f1
            );
            eprintln!(
                "wrote {} ({} version {}, {:.1} MB; trained on all {} documents) in {:.0} s",
                a.out.display(),
                model.name(),
                model.version(),
                std::fs::metadata(&a.out).map_or(0.0, |m| m.len() as f64 / 1e6),
                trained.documents,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Eval(a) => {
            let model = load(&a.model)?;
            let report = ner::evaluate(&model, &a.conll)?;
            ctx.print(&report_table(&report))?;
        }
        Command::Tag(a) => {
            let model = load(&a.model)?;
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            ner::tag_conll(&model, &a.conll, &mut out)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
