//! Rebuilds the crate when a file under `migrations/` is added or changed:
//! `refinery::embed_migrations!` reads that folder at compile time, and cargo does not
//! otherwise know that the crate depends on it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
