//! newsdb: an embedded store for news articles and the entities in them.
//!
//! One SQLite file holds articles, the entities they name and every mention (an exact
//! span of an article's text). The schema is migrated on open, so any program that opens
//! the file sees the current tables.
//!
//! ```
//! use newsdb::{EntityKind, Field, NewArticle, NewMention, Store};
//!
//! let mut store = Store::open_in_memory()?;
//! let article = NewArticle {
//!     external_id: "example-1".into(),
//!     title: "Assad visits Tehran".into(),
//!     body: "Bashar al-Assad travelled to Tehran on Monday.".into(),
//!     ..Default::default()
//! };
//! let id = store.upsert_article(&article)?.id;
//!
//! // Mentions are exact spans; the store checks each against the text.
//! let assad = store.entity_get_or_create(EntityKind::Person, "Bashar al-Assad")?;
//! let span = NewMention::from_byte_range(assad, Field::Body, &article.body, 0, 15)?;
//! store.add_mentions(id, &[span])?;
//!
//! let mentions = store.mentions_of_entity(assad, 10, 0)?;
//! assert_eq!(mentions[0].surface, "Bashar al-Assad");
//! assert_eq!(store.counts()?.articles, 1);
//! # Ok::<(), newsdb::Error>(())
//! ```
#![warn(missing_docs)]

pub mod dates;
pub mod db;
pub mod error;
pub mod load;
mod memory;
pub mod model;
pub mod ner;
pub mod output;
pub mod paragraphs;
pub mod query;
pub mod resolve;
#[cfg(feature = "parquet")]
pub mod scale;
#[cfg(feature = "serve")]
pub mod serve;
pub mod store;

pub use error::{Error, Result};
pub use load::{ImportOptions, ImportReport};
pub use model::*;
pub use store::{Store, UserAlias};
