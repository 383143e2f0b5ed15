//! Re-running entity extraction on stored articles, after a model or resolution
//! change: mentions are replaced, articles and paragraphs stay, merges still apply.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::{extract, thread_pool, write, ImportOptions, ImportReport};
use crate::error::Result;
use crate::model::ArticleId;
use crate::ner::Model;
use crate::paragraphs::{self, Paragraph};
use crate::store::Store;

const SQL_ALL_IDS: &str = "SELECT id FROM articles ORDER BY id";
const SQL_ARTICLE: &str = "SELECT title, body, language FROM articles WHERE id = ?1";
const SQL_PARAGRAPHS: &str = "SELECT idx, start_char, end_char, start_byte, end_byte, language,
    boilerplate, text_hash FROM paragraphs WHERE article_id = ?1 ORDER BY idx";

struct Stored {
    id: ArticleId,
    title: String,
    body: String,
    language: Option<String>,
    paragraphs: Vec<Paragraph>,
}

impl Store {
    /// Extracts the entities of the given articles again (all of them for `None`),
    /// replacing their mentions. Articles in another language than English are
    /// skipped and counted in `not_english`; the rest count as `updated`.
    pub fn reextract(
        &mut self,
        articles: Option<&[ArticleId]>,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let started = Instant::now();
        let ids: Vec<ArticleId> = match articles {
            Some(ids) => ids.to_vec(),
            None => {
                let mut stmt = self.conn().prepare(SQL_ALL_IDS)?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
        };
        let model = Model::embedded();
        let workers = thread_pool(opts.jobs)?;
        let opts = ImportOptions {
            extract: true,
            arguments: opts.arguments.clone().or_else(|| Some("reextract".into())),
            ..opts.clone()
        };
        let file = self.path().map(Path::to_path_buf);
        let mut writer = write::Writer::start(self.conn_mut(), &opts, Some(model))?;
        writer.set_file(file.as_deref());
        // Read and extracted a part at a time; a batch's parts share one transaction.
        for chunk in ids.chunks(super::part_records(opts.batch_size)) {
            let stored = chunk
                .iter()
                .map(|&id| writer.load_article(id))
                .collect::<Result<Vec<_>>>()?;
            let done: Vec<_> = workers.install(|| {
                stored
                    .into_par_iter()
                    .flatten()
                    .map(|s| {
                        let english = s.language.as_deref().is_none_or(paragraphs::is_english);
                        let found = english
                            .then(|| extract::extract(model, &s.title, &s.body, &s.paragraphs));
                        (s, found)
                    })
                    .collect()
            });
            if let Err(e) = writer.replace_mentions(done) {
                writer.abort();
                return Err(e);
            }
        }
        writer.finish(started, &mut |_| {})
    }
}

impl write::Writer<'_> {
    /// Reads a stored article and its paragraphs (computing them for articles stored
    /// before paragraphs existed). `None` if the id does not exist.
    fn load_article(&mut self, id: ArticleId) -> Result<Option<Stored>> {
        let conn = self.conn();
        let Some((title, body, language)) = conn
            .prepare_cached(SQL_ARTICLE)?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?
        else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(SQL_PARAGRAPHS)?;
        let paragraphs: Vec<Paragraph> = stmt
            .query_map([id], |r| {
                Ok(Paragraph {
                    idx: r.get::<_, i64>(0)? as usize,
                    start_char: r.get::<_, i64>(1)? as usize,
                    end_char: r.get::<_, i64>(2)? as usize,
                    start_byte: r.get::<_, i64>(3)? as usize,
                    end_byte: r.get::<_, i64>(4)? as usize,
                    language: r.get(5)?,
                    boilerplate: r.get(6)?,
                    text_hash: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let paragraphs = if paragraphs.is_empty() {
            paragraphs::analyze(&title, &body, language.as_deref()).0
        } else {
            paragraphs
        };
        Ok(Some(Stored {
            id,
            title,
            body,
            language,
            paragraphs,
        }))
    }

    /// Replaces the mentions of each article of one part of a batch, in the batch's
    /// transaction ([`write::Writer::end_part`]).
    fn replace_mentions(
        &mut self,
        done: Vec<(Stored, Option<Vec<extract::Extracted>>)>,
    ) -> Result<()> {
        self.begin_batch()?;
        let records = done.len();
        for (s, found) in done {
            // The article was read before this transaction: if an import changed it
            // since, extract what is stored now, or the spans would point into the
            // old text.
            let (s, found) = match self.load_article(s.id)? {
                None => continue,
                Some(now) if now.title == s.title && now.body == s.body => (s, found),
                Some(now) => {
                    let english = now.language.as_deref().is_none_or(paragraphs::is_english);
                    let found = english.then(|| {
                        extract::extract(Model::embedded(), &now.title, &now.body, &now.paragraphs)
                    });
                    (now, found)
                }
            };
            self.delete_mentions(s.id)?;
            match found {
                Some(found) => {
                    self.count_updated();
                    self.write_mentions(s.id, &s.title, &s.body, &found, None)?;
                }
                None => self.count_not_english(),
            }
        }
        self.end_part(records, 0)
    }
}
