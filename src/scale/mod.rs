//! Beyond one machine: the Parquet output of `newsdb extract` (the map step, run
//! anywhere) and the store-less corpus-level resolution over it (`newsdb resolve
//! --parquet`), which gives the entities a direct import gives, with memory that grows
//! with distinct names and their pairs, not with mentions.
//!
//! The decision rules are those of the store ([`crate::resolve::corpus`],
//! [`crate::resolve::link`]); only the bookkeeping differs.

mod columns;
pub mod extract;
pub mod resolve;

pub use extract::ExtractWriter;
pub use resolve::{resolve_parquet, ResolveReport};
