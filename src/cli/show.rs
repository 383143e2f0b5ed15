//! `newsdb show`: one article with its mentions.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::{without_controls, Format, Table};
use newsdb::query::Segment;
use newsdb::{query, Article, EntityId, EntityKind, Field, Mention};
use serde::Serialize;

use super::Ctx;

/// Show one article, by external id or row id, with its mentions.
///
/// An external id wins: `show 1` is the article whose external id is 1 when there is
/// one, else the article with row id 1; `show '#1'` always means row id 1.
///
/// As a table, the title and body are printed with every mention marked, followed by
/// the list of mentions; other formats give the article's columns and a `mentions`
/// array.
///
/// On a terminal, mentions are coloured by kind (person cyan, organization green,
/// location yellow, misc magenta) and paragraphs are wrapped to its width. Otherwise
/// (a pipe, a file, --color never) each mention is written ⟦surface|kind⟧ with the
/// white square brackets U+27E6 and U+27E7, and a ⟦, ⟧ or \ of the text itself is
/// preceded by a backslash, so the markup can never be taken for the text's own
/// brackets ("[en anglais]" stays as it is).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb show 1
  newsdb show '#1'
  newsdb show 000_74746990a53cdcfb --color never | head -4
  newsdb show 000_74746990a53cdcfb --format json")]
pub struct Args {
    /// External id of the article, else its row id (`#N` is always row id N).
    id: String,
    /// Colour the mentions: auto (on a terminal, unless NO_COLOR is set), always or
    /// never (the plain ⟦surface|kind⟧ form).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// When `show` colours mentions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    /// On a terminal, unless the NO_COLOR variable is set.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never: the plain ⟦surface|kind⟧ form.
    Never,
}

/// The ANSI colour that marks a mention of each kind.
fn colour(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "\x1b[1;36m",
        EntityKind::Organization => "\x1b[1;32m",
        EntityKind::Location => "\x1b[1;33m",
        EntityKind::Misc => "\x1b[1;35m",
    }
}

const RESET: &str = "\x1b[0m";

/// One word of a paragraph to print, and the colour of the mention it belongs to.
struct Word {
    text: String,
    colour: Option<&'static str>,
}

/// The paragraph as words (split at spaces, each knowing its mention's colour), so
/// that a coloured mention can be wrapped between its words.
fn words(segments: &[Segment<'_>], coloured: bool) -> Vec<Vec<Word>> {
    // Pieces separated by spaces; a piece joins the text and mentions it touches.
    let mut words: Vec<Vec<Word>> = vec![Vec::new()];
    for segment in segments {
        let (text, colour) = match *segment {
            Segment::Text(t) => (
                if coloured {
                    t.to_string()
                } else {
                    query::escape_marked(t)
                },
                None,
            ),
            Segment::Mention { surface, kind, .. } => {
                if coloured {
                    (surface.to_string(), Some(colour(kind)))
                } else {
                    (query::mark(surface, kind), None)
                }
            }
        };
        for (i, piece) in text.split(' ').enumerate() {
            if i > 0 {
                words.push(Vec::new());
            }
            if !piece.is_empty() {
                let last = words.last_mut().expect("starts with one word");
                last.push(Word {
                    text: piece.to_string(),
                    colour,
                });
            }
        }
    }
    // Empty words kept: joined with single spaces, the words give the text back with
    // every space it had.
    words
}

/// The lines of a paragraph cut into `words`, at most `width` characters each when a
/// width is given (a longer word has a line of its own), with the colours applied.
fn lines(words: &[Vec<Word>], width: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    let mut first = true;
    for word in words {
        let n: usize = word.iter().map(|p| p.text.chars().count()).sum();
        if let Some(w) = width {
            if len > 0 && len + 1 + n > w {
                out.push(std::mem::take(&mut line));
                len = 0;
                first = true;
            }
        }
        if !first {
            line.push(' ');
            len += 1;
        }
        first = false;
        for piece in word {
            let text = without_controls(&piece.text);
            match piece.colour {
                Some(c) => {
                    line.push_str(c);
                    line.push_str(&text);
                    line.push_str(RESET);
                }
                None => line.push_str(&text),
            }
        }
        len += n;
    }
    out.push(line);
    out
}

#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    article: Article,
    mentions: Vec<ShownMention>,
}

/// A mention with the name and kind of its entity.
#[derive(Serialize)]
struct ShownMention {
    #[serde(flatten)]
    mention: Mention,
    entity_name: String,
    entity_kind: EntityKind,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let article = super::find_article(&store, &args.id)?;
    let mentions = store.mentions_of_article(article.id)?;
    if ctx.format != Format::Table {
        let mut entities: HashMap<EntityId, (String, EntityKind)> = HashMap::new();
        let mut shown = Vec::with_capacity(mentions.len());
        for mention in mentions {
            if !entities.contains_key(&mention.entity_id) {
                let e = store
                    .entity(mention.entity_id)?
                    .ok_or_else(|| anyhow::anyhow!("mention {} has no entity", mention.id.0))?;
                entities.insert(e.id, (e.name, e.kind));
            }
            let (entity_name, entity_kind) = entities[&mention.entity_id].clone();
            shown.push(ShownMention {
                mention,
                entity_name,
                entity_kind,
            });
        }
        ctx.print_record(&Shown {
            article,
            mentions: shown,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let conn = store.conn();
    let terminal = std::io::stdout().is_terminal();
    let coloured = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    // Wrapped to the terminal only: a pipe or a file gets one line per paragraph.
    let width = terminal.then(|| ctx.width().max(20));
    let title = query::marked_segments(conn, article.id, Field::Title, &article.title)?;
    let body = query::marked_segments(conn, article.id, Field::Body, &article.body)?;
    let meta = [
        Some(format!("#{} {}", article.id, article.external_id)),
        article.published_at.clone(),
        article
            .published_raw
            .as_ref()
            .map(|raw| format!("date {raw:?} (not read)")),
        article.source.clone(),
        article.language.clone(),
        article.url.clone(),
    ];
    // writeln!, not println!: a closed pipe (`| head`) is an error to end on
    // quietly, not a panic.
    // Control characters from imported text never reach the terminal.
    let mut out = std::io::stdout().lock();
    for line in lines(&words(&title, coloured), width) {
        writeln!(out, "{line}")?;
    }
    let meta = meta
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    writeln!(out, "{}", without_controls(&meta))?;
    writeln!(out)?;
    for paragraph in query::split_paragraphs(&body) {
        for line in lines(&words(&paragraph, coloured), width) {
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    drop(out);
    let entities = query::entities_in_article(conn, article.id)?;
    if entities.is_empty() {
        writeln!(std::io::stdout(), "(no mentions)")?;
    } else {
        ctx.print(&Table::from_rows(
            &entities,
            &["id", "kind", "name", "mentions"],
        )?)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEGMENTS: [Segment<'static>; 4] = [
        Segment::Mention {
            surface: "Bashar al-Assad",
            kind: EntityKind::Person,
            entity: EntityId(1),
        },
        Segment::Text(" has travelled to "),
        Segment::Mention {
            surface: "Tehran",
            kind: EntityKind::Location,
            entity: EntityId(2),
        },
        Segment::Text(" [en anglais] to meet officials"),
    ];

    #[test]
    fn plain_markup_is_one_line_and_coloured_markup_wraps_at_the_width() {
        let plain = lines(&words(&SEGMENTS, false), None);
        assert_eq!(
            plain,
            [
                "⟦Bashar al-Assad|person⟧ has travelled to ⟦Tehran|location⟧ [en anglais] to \
              meet officials"
            ]
        );
        let wrapped = lines(&words(&SEGMENTS, true), Some(20));
        let visible: Vec<String> = wrapped
            .iter()
            .map(|l| {
                l.replace(RESET, "")
                    .replace(colour(EntityKind::Person), "")
                    .replace(colour(EntityKind::Location), "")
            })
            .collect();
        assert_eq!(
            visible,
            [
                "Bashar al-Assad has",
                "travelled to Tehran",
                "[en anglais] to meet",
                "officials"
            ]
        );
        assert!(visible.iter().all(|l| l.chars().count() <= 20));
        // Each word of a mention is coloured on its own line.
        assert!(wrapped[0].starts_with("\x1b[1;36mBashar\x1b[0m \x1b[1;36mal-Assad"));
        assert!(wrapped[1].ends_with("\x1b[1;33mTehran\x1b[0m"));
    }

    #[test]
    fn unwrapped_lines_keep_every_space_of_the_text() {
        let text = [Segment::Text("  two  spaces, "), Segment::Text("end ")];
        assert_eq!(lines(&words(&text, false), None), ["  two  spaces, end "]);
    }
}
