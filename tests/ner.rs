//! Named-entity recognition: tokenizer offsets, sentence splitting, conlleval scoring,
//! the embedded model on the seed article and CoNLL-2003 dev data, and `ner train` and
//! `ner resources` on small slices.

mod common;

use std::io::Write;

use newsdb::ner::{self, split_sentences, tokenize, EntitySpan, Model};
use newsdb::EntityKind;
use predicates::prelude::*;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/seeds/000_74746990a53cdcfb.txt"
);

fn words(text: &str) -> Vec<&str> {
    tokenize(text).iter().map(|t| t.text(text)).collect()
}

#[test]
fn token_offsets_match_bytes_and_chars_on_non_ascii_text() {
    let text = "Café au lait in 中文新闻 👩‍👩‍👧 naïve e\u{301}cole 🇫🇷 \u{0} مرحبا 東京's \u{301}x";
    let chars: Vec<char> = text.chars().collect();
    let tokens = tokenize(text);
    assert!(!tokens.is_empty());
    let mut last_end = 0;
    for t in &tokens {
        assert!(t.start_byte >= last_end && t.start_byte < t.end_byte);
        let by_bytes = &text[t.start_byte..t.end_byte];
        let by_chars: String = chars[t.start_char..t.end_char].iter().collect();
        assert_eq!(by_bytes, by_chars);
        assert_eq!(t.text(text), by_bytes);
        last_end = t.end_byte;
    }
    let w = words(text);
    assert!(w.contains(&"Café"));
    assert!(w.contains(&"中文新闻"));
    assert!(w.contains(&"e\u{301}cole"));
    assert!(w.contains(&"'s"));
}

#[test]
fn tokenizer_never_panics_on_odd_input() {
    for text in [
        "",
        " ",
        "\u{0}",
        "'",
        "'s",
        "a'",
        "...",
        "U.S",
        "U.S.",
        "1,",
        "-x-",
        "\u{301}",
        "\u{200d}\u{200d}",
        "🏽a",
        "\r\n\r\n",
    ] {
        for t in tokenize(text) {
            assert!(text.is_char_boundary(t.start_byte) && text.is_char_boundary(t.end_byte));
            assert!(t.start_byte < t.end_byte);
        }
    }
}

proptest::proptest! {
    #[test]
    fn tokens_are_exact_slices_of_any_input(text in proptest::prelude::any::<String>()) {
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize(&text);
        let mut last = 0;
        for t in &tokens {
            proptest::prop_assert!(last <= t.start_byte && t.start_byte < t.end_byte);
            let by_chars: String = chars[t.start_char..t.end_char].iter().collect();
            proptest::prop_assert_eq!(t.text(&text), by_chars.as_str());
            last = t.end_byte;
        }
        let sentences = split_sentences(&text, &tokens);
        let covered: usize = sentences.iter().map(|r| r.len()).sum();
        proptest::prop_assert_eq!(covered, tokens.len());
        for span in Model::embedded().extract(&text) {
            proptest::prop_assert!(text.is_char_boundary(span.start_byte) && span.start_byte < span.end_byte);
        }
    }
}

#[test]
fn tokenizer_keeps_names_and_splits_possessives() {
    assert_eq!(
        words("Bashar al-Assad's Tehran-backed allies e-mail the U.S. about 1,000.5 tonnes."),
        [
            "Bashar",
            "al-Assad",
            "'s",
            "Tehran-backed",
            "allies",
            "e-mail",
            "the",
            "U.S.",
            "about",
            "1,000.5",
            "tonnes",
            "."
        ]
    );
    assert_eq!(words("Damascus’s gains"), ["Damascus", "’s", "gains"]);
    assert_eq!(
        words("(\"Hi,\" she said)"),
        ["(", "\"", "Hi", ",", "\"", "she", "said", ")"]
    );
}

#[test]
fn sentence_splitter_handles_abbreviations_and_initials() {
    let text =
        "Mr. Smith and Dr. J. Doe arrived on Jan. 5 at 10 a.m. in the U.S. The visit was short. \
                It ended!\n\nA new paragraph";
    let tokens = tokenize(text);
    let sentences: Vec<&str> = split_sentences(text, &tokens)
        .into_iter()
        .map(|r| &text[tokens[r.start].start_byte..tokens[r.end - 1].end_byte])
        .collect();
    assert_eq!(
        sentences,
        [
            "Mr. Smith and Dr. J. Doe arrived on Jan. 5 at 10 a.m. in the U.S.",
            "The visit was short.",
            "It ended!",
            "A new paragraph"
        ]
    );
}

#[test]
fn conll_eval_reads_iob1_gold_and_tag_writes_bio() {
    // Gold (IOB1): "John Smith" PER (starts with I-), "Paris" LOC, "EU" ORG, "French"
    // MISC; an easy text the embedded model gets right. The scorer itself is tested on
    // controlled predictions in src/ner/conll.rs, and against the tagged column on
    // eng.testa below.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tiny.conll");
    let mut f = std::fs::File::create(&path).expect("create");
    write!(
        f,
        "-DOCSTART- -X- O O\r\n\r\nJohn NNP I-NP I-PER\r\nSmith NNP I-NP I-PER\r\nvisited VBD I-VP O\r\n\
         Paris NNP I-NP I-LOC\r\n.  . O O\r\n\r\nThe DT I-NP O\r\nEU NNP I-NP I-ORG\r\nbacked VBD I-VP O\r\n\
         French JJ I-NP I-MISC\r\nplans NNS I-NP O\r\n\r\n"
    )
    .expect("write");
    drop(f);
    let report = ner::evaluate(Model::embedded(), &path).expect("evaluate");
    assert_eq!(report.sentences, 2);
    assert_eq!(report.tokens, 10);
    let labels: Vec<&str> = report.per_type.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["LOC", "MISC", "ORG", "PER"]);
    for s in &report.per_type {
        assert_eq!((s.gold, s.predicted, s.correct), (1, 1, 1), "{s:?}");
    }
    assert_eq!(
        (
            report.overall.gold,
            report.overall.predicted,
            report.overall.correct
        ),
        (4, 4, 4)
    );
    assert!((report.overall.f1 - 1.0).abs() < 1e-12);

    let mut out = Vec::new();
    ner::tag_conll(Model::embedded(), &path, &mut out).expect("tag");
    let out = String::from_utf8(out).expect("utf8");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "-DOCSTART- -X- O O");
    assert_eq!(lines[1], "");
    assert_eq!(lines[2], "John NNP I-NP I-PER B-PER");
    assert_eq!(lines[3], "Smith NNP I-NP I-PER I-PER");

    std::fs::write(&path, "John NNP I-NP I-PER\nSmith NNP I-NP PERSON\n").expect("write");
    let err = ner::evaluate(Model::embedded(), &path).expect_err("bad tag");
    assert!(err.to_string().contains(":2:"), "{err}");
}

/// Entity spans `(sentence, start, end, type)` of one tag column, by conlleval's rules
/// written out afresh: a span starts at `B-X`, or at `I-X` after `O` or another type,
/// and ends before `O`, before a tag that starts a span, or at the sentence end.
fn conlleval_spans(sentences: &[Vec<&str>]) -> Vec<(usize, usize, usize, String)> {
    let mut out = Vec::new();
    for (n, tags) in sentences.iter().enumerate() {
        let mut open: Option<(usize, &str)> = None;
        for (i, tag) in tags.iter().chain(["O"].iter()).enumerate() {
            let (prefix, ty) = tag.split_once('-').unwrap_or(("O", ""));
            let starts = prefix == "B" || (prefix == "I" && open.map(|o| o.1) != Some(ty));
            if let Some((s, oty)) = open {
                if prefix == "O" || starts {
                    out.push((n, s, i, oty.to_string()));
                    open = None;
                }
            }
            if prefix != "O" && open.is_none() {
                open = Some((i, ty));
            }
        }
    }
    out
}

#[test]
fn ner_eval_counts_equal_conlleval_over_the_tagged_column_of_conll_dev() {
    let Some(testa) = common::shared_file("conll2003/eng.testa") else {
        return;
    };
    let mut out = Vec::new();
    ner::tag_conll(Model::embedded(), &testa, &mut out).expect("tag");
    let out = String::from_utf8(out).expect("utf8");
    // Gold is the second-to-last column (IOB1), the prediction the last (BIO).
    let (mut gold, mut pred) = (vec![Vec::new()], vec![Vec::new()]);
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || cols[0] == "-DOCSTART-" {
            if !gold.last().expect("non-empty").is_empty() {
                gold.push(Vec::new());
                pred.push(Vec::new());
            }
            continue;
        }
        gold.last_mut()
            .expect("non-empty")
            .push(cols[cols.len() - 2]);
        pred.last_mut()
            .expect("non-empty")
            .push(cols[cols.len() - 1]);
    }
    let (g, p) = (conlleval_spans(&gold), conlleval_spans(&pred));
    let report = ner::evaluate(Model::embedded(), &testa).expect("evaluate");
    for s in report.per_type.iter().chain([&report.overall]) {
        let of = |spans: &[(usize, usize, usize, String)]| -> Vec<(usize, usize, usize, String)> {
            spans
                .iter()
                .filter(|x| s.label == "overall" || x.3 == s.label)
                .cloned()
                .collect()
        };
        let (gs, ps) = (of(&g), of(&p));
        let correct = ps.iter().filter(|x| gs.contains(x)).count();
        assert_eq!(
            (s.gold, s.predicted, s.correct),
            (gs.len(), ps.len(), correct),
            "{}",
            s.label
        );
    }
    assert_eq!(report.overall.gold, 5942, "gold entities in eng.testa");
}

fn spans_of(text: &str, spans: &[EntitySpan], kind: EntityKind) -> Vec<String> {
    spans
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| text[s.start_byte..s.end_byte].to_string())
        .collect()
}

#[test]
fn embedded_model_finds_entities_in_the_seed_article() {
    let text = std::fs::read_to_string(SEED).expect("seed article");
    let model = Model::embedded();
    assert_eq!(model.name(), "newsdb-ner-conll03");
    assert!(!model.version().is_empty());
    let spans = model.extract(&text);
    let chars: Vec<char> = text.chars().collect();
    for w in spans.windows(2) {
        assert!(w[0].end_byte <= w[1].start_byte, "sorted, not overlapping");
    }
    for s in &spans {
        let slice = &text[s.start_byte..s.end_byte];
        assert!(!slice.is_empty() && !slice.ends_with("'s"));
        assert_eq!(
            slice,
            chars[s.start_char..s.end_char].iter().collect::<String>()
        );
        assert!((0.0..=1.0).contains(&s.confidence));
    }
    let per = spans_of(&text, &spans, EntityKind::Person);
    let loc = spans_of(&text, &spans, EntityKind::Location);
    for name in ["Bashar al-Assad", "Hassan Rouhani", "Donald Trump"] {
        assert!(per.iter().any(|p| p == name), "{name} not in {per:?}");
    }
    assert!(
        per.iter()
            .any(|p| p == "Ali Khamenei" || p == "Ayatollah Ali Khamenei"),
        "Khamenei not in {per:?}"
    );
    for name in ["Tehran", "Damascus", "Syria", "Iran"] {
        assert!(loc.iter().any(|p| p == name), "{name} not in {loc:?}");
    }
}

#[test]
fn model_round_trips_through_bytes() {
    let model = Model::embedded();
    let copy = Model::from_bytes(&model.to_bytes()).expect("decode");
    assert_eq!(copy.version(), model.version());
    let words = ["Peter", "Blackburn", "visited", "Brussels"];
    assert_eq!(copy.tag_words(&words), model.tag_words(&words));
    assert!(Model::from_bytes(b"not a model").is_err());
}

#[test]
fn embedded_model_reaches_target_f1_on_conll_dev() {
    let Some(testa) = common::shared_file("conll2003/eng.testa") else {
        return;
    };
    let report = ner::evaluate(Model::embedded(), &testa).expect("evaluate");
    for s in report.per_type.iter().chain([&report.overall]) {
        eprintln!(
            "eng.testa {:8} P {:.4} R {:.4} F1 {:.4} (gold {}, predicted {}, correct {})",
            s.label, s.precision, s.recall, s.f1, s.gold, s.predicted, s.correct
        );
    }
    // eng.testa is read by nothing in training (the epochs are chosen and the
    // confidences calibrated on held-out eng.train documents), so these are independent
    // figures. Floors a little under those measured for the committed model (README:
    // PER 0.9333, LOC 0.9583, ORG 0.8788, MISC 0.8848, overall 0.9215, with `newsdb ner
    // eval --conll ../shared/data/conll2003/eng.testa`): a type that gets worse fails
    // even when the others hide it in the overall figure.
    let floors = [
        ("LOC", 0.95),
        ("MISC", 0.87),
        ("ORG", 0.87),
        ("PER", 0.925),
        ("overall", 0.915),
    ];
    for (label, floor) in floors {
        let s = report
            .per_type
            .iter()
            .chain([&report.overall])
            .find(|s| s.label == label)
            .unwrap_or_else(|| panic!("no {label} score"));
        assert!(
            s.f1 >= floor,
            "{label} F1 {:.4} < {floor}: {report:?}",
            s.f1
        );
    }
    // eng.testa's size, so that the floors are over the whole file.
    assert_eq!(report.overall.gold, 5942, "gold entities in eng.testa");
}

fn gzip(payload: &[u8]) -> Vec<u8> {
    // Stored blocks: these tests are about the payload, and compressing it is slow.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    enc.write_all(payload).expect("write to a Vec");
    enc.finish().expect("write to a Vec")
}

fn model_error(bytes: &[u8]) -> String {
    match Model::from_bytes(bytes) {
        Ok(_) => panic!("a damaged model file was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncated_or_corrupt_model_files_are_clear_errors_not_panics() {
    use std::io::Read;
    let file = Model::embedded().to_bytes();
    let mut payload = Vec::new();
    flate2::read::GzDecoder::new(&file[..])
        .read_to_end(&mut payload)
        .expect("the model file is gzip");
    assert!(Model::from_bytes(&gzip(&payload)).is_ok());

    // The compressed file cut short, or not gzip at all.
    for cut in [0, 5, 100, file.len() / 2, file.len() - 1] {
        let err = model_error(&file[..cut]);
        assert!(
            err.contains("gzip") || err.contains("truncated"),
            "cut at {cut}: {err}"
        );
    }
    // The payload cut anywhere: every field is fixed-size or length-prefixed, so every
    // strict prefix is short of something.
    let n = payload.len();
    let mut cuts: Vec<usize> = (0..64).collect();
    cuts.extend((1..48).map(|k| n * k / 48));
    cuts.extend([n - 2, n - 1]);
    for cut in cuts {
        let err = model_error(&gzip(&payload[..cut]));
        assert_eq!(err, "ner model: model file is truncated", "cut at {cut}");
    }

    // Header fields with impossible values: magic, version, temperature, stages, hash
    // size, tag count. Layout: magic (8), version (u32), name (u32 length + bytes),
    // temperature (f32), stages (u32), then per stage hash bits (u32), tags (u32).
    let name = Model::embedded().name().len();
    let temperature = 16 + name;
    let stages = temperature + 4;
    let bits = stages + 4;
    let tags = bits + 4;
    let set = |at: usize, value: [u8; 4]| {
        let mut p = payload.clone();
        p[at..at + 4].copy_from_slice(&value);
        model_error(&gzip(&p))
    };
    let mut bad_magic = payload.clone();
    bad_magic[0] ^= 0x20;
    assert!(model_error(&gzip(&bad_magic)).contains("bad magic"));
    assert!(set(8, 7u32.to_le_bytes()).contains("format v7 is not supported"));
    assert!(set(temperature, f32::NAN.to_le_bytes()).contains("invalid temperature"));
    assert!(set(temperature, (-1.0f32).to_le_bytes()).contains("invalid temperature"));
    assert!(set(stages, 3u32.to_le_bytes()).contains("3 stages"));
    assert!(set(stages, 0u32.to_le_bytes()).contains("0 stages"));
    assert!(set(bits, 40u32.to_le_bytes()).contains("invalid hash size 2^40"));
    assert!(set(tags, 99u32.to_le_bytes()).contains("99 tags"));
    // A string length past the end of the file.
    assert!(set(12, u32::MAX.to_le_bytes()).contains("truncated"));

    // Bytes flipped anywhere (a fixed pseudo-random sequence): an error or a model, but
    // never a panic.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..24 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut p = payload.clone();
        let at = (x % n as u64) as usize;
        p[at] ^= 0xff;
        let _ = Model::from_bytes(&gzip(&p));
    }

    // Through the CLI: exit 2 with the file and the reason.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cut.bin.gz");
    std::fs::write(&path, gzip(&payload[..n / 3])).expect("write");
    let conll = dir.path().join("one.conll");
    std::fs::write(&conll, "EU NNP I-NP I-ORG\n").expect("write");
    common::newsdb(&dir.path().join("unused.sqlite"))
        .args(["ner", "eval", "--conll"])
        .arg(&conll)
        .arg("--model")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("cut.bin.gz")
                .and(predicates::str::contains("truncated"))
                .and(predicates::str::contains("panicked").not()),
        );
}

/// The first `lines` lines of a CoNLL file, cut back to the last sentence boundary.
fn conll_head(path: &std::path::Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).expect("CoNLL file reads");
    let head: Vec<&str> = text.lines().take(lines).collect();
    let end = head
        .iter()
        .rposition(|l| l.trim().is_empty())
        .expect("a sentence boundary in the slice");
    let mut out = head[..=end].join("\n");
    out.push('\n');
    out
}

/// Overall F1 from `ner eval --format json`.
fn eval_f1(args: &[&std::ffi::OsStr]) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = common::newsdb(&dir.path().join("unused.sqlite"))
        .args(["ner", "eval", "--format", "json"])
        .args(args)
        .output()
        .expect("newsdb runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    let overall = rows
        .iter()
        .find(|r| r["type"] == "overall")
        .expect("an overall row");
    for field in ["precision", "recall", "f1"] {
        assert!(
            overall[field].is_f64(),
            "{field} is a JSON number: {overall}"
        );
    }
    overall["f1"].as_f64().expect("f1 is a JSON number")
}

#[test]
fn ner_train_on_a_small_slice_writes_a_model_that_loads_and_tags() {
    let (Some(train), Some(testa)) = (
        common::shared_file("conll2003/eng.train"),
        common::shared_file("conll2003/eng.testa"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (train_slice, dev_slice) = (dir.path().join("train.conll"), dir.path().join("dev.conll"));
    // About 100 training sentences in 10 documents (eng.train's first has no
    // -DOCSTART- line), and 30 sentences of eng.testa to score on (training never reads
    // it).
    std::fs::write(&train_slice, conll_head(&train, 2000)).expect("write");
    std::fs::write(&dev_slice, conll_head(&testa, 500)).expect("write");
    let model = dir.path().join("small.bin.gz");
    let train_cmd = |holdout: &str| {
        let mut cmd = common::newsdb(&dir.path().join("unused.sqlite"));
        cmd.args(["ner", "train", "--epochs", "3", "--holdout-every", holdout])
            .arg("--train")
            .arg(&train_slice)
            .arg("--out")
            .arg(&model);
        cmd
    };
    // Documents 3, 6 and 9 choose the epochs; the model is trained on all ten.
    train_cmd("3").assert().success().stderr(
        predicates::str::contains("held-out F1")
            .and(predicates::str::contains(
                "chosen on 3 held-out documents of 10",
            ))
            .and(predicates::str::contains("trained on all 10 documents")),
    );
    // A holdout that holds out nothing is refused, before any training.
    let before = std::fs::read(&model).expect("the model is written");
    train_cmd("11")
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("has 10 documents").and(predicates::str::contains(
                "holding out every 11 leaves none held out",
            )),
        );
    assert!(std::fs::read(&model).expect("still there") == before);
    let bytes = std::fs::read(&model).expect("the model is written");
    assert_eq!(&bytes[..2], [0x1f, 0x8b], "the model file is gzip");
    Model::from_bytes(&bytes).expect("the trained model loads");

    // The model loads through the CLI and tags: well below the full model's 0.92 on
    // so little data (0.41 on the 56 entities of the dev slice and 0.54 on eng.testa
    // when this test was written), but far above a model that tags nothing (F1 0).
    let f1 = eval_f1(&[
        "--conll".as_ref(),
        dev_slice.as_os_str(),
        "--model".as_ref(),
        model.as_os_str(),
    ]);
    assert!(f1 > 0.2, "F1 {f1} on the dev slice");
    let f1_full = eval_f1(&[
        "--conll".as_ref(),
        testa.as_os_str(),
        "--model".as_ref(),
        model.as_os_str(),
    ]);
    assert!(f1_full > 0.35, "F1 {f1_full} on eng.testa");
}

#[test]
fn ner_resources_rebuilds_the_committed_gazetteer_and_writes_the_learned_lists() {
    let (Some(gazetteers), Some(bbc)) = (
        common::shared_file("gazetteers"),
        common::shared_file("bbc"),
    ) else {
        return;
    };
    // Unlabeled texts: the first 40 business stories (the lexicon and clusters learned
    // from them differ from the committed ones, learned from all of the BBC).
    let dir = tempfile::tempdir().expect("temp dir");
    let unlabeled = dir.path().join("unlabeled");
    std::fs::create_dir_all(&unlabeled).expect("mkdir");
    let mut files: Vec<_> = std::fs::read_dir(bbc.join("business"))
        .expect("bbc/business")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for f in files.iter().take(40) {
        std::fs::copy(f, unlabeled.join(f.file_name().expect("name"))).expect("copy");
    }
    let out = dir.path().join("models");
    std::fs::create_dir_all(&out).expect("mkdir");
    common::newsdb(&dir.path().join("unused.sqlite"))
        .args(["ner", "resources", "--gazetteers"])
        .arg(&gazetteers)
        .arg("--unlabeled")
        .arg(&unlabeled)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // The gazetteer depends on the gazetteer lists alone: byte for byte the committed one.
    assert!(
        std::fs::read(out.join("gazetteer.tsv.gz")).expect("gazetteer written")
            == std::fs::read(common::repo().join("models/gazetteer.tsv.gz")).expect("committed"),
        "ner resources does not rebuild models/gazetteer.tsv.gz"
    );
    // The learned lists: gzip text of `word<TAB>value` lines, "said" among the words
    // (it is in nearly every BBC story).
    for name in ["case-lexicon.tsv.gz", "clusters.tsv.gz"] {
        let bytes = std::fs::read(out.join(name)).expect("written");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .expect("gzip text");
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(lines.len() > 100, "{name}: {} lines", lines.len());
        assert!(
            lines.iter().all(|l| l.split('\t').count() >= 2),
            "{name}: a line without a tab"
        );
        assert!(
            lines.iter().any(|l| l.split('\t').next() == Some("said")),
            "{name}: no 'said'"
        );
    }
}
