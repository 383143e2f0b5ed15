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
pub use model::{EntitySpan, Model};
pub use tokenize::{split_sentences, tokenize, Token};
pub use train::{train, TrainOptions, MODEL_NAME};
