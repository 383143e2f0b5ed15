//! Structured records (JSON Lines, JSON arrays, CSV/TSV rows) into articles.
//!
//! Fields: `id` (or `external_id`, which wins), `title`, `body` (or `text`), and
//! optional `url`, `source`, `published` (or `published_at`, `date`) and `language`.
//! Unknown fields are ignored.

use std::collections::HashMap;

use foldhash::fast::RandomState as Fast;

use serde_json::{Map, Value};

use super::Parsed;
use crate::dates::normalize_date;
use crate::model::{content_hash, NewArticle};

/// Why a record is not an article.
pub type RecordResult = std::result::Result<Parsed, String>;

/// Whether a field value says nothing: `null`, or a string of only whitespace.
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The first of `names` the record has a value for, with that value: `null` and blank
/// strings count as absent, so `"body": null` or `"body": ""` beside a `"text"` falls
/// back to the text.
fn text_field<'a, 'n>(
    obj: &'a Map<String, Value>,
    names: &[&'n str],
) -> Option<(&'n str, &'a Value)> {
    names
        .iter()
        .find_map(|n| obj.get(*n).filter(|v| !is_blank(v)).map(|v| (*n, v)))
}

fn as_text(v: &Value, name: &str) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "field {name:?} must be a string, not {}",
            match other {
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
                _ => "null",
            }
        )),
    }
}

fn optional(
    obj: &Map<String, Value>,
    names: &[&str],
) -> std::result::Result<Option<String>, String> {
    match text_field(obj, names) {
        None => Ok(None),
        Some((name, v)) => {
            let s = as_text(v, name)?;
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
    }
}

/// Normalises a body: line endings to `\n`, lines trimmed, blank lines dropped, so a
/// paragraph is one line as in the seed format.
pub fn normalize_body(body: &str) -> String {
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The literal text of the id fields of a JSON record.
#[derive(serde::Deserialize)]
struct IdLiterals<'a> {
    #[serde(borrow, default)]
    id: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    external_id: Option<&'a serde_json::value::RawValue>,
}

/// Parses one JSON record (a JSON line or an array element) into an article. An integer
/// id too large for 64 bits keeps its digits: as a JSON number it would be rounded to a
/// float ("1.2345678901234568e29").
pub fn from_json_bytes(bytes: &[u8], origin: &str) -> RecordResult {
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    if let Value::Object(obj) = &mut value {
        let rounded = |v: Option<&Value>| matches!(v, Some(Value::Number(n)) if n.is_f64());
        if rounded(obj.get("id")) || rounded(obj.get("external_id")) {
            // Duplicate keys make this fail; the rounded value then stays.
            if let Ok(lit) = serde_json::from_slice::<IdLiterals<'_>>(bytes) {
                for (key, raw) in [("id", lit.id), ("external_id", lit.external_id)] {
                    let Some(text) = raw.map(|r| r.get()) else {
                        continue;
                    };
                    let digits = text.strip_prefix('-').unwrap_or(text);
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        obj.insert(key.to_string(), Value::String(text.to_string()));
                    }
                }
            }
        }
    }
    from_json(value, origin)
}

/// Turns one JSON value into an article. `origin` names the file.
pub fn from_json(value: Value, origin: &str) -> RecordResult {
    let Value::Object(obj) = value else {
        let kind = match value {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(format!(
            "expected a JSON object with title and body, found {kind}"
        ));
    };
    from_object(&obj, origin)
}

/// Turns a field map (a JSON object or a CSV row) into an article.
pub fn from_object(obj: &Map<String, Value>, origin: &str) -> RecordResult {
    let title = optional(obj, &["title", "headline"])?.ok_or("missing required field \"title\"")?;
    let body = optional(obj, &["body", "text", "content"])?
        .map(|b| normalize_body(&b))
        .filter(|b| !b.is_empty())
        .ok_or("missing required field \"body\" (or \"text\")")?;
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    // `external_id` first: in a newsdb export, `id` is the row id of the archive it
    // came from, and importing the export must keep the articles' own ids.
    let id = optional(obj, &["external_id", "id"])?;
    // `published_raw` last: a newsdb export carries an unreadable date there, and
    // importing the export keeps it.
    let published_raw = optional(obj, &["published", "published_at", "date", "published_raw"])?;
    let mut warnings = Vec::new();
    let published_at = published_raw.map(|raw| match normalize_date(&raw) {
        Some(iso) => iso,
        None => {
            warnings.push(format!(
                "published date {raw:?} is not a date newsdb recognises; kept as given in \
                 published_raw, and the article counts as undated"
            ));
            raw
        }
    });
    let numeric_id = id.is_some()
        && matches!(
            text_field(obj, &["external_id", "id"]),
            Some((_, Value::Number(_)))
        );
    let external_id = id.unwrap_or_else(|| format!("sha-{}", &content_hash(&title, &body)[..16]));
    Ok(Parsed {
        numeric_id,
        article: NewArticle {
            external_id,
            title,
            body,
            language: optional(obj, &["language", "lang"])?.map(|l| l.to_lowercase()),
            source: optional(obj, &["source", "publisher"])?,
            url: optional(obj, &["url", "link"])?,
            published_at,
            origin: Some(origin.to_string()),
        },
        warnings,
    })
}

/// How many ids of one file [`RepeatedIds`] remembers (17 bytes each in its table: at
/// most 36 MB for a file of a million records, against 52 MB with 64 bits of content
/// hash and 144 MB when it kept each record's label).
pub const MAX_REMEMBERED_IDS: usize = 1_000_000;

/// What [`RepeatedIds`] keeps of a record: enough to compare, never the record; 8
/// bytes.
#[derive(Clone, Copy)]
struct Seen {
    /// 31 bits of the content's hash, and in the top bit whether the id was a number.
    /// Two contents under one id share the 31 bits with a chance of 1 in 2 billion,
    /// and then only the warning that the later record replaces the earlier is lost.
    content_numeric: u32,
    /// The number in the record's label ("line 12"), or [`NO_NUMBER`].
    number: u32,
}

impl Seen {
    const NUMERIC: u32 = 1 << 31;

    /// The packed content hash and id type.
    fn pack(content: u64, numeric: bool) -> u32 {
        (content as u32 & !Self::NUMERIC) | if numeric { Self::NUMERIC } else { 0 }
    }

    /// Whether `content` (a full hash) is the content this record had.
    fn same_content(self, content: u64) -> bool {
        (self.content_numeric ^ Self::pack(content, false)) & !Self::NUMERIC == 0
    }

    fn numeric(self) -> bool {
        self.content_numeric & Self::NUMERIC != 0
    }
}

/// [`Seen::number`] of a record whose label is not the file's word and a number.
const NO_NUMBER: u32 = u32::MAX;

/// Finds ids repeated within one file, which would otherwise go unnoticed: the later
/// record silently replaces the earlier (a different content), or `1` and `"1"` name
/// one article. Feed it each file's records in order; it gives the warnings to record
/// with a record. Memory is bounded: after [`MAX_REMEMBERED_IDS`] ids a file's later
/// records are not compared, and a warning says so. Ids and contents are compared by
/// 64-bit hashes: two ids of a million-record file share one with a chance of about
/// 3 in 100 million.
#[derive(Default)]
pub struct RepeatedIds {
    origin: String,
    /// The word of this file's record labels ("line", "row", "record"), from its first.
    word: Option<String>,
    seen: HashMap<u64, Seen, Fast>,
    full: bool,
}

fn digest8(parts: &[&str]) -> u64 {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let mut out = [0; 8];
    out.copy_from_slice(&h.finalize().as_bytes()[..8]);
    u64::from_le_bytes(out)
}

/// A record label ("line 12") as its word and number.
fn label_parts(record: &str) -> Option<(&str, u32)> {
    let (word, n) = record.rsplit_once(' ')?;
    Some((word, n.parse().ok().filter(|&n| n != NO_NUMBER)?))
}

impl RepeatedIds {
    /// The warnings for this record of `origin` (`record` is its line, row or record).
    pub fn check(&mut self, origin: &str, record: Option<&str>, parsed: &Parsed) -> Vec<String> {
        if self.origin != origin {
            self.origin = origin.to_string();
            self.word = None;
            self.seen.clear();
            self.full = false;
        }
        let Some(record) = record else {
            return Vec::new();
        };
        let a = &parsed.article;
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        let content = digest8(&[
            &a.title,
            &a.body,
            &opt(&a.published_at),
            &opt(&a.url),
            &opt(&a.source),
            &opt(&a.language),
        ]);
        let key = digest8(&[&a.external_id]);
        let id = &a.external_id;
        let mut warnings = Vec::new();
        match self.seen.get(&key) {
            Some(&first) => {
                let first_record = match (&self.word, first.number) {
                    (Some(word), n) if n != NO_NUMBER => format!("{word} {n}"),
                    _ => "an earlier record".to_string(),
                };
                if !first.same_content(content) {
                    warnings.push(format!(
                        "id {id:?} is also the id of {} of this file, with other content: this \
                         record replaces that one (give each article its own id)",
                        first_record
                    ));
                }
                if first.numeric() != parsed.numeric_id {
                    let (here, there) = if parsed.numeric_id {
                        ("a number", "a string")
                    } else {
                        ("a string", "a number")
                    };
                    warnings.push(format!(
                        "id {id:?} is {here} here and {there} in {}: both name the same \
                         article {id:?}",
                        first_record
                    ));
                }
            }
            None if self.seen.len() >= MAX_REMEMBERED_IDS => {
                if !self.full {
                    self.full = true;
                    warnings.push(format!(
                        "this file has more than {MAX_REMEMBERED_IDS} ids: from here on, a \
                         record is not compared with the earlier ones for a repeated id"
                    ));
                }
            }
            None => {
                let parts = label_parts(record);
                if let (None, Some((word, _))) = (&self.word, parts) {
                    self.word = Some(word.to_string());
                }
                let number = match (parts, &self.word) {
                    (Some((word, n)), Some(ours)) if word == ours => n,
                    _ => NO_NUMBER,
                };
                self.seen.insert(
                    key,
                    Seen {
                        content_numeric: Seen::pack(content, parsed.numeric_id),
                        number,
                    },
                );
            }
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_repeated_id_names_the_first_record_by_its_label_in_a_few_bytes() {
        let record = |id: &str, title: &str| {
            from_json(json!({"id": id, "title": title, "body": "B"}), "f").unwrap()
        };
        let mut r = RepeatedIds::default();
        assert!(r.check("f", Some("row 7"), &record("a", "One")).is_empty());
        assert!(r
            .check("f", Some("odd label"), &record("b", "One"))
            .is_empty());
        let again = r.check("f", Some("row 9"), &record("a", "Two"));
        assert_eq!(again.len(), 1);
        assert!(
            again[0].contains("also the id of row 7 of this file"),
            "{again:?}"
        );
        // A label that is not the file's word and a number is not kept.
        let odd = r.check("f", Some("row 10"), &record("b", "Two"));
        assert!(
            odd[0].contains("also the id of an earlier record"),
            "{odd:?}"
        );
        // The same content again is no warning; another file starts afresh.
        assert!(r.check("f", Some("row 11"), &record("a", "One")).is_empty());
        assert!(r.check("g", Some("row 1"), &record("a", "Two")).is_empty());
        // The id's type is kept beside the content's hash, and neither hides the other.
        let typed = |id: serde_json::Value, title: &str| {
            from_json(json!({"id": id, "title": title, "body": "B"}), "f").unwrap()
        };
        assert!(r
            .check("h", Some("row 1"), &typed(json!(5), "One"))
            .is_empty());
        let both = r.check("h", Some("row 2"), &typed(json!("5"), "Two"));
        assert_eq!(both.len(), 2, "{both:?}");
        assert!(both[0].contains("other content"), "{both:?}");
        assert!(both[1].contains("a string here and a number"), "{both:?}");
        let same = r.check("h", Some("row 3"), &typed(json!("5"), "One"));
        assert_eq!(same.len(), 1, "{same:?}");
        assert!(same[0].contains("a string here"), "{same:?}");
        // What the table holds per id (the figure MAX_REMEMBERED_IDS documents).
        assert_eq!(std::mem::size_of::<(u64, Seen)>(), 16);
    }

    #[test]
    fn external_id_wins_over_a_row_id_as_in_a_newsdb_export() {
        let p = from_json(
            json!({"id": "7", "external_id": "business/001", "title": "T", "body": "B"}),
            "x",
        )
        .unwrap();
        assert_eq!(p.article.external_id, "business/001");
        let p = from_json(json!({"id": "7", "title": "T", "body": "B"}), "x").unwrap();
        assert_eq!(p.article.external_id, "7");
    }

    #[test]
    fn fields_and_their_alternatives_are_read() {
        let p = from_json(
            json!({"id": 7, "title": " A  title ", "text": "One.\r\n\r\nTwo.", "date": "2018-02-25",
                   "source": "Wire", "extra": [1, 2]}),
            "f.jsonl",
        )
        .unwrap();
        let a = p.article;
        assert_eq!(a.external_id, "7");
        assert_eq!(a.title, "A title");
        assert_eq!(a.body, "One.\nTwo.");
        assert_eq!(a.published_at.as_deref(), Some("2018-02-25"));
        assert_eq!(a.source.as_deref(), Some("Wire"));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn a_null_or_blank_body_falls_back_to_text() {
        for body in [json!(null), json!(""), json!(" \n ")] {
            let p = from_json(
                json!({"id": "a", "title": "T", "body": body, "text": "From text."}),
                "f",
            )
            .unwrap();
            assert_eq!(p.article.body, "From text.", "body {body}");
        }
        let p = from_json(
            json!({"external_id": "", "id": "7", "title": "T", "body": "B"}),
            "f",
        )
        .unwrap();
        assert_eq!(p.article.external_id, "7");
        assert!(
            from_json(json!({"title": "T", "body": "", "text": null}), "f")
                .unwrap_err()
                .contains("\"body\"")
        );
    }

    #[test]
    fn missing_fields_and_non_objects_are_errors() {
        assert!(from_json(json!({"title": "x"}), "f")
            .unwrap_err()
            .contains("\"body\""));
        assert!(from_json(json!({"body": "x"}), "f")
            .unwrap_err()
            .contains("\"title\""));
        assert!(from_json(json!([1]), "f").unwrap_err().contains("an array"));
        assert!(from_json(json!({"title": {"a": 1}, "body": "x"}), "f")
            .unwrap_err()
            .contains("must be a string"));
    }

    #[test]
    fn bad_dates_are_kept_with_a_warning_and_ids_derive_from_content() {
        let p = from_json(json!({"title": "T", "body": "B", "published": "soon"}), "f").unwrap();
        assert_eq!(p.article.published_at.as_deref(), Some("soon"));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.article.external_id.starts_with("sha-"));
    }
}
