//! `newsdb extract --format parquet --out DIR`: the records of the extract stage as
//! three Parquet files, `articles.parquet`, `paragraphs.parquet` and
//! `mentions.parquet`, each row carrying the article's external id (and source), so
//! the directories of many extract runs can be read together as one table.

use std::path::{Path, PathBuf};

use super::columns::{Cell, TableWriter, Ty};
use crate::error::{Error, Result};
use crate::load::extracted::ExtractedArticle;
use crate::model::{content_hash, Field};

/// The file of the articles.
pub const ARTICLES_FILE: &str = "articles.parquet";
/// The file of the paragraphs.
pub const PARAGRAPHS_FILE: &str = "paragraphs.parquet";
/// The file of the mentions.
pub const MENTIONS_FILE: &str = "mentions.parquet";

const ARTICLES: &[(&str, Ty, bool)] = &[
    ("external_id", Ty::Str, false),
    ("title", Ty::Str, false),
    ("body", Ty::Str, false),
    ("language", Ty::Str, true),
    ("source", Ty::Str, true),
    ("url", Ty::Str, true),
    ("published_at", Ty::Str, true),
    ("origin", Ty::Str, true),
    ("extractor", Ty::Str, true),
    ("mentions", Ty::I64, true),
    ("content_hash", Ty::Str, false),
];

const PARAGRAPHS: &[(&str, Ty, bool)] = &[
    ("article_external_id", Ty::Str, false),
    ("source", Ty::Str, true),
    ("idx", Ty::I64, false),
    ("start_char", Ty::I64, false),
    ("end_char", Ty::I64, false),
    ("start_byte", Ty::I64, false),
    ("end_byte", Ty::I64, false),
    ("language", Ty::Str, true),
    ("boilerplate", Ty::Bool, false),
    ("text_hash", Ty::Str, false),
];

const MENTIONS: &[(&str, Ty, bool)] = &[
    ("article_external_id", Ty::Str, false),
    ("source", Ty::Str, true),
    ("field", Ty::Str, false),
    ("start_char", Ty::I64, false),
    ("end_char", Ty::I64, false),
    ("start_byte", Ty::I64, false),
    ("end_byte", Ty::I64, false),
    ("surface", Ty::Str, false),
    ("sentence", Ty::I64, false),
    ("paragraph", Ty::I64, true),
    ("paragraph_hash", Ty::Str, true),
    ("confidence", Ty::F64, false),
    ("kind", Ty::Str, false),
    ("name", Ty::Str, false),
    ("kind_cue", Ty::Bool, false),
];

/// Writes extracted articles to `DIR/articles.parquet`, `DIR/paragraphs.parquet` and
/// `DIR/mentions.parquet` (each under a temporary name until [`ExtractWriter::finish`]).
pub struct ExtractWriter {
    articles: TableWriter,
    paragraphs: TableWriter,
    mentions: TableWriter,
}

impl ExtractWriter {
    /// Creates `dir` if needed and opens the three files in it; a directory that
    /// already holds them is refused unless `force`.
    pub fn create(dir: &Path, force: bool) -> Result<ExtractWriter> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = |name: &str| -> Result<PathBuf> {
            let p = dir.join(name);
            if p.exists() && !force {
                return Err(Error::InvalidArgument(format!(
                    "{} exists (use --force to replace it)",
                    p.display()
                )));
            }
            Ok(p)
        };
        Ok(ExtractWriter {
            articles: TableWriter::create(&path(ARTICLES_FILE)?, ARTICLES)?,
            paragraphs: TableWriter::create(&path(PARAGRAPHS_FILE)?, PARAGRAPHS)?,
            mentions: TableWriter::create(&path(MENTIONS_FILE)?, MENTIONS)?,
        })
    }

    /// Appends one article's rows.
    pub fn write(&mut self, a: &ExtractedArticle) -> Result<()> {
        let id = Some(a.external_id.as_str());
        let source = a.source.as_deref();
        self.articles.row(&[
            Cell::Str(id),
            Cell::Str(Some(&a.title)),
            Cell::Str(Some(&a.body)),
            Cell::Str(a.language.as_deref()),
            Cell::Str(source),
            Cell::Str(a.url.as_deref()),
            Cell::Str(a.published_at.as_deref()),
            Cell::Str(a.origin.as_deref()),
            Cell::Str(a.extractor.as_deref()),
            Cell::I64(a.mentions.as_ref().map(|m| m.len() as i64)),
            Cell::Str(Some(&content_hash(&a.title, &a.body))),
        ])?;
        for p in &a.paragraphs {
            self.paragraphs.row(&[
                Cell::Str(id),
                Cell::Str(source),
                Cell::I64(Some(p.idx as i64)),
                Cell::I64(Some(p.start_char as i64)),
                Cell::I64(Some(p.end_char as i64)),
                Cell::I64(Some(p.start_byte as i64)),
                Cell::I64(Some(p.end_byte as i64)),
                Cell::Str(p.language.as_deref()),
                Cell::Bool(Some(p.boilerplate)),
                Cell::Str(Some(&p.text_hash)),
            ])?;
        }
        for m in a.mentions.iter().flatten() {
            let e = &m.mention;
            let hash = e
                .paragraph
                .and_then(|i| a.paragraphs.get(i))
                .map(|p| p.text_hash.as_str());
            self.mentions.row(&[
                Cell::Str(id),
                Cell::Str(source),
                Cell::Str(Some(match e.field {
                    Field::Title => "title",
                    Field::Body => "body",
                })),
                Cell::I64(Some(e.start_char as i64)),
                Cell::I64(Some(e.end_char as i64)),
                Cell::I64(Some(e.start_byte as i64)),
                Cell::I64(Some(e.end_byte as i64)),
                Cell::Str(Some(&m.surface)),
                Cell::I64(Some(e.sentence as i64)),
                Cell::I64(e.paragraph.map(|p| p as i64)),
                Cell::Str(hash),
                // As the store keeps it: the tagger's f32, clamped, widened.
                Cell::F64(Some(f64::from(e.confidence.clamp(0.0, 1.0)))),
                Cell::Str(Some(e.kind.as_str())),
                Cell::Str(Some(&e.name)),
                Cell::Bool(Some(e.cued)),
            ])?;
        }
        Ok(())
    }

    /// Completes the three files; returns the rows of articles, paragraphs and mentions.
    pub fn finish(self) -> Result<[u64; 3]> {
        Ok([
            self.articles.finish()?,
            self.paragraphs.finish()?,
            self.mentions.finish()?,
        ])
    }
}
