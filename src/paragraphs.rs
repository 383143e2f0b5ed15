//! Paragraphs of a body: their spans, detected language, and the language-based
//! boilerplate flag (a paragraph in another language than the article's, like a
//! publisher's notice in French under an English story). Pure text analysis: the
//! loader and the store's upgrade path both call it; neither is called from here.

use serde::{Deserialize, Serialize};

/// One paragraph of an article body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// ISO 639-3 code of its language: the article's, unless the paragraph is clearly
    /// in another one (then `boilerplate` is set too).
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

/// The languages with a function-word list, as ISO 639-3 codes; English first, so
/// that it wins ties.
const LISTED: [&str; 7] = ["eng", "fra", "deu", "spa", "ita", "por", "nld"];
const ENG: usize = 0;

/// The most frequent function words of each listed language (lower case; a word may
/// belong to several). News prose is about 40% function words, a list of names or a
/// team line-up almost none, which is where trigram detection goes wrong: it reads
/// "Backs: Mike Blair (Edinburgh Rugby), Andy Craig ..." as Dutch with confidence.
const FUNCTION_WORDS: [&[&str]; 7] = [
    &[
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "was", "on", "with", "he",
        "as", "at", "by", "his", "from", "said", "has", "have", "be", "are", "were", "this",
        "which", "but", "not", "an", "had", "will", "its", "been", "who", "they", "their", "would",
        "after", "also", "more", "than", "there", "she", "her", "we", "you", "or", "about", "up",
        "out", "into", "over", "when", "can", "what", "all", "could", "should", "them", "these",
        "those", "our", "if", "do", "did", "does", "so", "him", "just", "because", "while",
        "where", "how", "being", "may", "most", "some", "such", "only", "other", "any", "very",
        "now", "then", "here",
    ],
    &[
        "le", "la", "les", "de", "des", "du", "un", "une", "et", "est", "en", "que", "qui", "dans",
        "pour", "pas", "sur", "au", "aux", "avec", "ce", "cette", "ces", "il", "elle", "ils",
        "sont", "par", "plus", "ne", "se", "son", "sa", "ses", "été", "être", "leur", "mais", "ou",
        "où", "nous", "vous", "je", "à", "l", "d", "qu", "c", "j", "avait", "fait", "comme",
        "entre", "très", "aussi",
    ],
    &[
        "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "den", "dem", "des",
        "von", "mit", "sich", "auf", "für", "im", "sie", "es", "auch", "als", "wird", "werden",
        "wurde", "bei", "nach", "aus", "dass", "oder", "sind", "hat", "haben", "noch", "wie",
        "einem", "einen", "einer", "über", "nur", "vor", "zum", "zur", "kein", "aber", "ich",
        "wir", "ihr",
    ],
    &[
        "el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "es", "por", "con",
        "para", "se", "su", "sus", "al", "lo", "como", "más", "pero", "son", "está", "este",
        "esta", "entre", "sobre", "también", "fue", "ser", "hay", "muy", "sin", "ya", "le", "les",
        "cuando", "desde",
    ],
    &[
        "il", "lo", "la", "gli", "le", "di", "del", "della", "dei", "che", "è", "un", "una", "per",
        "con", "non", "sono", "si", "da", "al", "alla", "nel", "nella", "anche", "come", "più",
        "ma", "ha", "questo", "questa", "essere", "stato", "dopo", "tra", "ci", "ne", "delle",
        "degli", "nei",
    ],
    &[
        "os", "as", "de", "do", "da", "dos", "das", "que", "em", "um", "uma", "para", "com", "não",
        "no", "na", "nos", "nas", "por", "se", "mais", "foi", "ao", "é", "são", "pelo", "pela",
        "mas", "como", "seu", "sua", "ele", "ela", "também", "já", "está",
    ],
    &[
        "de", "het", "een", "en", "van", "in", "is", "dat", "op", "te", "die", "voor", "met",
        "zijn", "niet", "aan", "er", "maar", "om", "ook", "als", "bij", "door", "naar", "nog",
        "wordt", "werd", "heeft", "hebben", "dan", "wel", "zo", "uit", "deze", "dit", "tot",
        "worden", "geen", "ze", "hij", "zij", "kan", "meer",
    ],
];

/// Each function word with a bit per listed language it belongs to.
fn function_words() -> &'static std::collections::HashMap<&'static str, u8> {
    static WORDS: std::sync::OnceLock<std::collections::HashMap<&'static str, u8>> =
        std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (lang, words) in FUNCTION_WORDS.iter().enumerate() {
            for w in *words {
                *m.entry(*w).or_insert(0u8) |= 1 << lang;
            }
        }
        m
    })
}

/// Function-word counts of a text: words, then hits per listed language.
#[derive(Debug, Default, Clone, Copy)]
struct Votes {
    words: u32,
    hits: [u32; LISTED.len()],
}

impl Votes {
    fn of(text: &str) -> Votes {
        let table = function_words();
        let mut v = Votes::default();
        let mut lower = String::new();
        for word in text.split(|c: char| !c.is_alphabetic()) {
            if word.is_empty() {
                continue;
            }
            v.words += 1;
            // Long words are never function words; a capital letter alone is an
            // initial ("C Paterson; S Webster"), not an elided "l'" or "d'".
            let mut cs = word.chars();
            let single = cs.next().filter(|_| cs.next().is_none());
            if word.len() > 8 || single.is_some_and(|c| c.is_uppercase() && c != 'I') {
                continue;
            }
            let key = if word.chars().any(char::is_uppercase) {
                lower.clear();
                lower.extend(word.chars().flat_map(char::to_lowercase));
                lower.as_str()
            } else {
                word
            };
            if let Some(&bits) = table.get(key) {
                for (lang, hits) in v.hits.iter_mut().enumerate() {
                    *hits += u32::from(bits >> lang & 1);
                }
            }
        }
        v
    }

    fn add(&mut self, other: &Votes) {
        self.words += other.words;
        for (a, b) in self.hits.iter_mut().zip(other.hits) {
            *a += b;
        }
    }

    /// The listed language other than `than` with the most hits (the first on ties).
    fn best_other(&self, than: usize) -> Option<usize> {
        (0..LISTED.len())
            .filter(|&l| l != than)
            .max_by_key(|&l| (self.hits[l], std::cmp::Reverse(l)))
    }

    /// The listed language this text is clearly written in, if any: its function
    /// words are at least [`MIN_FOREIGN_HITS`], a fair share of all words, and at
    /// least twice those of `than`.
    fn clearly_other_than(&self, than: usize) -> Option<usize> {
        let best = self.best_other(than)?;
        let hits = self.hits[best];
        (hits >= MIN_FOREIGN_HITS && hits * 8 >= self.words && hits >= 2 * self.hits[than])
            .then_some(best)
    }
}

/// Function words of a language that make a text clearly written in it.
const MIN_FOREIGN_HITS: u32 = 3;

/// Paragraphs shorter than this many characters are never marked foreign.
const MIN_FOREIGN_CHARS: usize = 60;

/// The index in [`LISTED`] of a language code (ISO 639-1, 639-3 or an English name).
fn listed(code: &str) -> Option<usize> {
    let code = code.to_ascii_lowercase();
    let base = code.split(['-', '_']).next().unwrap_or_default();
    let i = match base {
        "en" | "eng" | "english" => 0,
        "fr" | "fra" | "fre" | "french" => 1,
        "de" | "deu" | "ger" | "german" => 2,
        "es" | "spa" | "spanish" => 3,
        "it" | "ita" | "italian" => 4,
        "pt" | "por" | "portuguese" => 5,
        "nl" | "nld" | "dut" | "dutch" => 6,
        _ => return None,
    };
    Some(i)
}

/// Whether most letters of `text` are Latin script (or it has no letters).
fn mostly_latin(text: &str) -> bool {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()).take(400) {
        // Latin letters: ASCII, Latin-1 and Latin Extended (up to U+024F), and the
        // Latin Extended Additional block (Vietnamese).
        if (c as u32) < 0x0250 || ('\u{1E00}'..='\u{1EFF}').contains(&c) {
            latin += 1;
        } else {
            other += 1;
        }
    }
    latin >= other
}

/// The language of a whole article, from its function words, falling back on trigram
/// detection for texts without any (other scripts, lists of names). Weak evidence
/// never makes an article foreign: one English sentence full of names ("Tony Blair
/// met Jacques Chirac in Paris on Monday.") is English.
fn article_language(title: &str, paragraphs: &[(&str, Votes)]) -> Option<String> {
    let mut votes = Votes::of(title);
    for (_, v) in paragraphs {
        votes.add(v);
    }
    let text_sample = || {
        let mut s = String::new();
        for (p, _) in paragraphs {
            if s.len() > 4 * DETECT_BYTES {
                break;
            }
            s.push_str(p);
            s.push('\n');
        }
        s
    };
    if let Some(other) = votes.clearly_other_than(ENG) {
        return Some(LISTED[other].to_string());
    }
    // One in twenty words: English prose has eight, a list of names with a few
    // words between them about one, other languages' texts very few of these.
    if votes.hits[ENG] > 0 && votes.hits[ENG] * 20 >= votes.words {
        return Some(LISTED[ENG].to_string());
    }
    let sample = text_sample();
    let (lang, reliable) = detect(&sample)?;
    // A listed language whose function words are absent is a misreading (names).
    let contradicted = listed(&lang).is_some() && mostly_latin(&sample);
    (reliable && !contradicted).then_some(lang)
}

/// Splits `body` on `\n` into paragraphs with spans, decides the article's language
/// and flags paragraphs clearly in another language as boilerplate (a publisher's
/// notice in French under an English story). `declared` is a language the record
/// came with; it wins over detection for the article.
///
/// The article's language is the prior for each paragraph: a paragraph is marked
/// foreign only on clear evidence (the function words of another language in a
/// paragraph long enough, or another script detected reliably), and otherwise takes
/// the article's language. `title` is part of the evidence for the article.
pub fn analyze(
    title: &str,
    body: &str,
    declared: Option<&str>,
) -> (Vec<Paragraph>, Option<String>) {
    let lines: Vec<(&str, Votes)> = body.split('\n').map(|l| (l, Votes::of(l))).collect();
    let article = match declared {
        Some(d) => Some(d.to_string()),
        None => article_language(title, &lines),
    };
    let prior = article.as_deref().and_then(listed);
    let mut paragraphs = Vec::with_capacity(lines.len());
    let mut start_byte = 0usize;
    let mut start_char = 0usize;
    for (idx, (line, votes)) in lines.iter().enumerate() {
        let chars = line.chars().count();
        let (language, foreign) = paragraph_language(line, chars, votes, prior, article.as_deref());
        paragraphs.push(Paragraph {
            idx,
            start_char,
            end_char: start_char + chars,
            start_byte,
            end_byte: start_byte + line.len(),
            language,
            boilerplate: foreign,
            text_hash: blake3::hash(line.trim().as_bytes()).to_hex()[..16].to_string(),
        });
        start_byte += line.len() + 1;
        start_char += chars + 1;
    }
    (paragraphs, article)
}

/// A paragraph's language and whether it is foreign to the article.
fn paragraph_language(
    line: &str,
    chars: usize,
    votes: &Votes,
    prior: Option<usize>,
    article: Option<&str>,
) -> (Option<String>, bool) {
    let Some(prior) = prior else {
        // An article in an unlisted language (or of unknown language): trigram
        // detection, and only a reliable one marks a paragraph foreign.
        let detected = detect(line);
        let foreign = match (&detected, article) {
            (Some((l, true)), Some(a)) => l != a && chars >= MIN_FOREIGN_CHARS,
            _ => false,
        };
        return (detected.map(|(l, _)| l), foreign);
    };
    let own = || Some(LISTED[prior].to_string());
    if chars < MIN_FOREIGN_CHARS {
        return (own(), false);
    }
    if let Some(other) = votes.clearly_other_than(prior) {
        return (Some(LISTED[other].to_string()), true);
    }
    if !mostly_latin(line) {
        if let Some((l, true)) = detect(line) {
            return (Some(l), true);
        }
    }
    (own(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_slice_the_body_and_other_languages_are_boilerplate() {
        let body = "The government announced on Monday that the new budget would raise spending on schools.\n\
                    Ministers said the plan was affordable and would be paid for by higher taxes on banks.\n\
                    Pour en savoir plus sur la reprise de ce contenu et les frais qui s’appliquent, veuillez remplir ce formulaire.";
        let (ps, lang) = analyze("Budget plans", body, None);
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

    #[test]
    fn a_team_line_up_in_an_english_story_stays_english() {
        // Trigram detection reads this BBC line-up (sport/311) as French or Dutch.
        let body = "Scotland named their side for the match against Ireland on Saturday.\n\
                    C Paterson; S Danielli, A Craig, H Southwell, S Lamont; D Parks, C Cusiter; T Smith, G Bulloch (capt), G Kerr; S Grimes, S Murray; J White, A Hogg, J Petrie.\n\
                    Backs: Mike Blair (Edinburgh Rugby), Andy Craig (Glasgow Rugby), Chris Cusiter (The Borders), Simon Danielli (The Borders), Marcus Di Rollo (Edinburgh Rugby)";
        let (ps, lang) = analyze("Scotland name side", body, None);
        assert_eq!(lang.as_deref(), Some("eng"));
        assert!(ps.iter().all(|p| !p.boilerplate));
        assert!(ps.iter().all(|p| p.language.as_deref() == Some("eng")));
    }

    #[test]
    fn one_english_sentence_full_of_names_is_english() {
        let (ps, lang) = analyze(
            "Leaders meet",
            "Tony Blair met Jacques Chirac in Paris on Monday.",
            None,
        );
        assert_eq!(lang.as_deref(), Some("eng"));
        assert!(!ps[0].boilerplate);
    }

    #[test]
    fn articles_in_other_languages_are_recognised() {
        let cases = [
            ("fra", "Le gouvernement a annoncé lundi que le nouveau budget augmenterait les dépenses pour les écoles et les hôpitaux du pays."),
            ("deu", "Die Regierung hat am Montag angekündigt, dass der neue Haushalt die Ausgaben für Schulen und Krankenhäuser erhöhen wird."),
            ("spa", "El gobierno anunció el lunes que el nuevo presupuesto aumentará el gasto en las escuelas y los hospitales del país."),
            ("nld", "De regering heeft maandag aangekondigd dat de nieuwe begroting de uitgaven voor scholen en ziekenhuizen zal verhogen."),
            ("pol", "Rząd ogłosił w poniedziałek, że nowy budżet zwiększy wydatki na szkoły i szpitale w całym kraju."),
            ("rus", "Правительство объявило в понедельник, что новый бюджет увеличит расходы на школы и больницы страны."),
        ];
        for (want, body) in cases {
            let (ps, lang) = analyze("", body, None);
            assert_eq!(lang.as_deref(), Some(want), "{body}");
            assert!(
                !ps[0].boilerplate,
                "the article's own language is not foreign"
            );
        }
    }

    #[test]
    fn a_short_foreign_phrase_or_a_declared_language_decides_nothing_alone() {
        // Too short to be marked foreign, whatever its words.
        let body = "The minister spoke to reporters in Brussels on Monday about the new rules.\n\
                    C'est la vie, et voilà.";
        let (ps, lang) = analyze("Rules", body, None);
        assert_eq!(lang.as_deref(), Some("eng"));
        assert!(!ps[1].boilerplate);
        // A declared language wins for the article; French paragraphs under it are its own.
        let (ps, lang) = analyze(
            "",
            "Pour en savoir plus sur la reprise de ce contenu et les frais qui s'appliquent, veuillez remplir ce formulaire.",
            Some("fr"),
        );
        assert_eq!(lang.as_deref(), Some("fr"));
        assert!(!ps[0].boilerplate);
    }
}
