//! Paragraphs of a body: their spans, detected language, and the language-based
//! boilerplate flag (a paragraph in another language than the article's, like a
//! publisher's notice in French under an English story). Pure text analysis: the
//! loader and the store's upgrade path both call it; neither is called from here.

use serde::Serialize;

/// One paragraph of an article body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paragraph {
    /// 0-based index in the body.
    pub idx: usize,
    /// Start in characters.
    pub start_char: usize,
    /// End (exclusive) in characters.
    pub end_char: usize,
    /// Start byte.
    pub start_byte: usize,
    /// End byte (exclusive).
    pub end_byte: usize,
    /// ISO 639-3 code whatlang detected, if the paragraph is long enough to tell.
    pub language: Option<String>,
    /// Whether extraction skips it.
    pub boilerplate: bool,
    /// blake3 of the paragraph text (first 16 hex digits): finds repeats.
    pub text_hash: String,
}

/// Paragraphs shorter than this many characters are too short to detect a language.
const MIN_DETECT_CHARS: usize = 40;

/// Detection reads at most this many bytes of a paragraph (cut at a space): enough
/// to tell languages apart, and detection cost grows with the length.
const DETECT_BYTES: usize = 240;

/// Latin-script paragraphs are told apart among the Latin-script languages news is
/// mostly written in: whatlang's cost grows with the number of candidate languages
/// (about 40 µs a call with all of them, 15 µs with these), and it runs on every
/// paragraph of every import.
fn latin_detector() -> &'static whatlang::Detector {
    use whatlang::Lang::*;
    static DETECTOR: std::sync::OnceLock<whatlang::Detector> = std::sync::OnceLock::new();
    DETECTOR.get_or_init(|| {
        whatlang::Detector::with_allowlist(vec![
            Eng, Fra, Deu, Spa, Ita, Por, Nld, Swe, Pol, Tur, Ind, Ron,
        ])
    })
}

/// A first pass among fewer languages (its cost is a third of the full list's):
/// most paragraphs are English, and English that stands out reliably among these
/// stands out among all of them.
fn common_detector() -> &'static whatlang::Detector {
    use whatlang::Lang::*;
    static DETECTOR: std::sync::OnceLock<whatlang::Detector> = std::sync::OnceLock::new();
    DETECTOR.get_or_init(|| whatlang::Detector::with_allowlist(vec![Eng, Fra, Deu, Spa, Nld]))
}

/// The detected language and whether whatlang deems the detection reliable.
fn detect(text: &str) -> Option<(String, bool)> {
    if text.chars().count() < MIN_DETECT_CHARS {
        return None;
    }
    let sample = if text.len() > DETECT_BYTES {
        let mut cut = DETECT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = &text[..cut];
        head.rfind(' ').map_or(head, |i| &head[..i])
    } else {
        text
    };
    let info = match whatlang::detect_script(sample) {
        Some(whatlang::Script::Latin) => match common_detector().detect(sample) {
            Some(info) if info.lang() == whatlang::Lang::Eng && info.is_reliable() => info,
            _ => latin_detector().detect(sample)?,
        },
        _ => whatlang::detect(sample)?,
    };
    Some((info.lang().code().to_string(), info.is_reliable()))
}

/// Whether a language code (ISO 639-1 or 639-3 or a name) means English.
pub fn is_english(code: &str) -> bool {
    matches!(
        code.to_ascii_lowercase().as_str(),
        "en" | "eng" | "english" | "en-us" | "en-gb"
    )
}

/// Splits `body` on `\n` into paragraphs with spans, detects each one's language and
/// the article's (the language of most paragraphs, counted by characters), and flags
/// paragraphs in another language as boilerplate. `declared` is a language the record
/// came with; it wins over detection for the article.
pub fn analyze(body: &str, declared: Option<&str>) -> (Vec<Paragraph>, Option<String>) {
    let mut paragraphs = Vec::new();
    let mut reliable = Vec::new();
    let mut start_byte = 0usize;
    let mut start_char = 0usize;
    for (idx, line) in body.split('\n').enumerate() {
        let chars = line.chars().count();
        let detected = detect(line);
        reliable.push(detected.as_ref().is_some_and(|(_, r)| *r));
        paragraphs.push(Paragraph {
            idx,
            start_char,
            end_char: start_char + chars,
            start_byte,
            end_byte: start_byte + line.len(),
            language: detected.map(|(l, _)| l),
            boilerplate: false,
            text_hash: blake3::hash(line.trim().as_bytes()).to_hex()[..16].to_string(),
        });
        start_byte += line.len() + 1;
        start_char += chars + 1;
    }
    let detected = majority(&paragraphs);
    let article_language = declared.map(str::to_string).or(detected.clone());
    if let Some(lang) = &detected {
        // Only a reliable detection marks a paragraph as foreign: short English
        // paragraphs are often guessed wrong, with low confidence.
        for (p, sure) in paragraphs.iter_mut().zip(reliable) {
            if sure && p.language.as_ref().is_some_and(|l| l != lang) {
                p.boilerplate = true;
            }
        }
    }
    (paragraphs, article_language)
}

/// The language covering the most characters among detected paragraphs.
fn majority(paragraphs: &[Paragraph]) -> Option<String> {
    let mut weight: Vec<(&str, usize)> = Vec::new();
    for p in paragraphs {
        if let Some(l) = &p.language {
            let n = p.end_char - p.start_char;
            match weight.iter_mut().find(|(k, _)| k == l) {
                Some((_, w)) => *w += n,
                None => weight.push((l, n)),
            }
        }
    }
    weight
        .into_iter()
        .max_by_key(|(_, w)| *w)
        .map(|(l, _)| l.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_slice_the_body_and_other_languages_are_boilerplate() {
        let body = "The government announced on Monday that the new budget would raise spending on schools.\n\
                    Ministers said the plan was affordable and would be paid for by higher taxes on banks.\n\
                    Pour en savoir plus sur la reprise de ce contenu et les frais qui s’appliquent, veuillez remplir ce formulaire.";
        let (ps, lang) = analyze(body, None);
        assert_eq!(lang.as_deref(), Some("eng"));
        assert_eq!(ps.len(), 3);
        for p in &ps {
            let by_bytes = &body[p.start_byte..p.end_byte];
            let by_chars: String = body
                .chars()
                .skip(p.start_char)
                .take(p.end_char - p.start_char)
                .collect();
            assert_eq!(by_bytes, by_chars);
            assert!(!by_bytes.contains('\n'));
        }
        assert_eq!(ps[2].language.as_deref(), Some("fra"));
        assert_eq!(
            ps.iter().map(|p| p.boilerplate).collect::<Vec<_>>(),
            [false, false, true]
        );
    }
}
