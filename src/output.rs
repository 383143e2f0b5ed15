//! Rendering rows as a terminal table, JSON, JSON Lines, CSV or TSV. Every command
//! renders through here, so every command supports every format the same way.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::store::QueryResult;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns for people, fitted to the terminal width.
    #[default]
    Table,
    /// One JSON array of objects (an object for single records).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row, one line per record: tabs, newlines,
    /// carriage returns and backslashes in fields are escaped (see [`tsv_escape`]).
    Tsv,
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            _ => Err(Error::InvalidArgument(format!(
                "unknown output format {s:?} (expected table, json, jsonl, csv, tsv)"
            ))),
        }
    }
}

impl Format {
    /// Whether this format is JSON or JSON Lines: made for programs, so numbers keep
    /// their full precision there.
    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::Jsonl)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        })
    }
}

/// Named columns and rows of JSON values: what every command produces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Value>>,
    /// Columns whose cells, when too wide for a terminal table, lose their start
    /// instead of their end (a left context keeps the words next to its keyword).
    pub cut_start: Vec<String>,
}

impl From<QueryResult> for Table {
    fn from(q: QueryResult) -> Self {
        Table {
            columns: q.columns,
            rows: q.rows,
            cut_start: Vec::new(),
        }
    }
}

fn to_object<T: Serialize>(item: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(item).map_err(|e| Error::InvalidArgument(e.to_string()))? {
        Value::Object(m) => Ok(m),
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            Ok(m)
        }
    }
}

impl Table {
    /// A table with the given column names and no rows.
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            cut_start: Vec::new(),
        }
    }

    /// Writes the numbers of `column` with exactly `decimals` decimals (as text, so
    /// that `4.9` shows as `4.90`); other cells are left as they are. For the formats
    /// people read: JSON keeps full precision.
    pub fn round_column(&mut self, column: &str, decimals: usize) {
        let Some(i) = self.columns.iter().position(|c| c == column) else {
            return;
        };
        for row in &mut self.rows {
            if let Some(x) = row.get(i).and_then(Value::as_f64) {
                // `-0.00` reads as a sign error: a tiny negative rounds to plain zero.
                let text = format!("{x:.decimals$}");
                let text = match text.strip_prefix('-') {
                    Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
                    _ => text,
                };
                row[i] = Value::String(text);
            }
        }
    }

    /// One row per item, columns from the serialized fields (in declaration order).
    /// `columns` names them for the case where there are no items.
    pub fn from_rows<T: Serialize>(items: &[T], columns: &[&str]) -> Result<Table> {
        let mut t = Table::new(columns);
        for item in items {
            let obj = to_object(item)?;
            if t.rows.is_empty() && t.columns.is_empty() {
                t.columns = obj.keys().cloned().collect();
            }
            t.rows.push(
                t.columns
                    .iter()
                    .map(|c| obj.get(c).cloned().unwrap_or(Value::Null))
                    .collect(),
            );
        }
        Ok(t)
    }

    fn objects(&self) -> impl Iterator<Item = Map<String, Value>> + '_ {
        self.rows.iter().map(|r| {
            self.columns
                .iter()
                .cloned()
                .zip(r.iter().cloned())
                .collect::<Map<String, Value>>()
        })
    }
}

/// A cell as plain text: strings unquoted, null empty, arrays and objects as JSON.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| i.is_string()) => items
            .iter()
            .filter_map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn io_err(e: io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// `s` with every control character but newline and tab shown as `�`: imported text
/// printed as is could carry terminal escape sequences (ESC, OSC, BEL) that recolour,
/// retitle or rewrite the user's terminal.
pub fn without_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// `s` cut to `width` characters by dropping its start (`…` in front), at a word
/// boundary when the kept text has one.
fn truncate_start(s: &str, width: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let n = flat.chars().count();
    if n <= width {
        flat
    } else if width == 0 {
        String::new()
    } else {
        let kept: String = flat.chars().skip(n - (width - 1)).collect();
        let dropped = flat.chars().nth(n - width).unwrap_or(' ');
        let words = match kept.find(char::is_whitespace) {
            Some(i) if !dropped.is_whitespace() && !kept[i..].trim().is_empty() => &kept[i..],
            _ => &kept,
        };
        format!("…{words}")
    }
}

fn truncate(s: &str, width: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= width {
        flat
    } else if width == 0 {
        String::new()
    } else {
        let mut t: String = flat.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// Column widths that fit `max_width`: the widest columns give way first.
fn fit_widths(natural: &[usize], max_width: usize) -> Vec<usize> {
    let mut w = natural.to_vec();
    let sep = 2 * w.len().saturating_sub(1);
    let budget = max_width.saturating_sub(sep);
    while w.iter().sum::<usize>() > budget {
        let (i, &widest) = w
            .iter()
            .enumerate()
            .max_by_key(|(_, x)| **x)
            .expect("a table has at least one column when it is too wide");
        if widest <= 8 {
            break;
        }
        w[i] = widest - 1;
    }
    w
}

fn write_table(t: &Table, width: usize, out: &mut dyn Write) -> Result<()> {
    if t.columns.is_empty() {
        return Ok(());
    }
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let natural: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(t.columns[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths = fit_widths(&natural, width);
    let from_start: Vec<bool> = t.columns.iter().map(|c| t.cut_start.contains(c)).collect();
    let line = |vals: &[String]| -> String {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            let cell = if from_start[i] {
                truncate_start(v, widths[i])
            } else {
                truncate(v, widths[i])
            };
            if i + 1 < vals.len() {
                let pad = widths[i] - cell.chars().count();
                s.push_str(&cell);
                s.extend(std::iter::repeat_n(' ', pad + 2));
            } else {
                s.push_str(&cell);
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(&t.columns)).map_err(io_err)?;
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "{}", line(&rule)).map_err(io_err)?;
    for r in &cells {
        writeln!(out, "{}", line(r)).map_err(io_err)?;
    }
    Ok(())
}

/// A cell as CSV/TSV text: arrays and objects as JSON, so they can be read back.
fn field_text(v: &Value) -> String {
    match v {
        Value::Array(_) | Value::Object(_) => v.to_string(),
        other => cell_text(other),
    }
}

fn write_csv(t: &Table, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let csv_err = |e: csv::Error| Error::InvalidArgument(format!("writing CSV: {e}"));
    w.write_record(&t.columns).map_err(csv_err)?;
    for r in &t.rows {
        w.write_record(r.iter().map(field_text)).map_err(csv_err)?;
    }
    w.flush().map_err(io_err)?;
    Ok(())
}

/// A field escaped for TSV: a backslash, tab, newline or carriage return becomes
/// `\\`, `\t`, `\n` or `\r`, so every record is one line and every tab separates
/// fields (the text format of PostgreSQL's `COPY` and MySQL's
/// `LOAD DATA`); nothing is quoted.
pub fn tsv_escape(field: &str) -> std::borrow::Cow<'_, str> {
    if !field.contains(['\\', '\t', '\n', '\r']) {
        return field.into();
    }
    let mut escaped = String::with_capacity(field.len() + 8);
    for c in field.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c => escaped.push(c),
        }
    }
    escaped.into()
}

/// Writes one TSV record: the fields escaped with [`tsv_escape`], separated by tabs,
/// ended by a newline. Every command that writes TSV writes it with this.
pub fn write_tsv_record<S: AsRef<str>>(
    fields: impl IntoIterator<Item = S>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        out.write_all(tsv_escape(field.as_ref()).as_bytes())?;
    }
    out.write_all(b"\n")
}

fn write_tsv(t: &Table, out: &mut dyn Write) -> Result<()> {
    write_tsv_record(&t.columns, out).map_err(io_err)?;
    for r in &t.rows {
        write_tsv_record(r.iter().map(field_text), out).map_err(io_err)?;
    }
    Ok(())
}

/// Writes `t` in `format`; `width` is the terminal width tables must fit.
pub fn render(t: &Table, format: Format, width: usize, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Table => write_table(t, width, out),
        Format::Json => {
            let all: Vec<Value> = t.objects().map(Value::Object).collect();
            serde_json::to_writer_pretty(&mut *out, &all)
                .map_err(|e| Error::InvalidArgument(e.to_string()))?;
            writeln!(out).map_err(io_err)
        }
        Format::Jsonl => {
            for o in t.objects() {
                serde_json::to_writer(&mut *out, &o)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                writeln!(out).map_err(io_err)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(t, out),
        Format::Tsv => write_tsv(t, out),
    }
}

/// A row as a JSON object, its columns in order, serialized without building a map.
struct RowObject<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl Serialize for RowObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (c, v) in self.columns.iter().zip(self.values) {
            map.serialize_entry(c, v)?;
        }
        map.end()
    }
}

/// The next row of a stream: `None` after the last.
pub type NextRow<'a> = dyn FnMut() -> Result<Option<Vec<Value>>> + 'a;

/// Rows pulled from a stream while serde writes a JSON array; the stream's own error,
/// if any, is kept for the caller (the array is closed where it stopped).
struct JsonRows<'a, 'b> {
    columns: &'a [String],
    next: std::cell::RefCell<&'a mut NextRow<'b>>,
    error: std::cell::RefCell<Option<Error>>,
    rows: std::cell::Cell<u64>,
}

impl Serialize for JsonRows<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        loop {
            let next = (self.next.borrow_mut())();
            match next {
                Ok(Some(values)) => {
                    seq.serialize_element(&RowObject {
                        columns: self.columns,
                        values: &values,
                    })?;
                    self.rows.set(self.rows.get() + 1);
                }
                Ok(None) => break,
                Err(e) => {
                    *self.error.borrow_mut() = Some(e);
                    break;
                }
            }
        }
        seq.end()
    }
}

/// What [`render_stream`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streamed {
    /// Rows written.
    pub rows: u64,
    /// Whether a table stopped at its preview and rows were left out.
    pub cut: bool,
}

/// Writes rows taken one at a time from `next`, in `format`: JSON, JSON Lines, CSV and
/// TSV write each row as it comes and hold none, so a result of any size streams. A
/// table needs every row to fit its columns, so it shows the first `preview` rows and
/// says in [`Streamed::cut`] when there were more (without reading the rest).
pub fn render_stream(
    columns: &[String],
    next: &mut NextRow<'_>,
    format: Format,
    width: usize,
    preview: usize,
    out: &mut dyn Write,
) -> Result<Streamed> {
    let json_err = |e: serde_json::Error| match e.io_error_kind() {
        Some(_) => io_err(e.into()),
        None => Error::InvalidArgument(e.to_string()),
    };
    let mut rows = 0u64;
    match format {
        Format::Table => {
            let mut t = Table {
                columns: columns.to_vec(),
                rows: Vec::new(),
                cut_start: Vec::new(),
            };
            while let Some(values) = next()? {
                if t.rows.len() == preview {
                    write_table(&t, width, out)?;
                    return Ok(Streamed {
                        rows: preview as u64,
                        cut: true,
                    });
                }
                t.rows.push(values);
            }
            write_table(&t, width, out)?;
            rows = t.rows.len() as u64;
        }
        Format::Json => {
            let stream = JsonRows {
                columns,
                next: std::cell::RefCell::new(next),
                error: std::cell::RefCell::new(None),
                rows: std::cell::Cell::new(0),
            };
            serde_json::to_writer_pretty(&mut *out, &stream).map_err(json_err)?;
            writeln!(out).map_err(io_err)?;
            if let Some(e) = stream.error.into_inner() {
                return Err(e);
            }
            rows = stream.rows.get();
        }
        Format::Jsonl => {
            while let Some(values) = next()? {
                let row = RowObject {
                    columns,
                    values: &values,
                };
                serde_json::to_writer(&mut *out, &row).map_err(json_err)?;
                writeln!(out).map_err(io_err)?;
                rows += 1;
            }
        }
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
            let csv_err = |e: csv::Error| match e.into_kind() {
                csv::ErrorKind::Io(io) => io_err(io),
                other => Error::InvalidArgument(format!("writing CSV: {other:?}")),
            };
            w.write_record(columns).map_err(csv_err)?;
            while let Some(values) = next()? {
                w.write_record(values.iter().map(field_text))
                    .map_err(csv_err)?;
                rows += 1;
            }
            w.flush().map_err(io_err)?;
        }
        Format::Tsv => {
            write_tsv_record(columns, out).map_err(io_err)?;
            while let Some(values) = next()? {
                write_tsv_record(values.iter().map(field_text), out).map_err(io_err)?;
                rows += 1;
            }
        }
    }
    Ok(Streamed { rows, cut: false })
}

/// Writes one record: an object in JSON, a one-line object in JSON Lines, a
/// field/value table for people, a one-row table in CSV and TSV.
pub fn render_record<T: Serialize>(
    item: &T,
    format: Format,
    width: usize,
    out: &mut dyn Write,
) -> Result<()> {
    let obj = to_object(item)?;
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &obj)
                .map_err(|e| Error::InvalidArgument(e.to_string()))?;
            writeln!(out).map_err(io_err)
        }
        Format::Table => {
            let mut t = Table::new(&["field", "value"]);
            for (k, v) in obj {
                t.rows.push(vec![Value::String(k), v]);
            }
            write_table(&t, width, out)
        }
        _ => {
            let t = Table {
                columns: obj.keys().cloned().collect(),
                rows: vec![obj.values().cloned().collect()],
                cut_start: Vec::new(),
            };
            render(&t, format, width, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            columns: vec!["id".into(), "title".into()],
            rows: vec![
                vec![1.into(), "Hello, \"world\"".into()],
                vec![2.into(), Value::Null],
            ],
            cut_start: Vec::new(),
        }
    }

    fn show(t: &Table, f: Format, width: usize) -> String {
        let mut buf = Vec::new();
        render(t, f, width, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn every_format_renders_the_rows() {
        let t = sample();
        let json: Value = serde_json::from_str(&show(&t, Format::Json, 80)).unwrap();
        assert_eq!(json[0]["title"], "Hello, \"world\"");
        assert_eq!(json[1]["title"], Value::Null);
        let lines: Vec<Value> = show(&t, Format::Jsonl, 80)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            show(&t, Format::Csv, 80),
            "id,title\n1,\"Hello, \"\"world\"\"\"\n2,\n"
        );
        assert_eq!(
            show(&t, Format::Tsv, 80),
            "id\ttitle\n1\tHello, \"world\"\n2\t\n"
        );
        assert!(show(&t, Format::Table, 80).contains("Hello, \"world\""));
    }

    /// The rows of `t` through [`render_stream`].
    fn stream(t: &Table, f: Format, preview: usize) -> (String, Streamed) {
        let mut rows = t.rows.clone().into_iter();
        let mut next = || Ok(rows.next());
        let mut buf = Vec::new();
        let streamed = render_stream(&t.columns, &mut next, f, 80, preview, &mut buf).unwrap();
        (String::from_utf8(buf).unwrap(), streamed)
    }

    #[test]
    fn streamed_rows_read_as_rendered_ones_in_every_format() {
        let t = sample();
        for f in [
            Format::Json,
            Format::Jsonl,
            Format::Csv,
            Format::Tsv,
            Format::Table,
        ] {
            let (text, streamed) = stream(&t, f, 10);
            assert_eq!(text, show(&t, f, 80), "{f}");
            assert_eq!(
                streamed,
                Streamed {
                    rows: 2,
                    cut: false
                },
                "{f}"
            );
        }
        let empty = Table::new(&["id"]);
        assert_eq!(stream(&empty, Format::Json, 10).0, "[]\n");
        // A table stops at its preview and says so.
        let (text, streamed) = stream(&t, Format::Table, 1);
        assert_eq!(streamed, Streamed { rows: 1, cut: true });
        assert!(
            text.contains("Hello") && text.lines().count() == 3,
            "{text}"
        );
    }

    #[test]
    fn tsv_escapes_tabs_newlines_and_backslashes_and_quotes_nothing() {
        let mut t = Table::new(&["id", "body"]);
        t.rows.push(vec![1.into(), "a\tb\nc\r\nd \\ \"e\"".into()]);
        assert_eq!(
            show(&t, Format::Tsv, 80),
            "id\tbody\n1\ta\\tb\\nc\\r\\nd \\\\ \"e\"\n"
        );
        assert_eq!(tsv_escape("plain"), "plain");
    }

    #[test]
    fn empty_json_is_an_empty_array() {
        let t = Table::new(&["id"]);
        assert_eq!(show(&t, Format::Json, 80).trim(), "[]");
        assert_eq!(show(&t, Format::Jsonl, 80), "");
    }

    #[test]
    fn tables_fit_the_width_and_truncate_long_cells() {
        let mut t = Table::new(&["id", "body"]);
        t.rows.push(vec![1.into(), "x".repeat(500).into()]);
        let out = show(&t, Format::Table, 60);
        assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
        assert!(out.contains('…'));
    }

    #[test]
    fn round_column_fixes_decimals_and_never_shows_minus_zero() {
        let mut t = Table::new(&["id", "x"]);
        for x in [4.928_353, -0.000_001_96, 0.5, 12.0] {
            t.rows.push(vec![1.into(), x.into()]);
        }
        t.rows.push(vec![1.into(), Value::Null]);
        t.round_column("x", 2);
        let got: Vec<String> = t.rows.iter().map(|r| cell_text(&r[1])).collect();
        assert_eq!(got, ["4.93", "0.00", "0.50", "12.00", ""]);
        assert_eq!(show(&t, Format::Csv, 80).lines().nth(1), Some("1,4.93"));
    }

    #[test]
    fn cut_start_columns_keep_their_end_in_narrow_tables() {
        let mut t = Table::new(&["left", "right"]);
        let left = format!("{} next to the keyword", "far away words ".repeat(10));
        let right = format!("next to the keyword {}", "far away words ".repeat(10));
        t.rows.push(vec![left.into(), right.into()]);
        t.cut_start = vec!["left".into()];
        let out = show(&t, Format::Table, 60);
        let row = out.lines().nth(2).unwrap();
        // Cut at a word boundary: "… words  next to the keyword", not "…y words".
        assert!(row.starts_with("… words  next to the keyword"), "{row}");
        let (_, right_cell) = row.split_once("keyword").unwrap();
        assert!(right_cell.trim_start().starts_with("next to"), "{row}");
        assert!(row.ends_with('…'), "{row}");
    }
}
