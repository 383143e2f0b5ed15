//! newsdb: an embedded store for news articles and the entities in them.
#![warn(missing_docs)]

pub mod error;
pub mod model;
pub mod ner;
pub mod resolve;

pub use error::{Error, Result};
pub use model::*;
