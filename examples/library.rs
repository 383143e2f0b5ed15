//! Using newsdb as a library: open a store, import the seed article, read it back.
//!
//! Run with `cargo run --example library`.

use newsdb::{EntityKind, Field, ImportOptions, NewMention, Store};

fn main() -> newsdb::Result<()> {
    let mut store = Store::open_in_memory()?;
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let report = store.import(&[seeds], &ImportOptions::default())?;
    println!("imported {} article(s)", report.inserted);

    let article = store
        .articles(1, 0)?
        .into_iter()
        .next()
        .expect("the seed directory holds one article");
    println!("{}: {}", article.id, article.title);

    // Record a mention by hand: the store checks the span against the text.
    let start = article
        .body
        .find("Tehran")
        .expect("the seed mentions Tehran");
    let tehran = store.entity_get_or_create(EntityKind::Location, "Tehran")?;
    let mention =
        NewMention::from_byte_range(tehran, Field::Body, &article.body, start, start + 6)?;
    store.add_mentions(article.id, &[mention])?;

    for m in store.mentions_of_article(article.id)? {
        println!(
            "{} at characters {}..{}",
            m.surface, m.start_char, m.end_char
        );
    }
    Ok(())
}
