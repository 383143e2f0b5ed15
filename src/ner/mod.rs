//! Named-entity recognition for English news: a tokenizer with exact byte and char
//! offsets, a sentence splitter, and an averaged-perceptron tagger (hashed features,
//! BILOU tags, Viterbi decoding) trained on CoNLL-2003, with conlleval-style scoring.
//!
//! The trained model is embedded in the binary ([`Model::embedded`]), together with
//! the gazetteer and case lexicon its features use, so tagging reads nothing from disk.
//!
//! ```no_run
//! let model = newsdb::ner::Model::embedded();
//! for span in model.extract("Bashar al-Assad met Hassan Rouhani in Tehran.") {
//!     println!("{:?} {}..{}", span.kind, span.start_byte, span.end_byte);
//! }
//! ```

// The scoring and decoding kernels index several parallel arrays by tag and token;
// index loops read more clearly there than zipped iterators.
#![allow(clippy::needless_range_loop)]

mod clusters;
mod conll;
mod features;
mod gazetteer;
mod model;
mod tokenize;
mod train;

pub use conll::{evaluate, tag_conll, EvalReport, TypeScore};
pub use gazetteer::build_resources;
pub use model::{release_thread_cache, EntitySpan, Model};
pub use tokenize::{split_sentences, tokenize, Token};
pub use train::{train, TrainOptions, Trained, MODEL_NAME};

/// Whether `name` is a place of the bundled gazetteer (country, capital, city, US
/// state or continent; case ignored) whose last word news text almost always
/// capitalises: "Manchester", "new york", but not the towns called "Mobile", "Golden"
/// or "Central". Loaded on first use.
pub fn is_proper_place(name: &str) -> bool {
    use std::sync::OnceLock;
    static CASES: OnceLock<Option<gazetteer::CaseLexicon>> = OnceLock::new();
    let place = bundled_gazetteer().is_some_and(|g| g.is_place(name));
    let cases = CASES.get_or_init(|| gazetteer::CaseLexicon::bundled().ok());
    let head = tokenize(name).last().map(|t| t.text(name).to_string());
    place
        && cases
            .as_ref()
            .zip(head)
            .is_some_and(|(c, head)| c.bucket(&head) == Some(5))
}

/// Whether `name` is a country of the bundled gazetteer, case ignored: "France",
/// "new zealand", but not "Paris" or "French". Loaded on first use.
pub fn is_country(name: &str) -> bool {
    bundled_gazetteer().is_some_and(|g| g.is_country(name))
}

/// The bundled gazetteer, parsed on first use (`None` if it does not parse).
fn bundled_gazetteer() -> Option<&'static gazetteer::Gazetteer> {
    use std::sync::OnceLock;
    static GAZETTEER: OnceLock<Option<gazetteer::Gazetteer>> = OnceLock::new();
    GAZETTEER
        .get_or_init(|| gazetteer::Gazetteer::bundled().ok())
        .as_ref()
}

#[cfg(test)]
mod place_tests {
    #[test]
    fn places_of_the_bundled_gazetteer() {
        for place in ["Manchester", "newcastle", "New York", "France"] {
            assert!(super::is_proper_place(place), "{place}");
        }
        // "Mobile", "Golden", "Central": towns, and more often common words.
        for not in [
            "French",
            "United",
            "Tony Blair",
            "",
            "Mobile",
            "Golden",
            "Central",
        ] {
            assert!(!super::is_proper_place(not), "{not}");
        }
    }

    #[test]
    fn countries_of_the_bundled_gazetteer() {
        for country in ["France", "new zealand", "Ireland", "Italy"] {
            assert!(super::is_country(country), "{country}");
        }
        for not in ["Paris", "French", "Hamilton", "Tony Blair", ""] {
            assert!(!super::is_country(not), "{not}");
        }
    }
}
