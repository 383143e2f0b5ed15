//! Trains the NER model: `cargo run --release --example ner_train -- --train eng.train
//! --dev eng.testa --out models/ner-conll03.bin.gz [--epochs N] [--seed N] [--bits N]
//! [--gazetteers DIR] [--unlabeled DIR] [--one-stage] [--build-resources]`.
//!
//! `--build-resources` rewrites `models/gazetteer.tsv.gz` and `models/case-lexicon.tsv.gz`
//! from `--gazetteers` and `--unlabeled` and exits (rebuild the crate afterwards so the
//! bundled copies are used).

use std::path::PathBuf;
use std::time::Instant;

use newsdb::ner::{self, TrainOptions};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut train = None;
    let mut dev = None;
    let mut out = PathBuf::from("models/ner-conll03.bin.gz");
    let mut opts = TrainOptions::default();
    let mut build = false;
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--train" => train = Some(PathBuf::from(val()?)),
            "--dev" => dev = Some(PathBuf::from(val()?)),
            "--out" => out = PathBuf::from(val()?),
            "--epochs" => opts.epochs = val()?.parse()?,
            "--seed" => opts.seed = val()?.parse()?,
            "--bits" => opts.hash_bits = val()?.parse()?,
            "--gazetteers" => opts.gazetteer_dir = Some(PathBuf::from(val()?)),
            "--unlabeled" => opts.unlabeled_dir = Some(PathBuf::from(val()?)),
            "--build-resources" => build = true,
            "--one-stage" => opts.two_stage = false,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if build {
        let (Some(g), Some(u)) = (&opts.gazetteer_dir, &opts.unlabeled_dir) else {
            return Err("--build-resources needs --gazetteers and --unlabeled".into());
        };
        let dir = out.parent().map(PathBuf::from).unwrap_or_default();
        ner::build_resources(g, u, &dir)?;
        eprintln!("wrote resources to {}", dir.display());
        return Ok(());
    }
    let train = train.ok_or("--train is required")?;
    let dev = dev.ok_or("--dev is required")?;
    let t0 = Instant::now();
    let model = ner::train(&train, &dev, &opts, &mut |epoch, r| {
        let per: Vec<String> = r
            .per_type
            .iter()
            .map(|s| format!("{} {:.4}", s.label, s.f1))
            .collect();
        eprintln!(
            "epoch {epoch:2}: dev F1 {:.4} (P {:.4} R {:.4}) [{}] {:.1}s",
            r.overall.f1,
            r.overall.precision,
            r.overall.recall,
            per.join(", "),
            t0.elapsed().as_secs_f64()
        );
    })?;
    model.save(&out)?;
    let size = std::fs::metadata(&out)?.len();
    eprintln!(
        "saved {} ({} bytes, version {}) in {:.1}s",
        out.display(),
        size,
        model.version(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
