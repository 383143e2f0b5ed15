//! Finding and reading inputs: files, directories walked in sorted order (symlinked
//! directories never followed, so loops cannot occur), standard input, and `.gz`
//! files decompressed on the fly. Splits each input into units (one article's text,
//! one JSON line, one array element, one CSV row) without parsing them, so parsing
//! can run in parallel.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// One article per file: title line, then paragraph lines.
    Text,
    /// One JSON object per line.
    Jsonl,
    /// A JSON array of objects.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
}

impl std::str::FromStr for InputFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "text" | "txt" => Ok(InputFormat::Text),
            "jsonl" | "ndjson" => Ok(InputFormat::Jsonl),
            "json" => Ok(InputFormat::Json),
            "csv" => Ok(InputFormat::Csv),
            "tsv" => Ok(InputFormat::Tsv),
            _ => Err(Error::InvalidArgument(format!(
                "unknown input format {s:?} (expected text, jsonl, json, csv, tsv)"
            ))),
        }
    }
}

impl InputFormat {
    /// The format a file name implies (`a.jsonl.gz` is JSON Lines).
    pub fn from_path(path: &Path) -> Option<InputFormat> {
        // Lossy: an extension is ASCII, whatever the bytes of the rest of the name.
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "txt" | "text" => Some(InputFormat::Text),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            "json" => Some(InputFormat::Json),
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            _ => None,
        }
    }
}

/// An input to import: a file, or standard input (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as found (`-` for standard input).
    pub path: PathBuf,
    /// The directory given on the command line that the walk found this file in.
    pub root: Option<PathBuf>,
}

impl SourceFile {
    /// Whether this is standard input.
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    /// The file name without `.gz` and its extension: the external id of a
    /// one-article file (a name that is not UTF-8 keeps its bytes as `%XX`).
    pub fn stem(&self) -> String {
        let name = self.path.file_name().map(id_text).unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match name.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem.to_string(),
            _ => name.to_string(),
        }
    }

    /// The external id of a one-article file: its path below the directory it was
    /// found in, without extensions (`business/001` for `bbc/business/001.txt` when
    /// importing `bbc/`), so files of the same name in different folders stay apart;
    /// the file stem for a file given directly.
    pub fn external_id(&self) -> String {
        let stem = self.stem();
        let dir = self
            .root
            .as_ref()
            .and_then(|root| self.path.parent()?.strip_prefix(root).ok());
        match dir {
            Some(dir) if !dir.as_os_str().is_empty() => {
                let mut parts: Vec<String> =
                    dir.components().map(|c| id_text(c.as_os_str())).collect();
                parts.push(stem);
                parts.join("/")
            }
            _ => stem,
        }
    }

    /// The first folder below the directory the walk found this file in (`business`
    /// for `bbc/business/001.txt` when importing `bbc/`); `None` for a file directly in
    /// it or named on its own.
    pub fn folder(&self) -> Option<String> {
        let dir = self.path.parent()?.strip_prefix(self.root.as_ref()?).ok()?;
        dir.components().next().map(|c| id_text(c.as_os_str()))
    }

    /// How the path is shown in messages and stored in `origin`.
    pub fn origin(&self) -> String {
        if self.is_stdin() {
            "<stdin>".to_string()
        } else {
            self.path.display().to_string()
        }
    }

    fn is_gz(&self) -> bool {
        self.path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    }

    /// Opens the input, decompressing `.gz`.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = if self.is_stdin() {
            Box::new(io::stdin())
        } else {
            Box::new(File::open(&self.path).map_err(|e| Error::io(&self.path, e))?)
        };
        Ok(if self.is_gz() {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::read::MultiGzDecoder::new(raw),
            ))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, raw))
        })
    }
}

/// A file or folder name as it appears in an external id: valid UTF-8 as it is, and
/// each byte of a sequence that is not UTF-8 as `%` and two hex digits (`caf%E9` for
/// the Latin-1 name `caf\xE9`), so no byte of the name is lost. Two names that still
/// give one id (`caf%E9.txt` beside it) are refused as a clash.
pub fn id_text(name: &OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn has_known_extension(path: &Path) -> bool {
    InputFormat::from_path(path).is_some()
}

/// Whether a file in a walked directory is a data set's documentation (README,
/// LICENSE, CHANGELOG, any case and extension), not an article.
pub fn is_documentation(path: &Path) -> bool {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.split('.').next().unwrap_or(n).to_ascii_uppercase());
    matches!(
        stem.as_deref(),
        Some("README" | "LICENSE" | "LICENCE" | "CHANGELOG" | "COPYING")
    )
}

fn walk(
    dir: &Path,
    root: &Path,
    out: &mut Vec<SourceFile>,
    on_error: &mut dyn FnMut(&Path, String),
    skipped: &mut Vec<PathBuf>,
) {
    let found = |path: PathBuf| SourceFile {
        path,
        root: Some(root.to_path_buf()),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return on_error(dir, format!("cannot read directory: {e}")),
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => on_error(dir, format!("cannot read directory entry: {e}")),
        }
    }
    paths.sort();
    for p in paths {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
        if hidden {
            continue;
        }
        if is_documentation(&p) && has_known_extension(&p) {
            skipped.push(p);
            continue;
        }
        // symlink_metadata: a symlinked directory is never followed, so a loop of
        // links cannot make the walk run forever.
        match std::fs::symlink_metadata(&p) {
            Ok(md) if md.is_dir() => walk(&p, root, out, on_error, skipped),
            Ok(md) if md.is_file() => {
                if has_known_extension(&p) {
                    out.push(found(p));
                }
            }
            Ok(md) if md.file_type().is_symlink() => match std::fs::metadata(&p) {
                Ok(m) if m.is_file() && has_known_extension(&p) => out.push(found(p)),
                Ok(_) => {}
                // A dangling link named like an input: the file it named is gone.
                Err(e) if has_known_extension(&p) => on_error(&p, format!("cannot read file: {e}")),
                Err(_) => {}
            },
            Ok(_) => {}
            // The entry vanished between listing and reading: say so and go on.
            Err(e) => on_error(&p, format!("cannot read file: {e}")),
        }
    }
}

/// Expands `paths` into the inputs to import: files as given, `-` for standard input,
/// directories walked recursively (hidden entries and unknown extensions skipped).
/// A path that does not exist is an error: nothing has been imported yet.
/// Files named README, LICENSE or CHANGELOG inside a directory are skipped (and
/// listed in `skipped`): a data set's documentation is not an article. A file named
/// on the command line is always read.
pub fn collect_files(
    paths: &[PathBuf],
    on_error: &mut dyn FnMut(&Path, String),
    skipped: &mut Vec<PathBuf>,
) -> Result<Vec<SourceFile>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(SourceFile {
                path: p.clone(),
                root: None,
            });
            continue;
        }
        let md = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if md.is_dir() {
            walk(p, p, &mut out, on_error, skipped);
        } else {
            out.push(SourceFile {
                path: p.clone(),
                root: None,
            });
        }
    }
    Ok(out)
}

/// For each of `files`, why it must not be read: a one-article file whose external id
/// (its path without extensions, see [`SourceFile::external_id`]) is the id of an
/// earlier file of the same import (`001.txt` and `001.txt.gz`, `001.text`, `001.TXT`).
/// The first file (in walk order, which is sorted, so the same on every run) keeps the
/// id; the others are refused, naming both, rather than overwrite each other.
pub fn id_clashes(files: &[SourceFile], format: Option<InputFormat>) -> Vec<Option<String>> {
    let mut first: HashMap<String, &Path> = HashMap::new();
    files
        .iter()
        .map(|f| {
            let one_article = !f.is_stdin()
                && format
                    .or_else(|| InputFormat::from_path(&f.path))
                    .is_none_or(|fmt| fmt == InputFormat::Text);
            if !one_article {
                return None;
            }
            let id = f.external_id();
            let same_file = |earlier: &Path| {
                matches!(
                    (std::fs::canonicalize(earlier), std::fs::canonicalize(&f.path)),
                    (Ok(a), Ok(b)) if a == b
                )
            };
            match first.get(&id) {
                // One file named twice (`import d/ d/001.txt`) is read twice, as before.
                Some(earlier) if same_file(earlier) => None,
                Some(earlier) => Some(format!(
                    "{} would have the external id {id:?} of {}, imported before it: two \
                     files never share an id, so it was not imported (rename one of them)",
                    f.path.display(),
                    earlier.display()
                )),
                None => {
                    first.insert(id, &f.path);
                    None
                }
            }
        })
        .collect()
}

/// One record of an input, split out but not yet parsed.
#[derive(Debug)]
pub enum UnitBody {
    /// A whole one-article text file.
    Text {
        /// The file's bytes.
        bytes: Vec<u8>,
        /// The external id to use (file stem, or none for standard input).
        external_id: Option<String>,
    },
    /// One JSON document (a JSON line or an array element).
    Json(Vec<u8>),
    /// One CSV/TSV row as header → value.
    Row(Map<String, Value>),
    /// The record could not even be read.
    Failed(String),
}

/// A record and where it came from.
#[derive(Debug)]
pub struct Unit {
    /// The file (or `<stdin>`).
    pub origin: String,
    /// `line N`, `record N` or `row N`; none for one-article files.
    pub record: Option<String>,
    /// Bytes of input this record accounts for.
    pub bytes: u64,
    /// The record.
    pub body: UnitBody,
    /// Caveats found while reading it (it is still imported).
    pub warnings: Vec<String>,
    /// The first folder below the imported directory, when the import takes sources
    /// from folders (`ImportOptions::source_from_dir`).
    pub folder: Option<String>,
}

/// How inputs are read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// The format of every input, instead of choosing by extension.
    pub format: Option<InputFormat>,
    /// Records larger than this are refused without being held in memory.
    pub max_record_bytes: usize,
    /// Read TSV with `"` quoting, as CSV, instead of IANA TSV with backslash escapes.
    pub tsv_quoted: bool,
}

/// What reading a bounded line gave.
enum Line {
    Eof,
    Ok,
    /// The line was longer than the limit; its bytes were skipped.
    TooLong(u64),
}

/// Reads one `\n`-terminated line into `buf` (without the newline), never holding
/// more than `max` bytes of it in memory.
fn read_line_bounded(r: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    buf.clear();
    let mut total: u64 = 0;
    let mut too_long = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(if total == 0 && !too_long {
                Line::Eof
            } else if too_long {
                Line::TooLong(total)
            } else {
                Line::Ok
            });
        }
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        total += part.len() as u64;
        if !too_long {
            if buf.len() + part.len() > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(part);
            }
        }
        let used = done.unwrap_or(part.len());
        r.consume(used);
        if done.is_some() {
            total += 1;
            return Ok(if too_long {
                Line::TooLong(total)
            } else {
                Line::Ok
            });
        }
    }
}

fn too_big(n: u64, max: usize) -> String {
    format!(
        "record of {n} bytes is larger than --max-record-bytes ({max}); raise the limit to import it"
    )
}

/// Reads at most `max + 1` bytes of `r`.
fn read_bounded(r: &mut dyn Read, max: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(max as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads `reader` up to its first byte that is not blank (after a byte-order mark):
/// returns that byte, if any, and a reader that still yields every byte read.
fn first_non_blank(
    mut reader: Box<dyn BufRead + Send>,
) -> io::Result<(Option<u8>, Box<dyn BufRead + Send>)> {
    let mut head = Vec::new();
    let first = loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break None;
        }
        let n = chunk.len();
        head.extend_from_slice(chunk);
        reader.consume(n);
        let text = match head.strip_prefix(BOM) {
            Some(rest) => rest,
            // A byte-order mark may still be arriving.
            None if BOM.starts_with(&head) => continue,
            None => &head[..],
        };
        if let Some(&b) = text.iter().find(|b| !b.is_ascii_whitespace()) {
            break Some(b);
        }
    };
    let reader: Box<dyn BufRead + Send> = if head.is_empty() {
        reader
    } else {
        Box::new(BufReader::with_capacity(
            1 << 16,
            io::Cursor::new(head).chain(reader),
        ))
    };
    Ok((first, reader))
}

/// Splits one input into units, calling `emit` for each in order. Returns `false`
/// if `emit` asked to stop.
///
/// The format is `format` when given, else the one the file name implies; standard
/// input without a format is JSON Lines when its first non-blank byte is `{` (a JSON
/// object: one article is never that), else one text article. Any other file is
/// read as text.
pub fn read_units(
    file: &SourceFile,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Unit) -> bool,
) -> bool {
    let (format, max_record_bytes) = (opts.format, opts.max_record_bytes);
    let origin = file.origin();
    let fail = |record: Option<String>, message: String| Unit {
        origin: origin.clone(),
        record,
        bytes: 0,
        body: UnitBody::Failed(message),
        warnings: Vec::new(),
        folder: None,
    };
    let named = format.or_else(|| InputFormat::from_path(&file.path));
    if !file.is_stdin() && !file.is_gz() {
        if let Ok(md) = std::fs::metadata(&file.path) {
            let text = named.unwrap_or(InputFormat::Text) == InputFormat::Text;
            if text && md.len() > max_record_bytes as u64 {
                return emit(fail(None, too_big(md.len(), max_record_bytes)));
            }
        }
    }
    let mut reader = match file.open() {
        Ok(r) => r,
        Err(e) => return emit(fail(None, error_text(&e))),
    };
    let format = match named {
        Some(f) => f,
        None if file.is_stdin() => match first_non_blank(reader) {
            Ok((first, r)) => {
                reader = r;
                if first == Some(b'{') {
                    InputFormat::Jsonl
                } else {
                    InputFormat::Text
                }
            }
            Err(e) => return emit(fail(None, format!("cannot read: {e}"))),
        },
        None => InputFormat::Text,
    };
    match format {
        InputFormat::Text => match read_bounded(&mut reader, max_record_bytes) {
            Ok(bytes) if bytes.len() > max_record_bytes => {
                // Its real size (a compressed file or a stream has no size up front),
                // counted without keeping it.
                let size = match io::copy(&mut reader, &mut io::sink()) {
                    Ok(rest) => too_big(bytes.len() as u64 + rest, max_record_bytes),
                    Err(e) => format!(
                        "{} (reading on to measure it failed: {e})",
                        too_big(bytes.len() as u64, max_record_bytes)
                    ),
                };
                emit(fail(None, size))
            }
            Ok(bytes) => emit(Unit {
                origin: origin.clone(),
                record: None,
                bytes: bytes.len() as u64,
                body: UnitBody::Text {
                    bytes,
                    external_id: (!file.is_stdin()).then(|| file.external_id()),
                },
                warnings: Vec::new(),
                folder: None,
            }),
            Err(e) => emit(fail(None, format!("cannot read: {e}"))),
        },
        InputFormat::Jsonl => {
            let mut buf = Vec::new();
            let mut line_no = 0u64;
            let mut offset = 0u64;
            loop {
                line_no += 1;
                let record = Some(format!("line {line_no}"));
                match read_line_bounded(&mut reader, &mut buf, max_record_bytes) {
                    Ok(Line::Eof) => return true,
                    Ok(Line::TooLong(n)) => {
                        offset += n;
                        if !emit(fail(record, too_big(n, max_record_bytes))) {
                            return false;
                        }
                    }
                    Ok(Line::Ok) => {
                        let n = buf.len() as u64 + 1;
                        let line = buf.strip_suffix(b"\r").unwrap_or(&buf);
                        // A BOM starts the file, or a line when files were concatenated.
                        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
                        let blank = line.iter().all(|b| b.is_ascii_whitespace());
                        if !blank {
                            let body = match std::str::from_utf8(line) {
                                Ok(_) => UnitBody::Json(line.to_vec()),
                                Err(e) => UnitBody::Failed(format!(
                                    "invalid UTF-8 at byte {} of the file",
                                    offset + e.valid_up_to() as u64
                                )),
                            };
                            let unit = Unit {
                                origin: origin.clone(),
                                record,
                                bytes: n,
                                body,
                                warnings: Vec::new(),
                                folder: None,
                            };
                            if !emit(unit) {
                                return false;
                            }
                        }
                        offset += n;
                    }
                    Err(e) => return emit(fail(record, format!("cannot read: {e}"))),
                }
            }
        }
        InputFormat::Json => read_json_array(&mut *reader, &origin, max_record_bytes, emit),
        InputFormat::Csv | InputFormat::Tsv => {
            let dialect = if format == InputFormat::Csv {
                Dialect {
                    delimiter: b',',
                    quoting: true,
                }
            } else {
                Dialect {
                    delimiter: b'\t',
                    quoting: opts.tsv_quoted,
                }
            };
            read_csv(reader, dialect, &origin, max_record_bytes, emit)
        }
    }
}

fn error_text(e: &Error) -> String {
    match e {
        Error::Io { source, .. } => format!("cannot open: {source}"),
        other => other.to_string(),
    }
}

/// Reads a JSON array element by element: memory holds one element at a time, and the
/// elements before a syntax error or a truncation are imported (the error names the
/// element it stopped at; the rest of the file cannot be read past it).
fn read_json_array(
    reader: &mut dyn BufRead,
    origin: &str,
    max_record_bytes: usize,
    emit: &mut dyn FnMut(Unit) -> bool,
) -> bool {
    // A byte-order mark may start the file.
    if let Ok(head) = reader.fill_buf() {
        if head.starts_with(b"\xEF\xBB\xBF") {
            reader.consume(3);
        }
    }
    let progress = ArrayProgress::default();
    let counting = CountingReader {
        inner: reader,
        progress: &progress,
        max: max_record_bytes as u64,
    };
    let mut elements = ArrayElements {
        origin,
        max: max_record_bytes,
        progress: &progress,
        emit,
        count: 0,
        stopped: false,
    };
    let mut de = serde_json::Deserializer::from_reader(counting);
    let result =
        serde::Deserializer::deserialize_seq(&mut de, &mut elements).and_then(|()| de.end());
    if elements.stopped {
        return false;
    }
    let Err(e) = result else {
        return true;
    };
    let n = elements.count + 1;
    let (record, message) = if progress.too_large.get() {
        (
            Some(format!("record {n}")),
            format!(
                "{}; the rest of the file was not read",
                too_big(progress.pos.get() - progress.start.get(), max_record_bytes)
            ),
        )
    } else if elements.count == 0 && !progress.in_array.get() {
        (
            None,
            format!(
                "not a JSON array of objects: {e} (use --format jsonl for one object per line)"
            ),
        )
    } else {
        (
            Some(format!("record {n}")),
            format!(
                "invalid JSON: {e} (the records before this one were read; the file \
                 cannot be read past it)"
            ),
        )
    };
    (elements.emit)(Unit {
        origin: origin.to_string(),
        record,
        bytes: 0,
        body: UnitBody::Failed(message),
        warnings: Vec::new(),
        folder: None,
    })
}

/// Where the JSON array reader is: shared by the byte counter and the element visitor.
#[derive(Default)]
struct ArrayProgress {
    /// Bytes read so far.
    pos: Cell<u64>,
    /// Where the current element started.
    start: Cell<u64>,
    /// Whether the array has opened (its first element was asked for).
    in_array: Cell<bool>,
    /// Set when an element outgrew the limit (the read then failed).
    too_large: Cell<bool>,
    /// Whether the current element's first byte has been read: until then, blanks and
    /// the comma before it move `start` on, so they never count toward its size.
    started: Cell<bool>,
}

/// Counts the bytes serde_json reads and fails a read once the current element is
/// larger than `max`, so an oversized element is never held whole.
struct CountingReader<'a> {
    inner: &'a mut dyn BufRead,
    progress: &'a ArrayProgress,
    max: u64,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let p = self.progress;
        if p.in_array.get() && p.pos.get() - p.start.get() > self.max {
            p.too_large.set(true);
            return Err(io::Error::other("record over --max-record-bytes"));
        }
        let n = self.inner.read(buf)?;
        if p.in_array.get() && !p.started.get() {
            let gap = buf[..n]
                .iter()
                .take_while(|&&b| b.is_ascii_whitespace() || b == b',')
                .count();
            p.start.set(p.start.get() + gap as u64);
            p.started.set(gap < n);
        }
        p.pos.set(p.pos.get() + n as u64);
        Ok(n)
    }
}

/// Emits each element of a JSON array as a unit while serde_json reads it.
struct ArrayElements<'a> {
    origin: &'a str,
    max: usize,
    progress: &'a ArrayProgress,
    emit: &'a mut dyn FnMut(Unit) -> bool,
    /// Elements emitted.
    count: usize,
    /// `emit` asked to stop.
    stopped: bool,
}

impl<'de> serde::de::Visitor<'de> for &mut ArrayElements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of objects")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.progress.in_array.set(true);
        loop {
            self.progress.start.set(self.progress.pos.get());
            self.progress.started.set(false);
            let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? else {
                return Ok(());
            };
            self.count += 1;
            let s = raw.get();
            let record = Some(format!("record {}", self.count));
            let body = if s.len() > self.max {
                UnitBody::Failed(too_big(s.len() as u64, self.max))
            } else {
                UnitBody::Json(s.as_bytes().to_vec())
            };
            let unit = Unit {
                origin: self.origin.to_string(),
                record,
                bytes: s.len() as u64,
                body,
                warnings: Vec::new(),
                folder: None,
            };
            if !(self.emit)(unit) {
                // Stop reading; the caller ignores the error this makes.
                self.stopped = true;
                return Err(serde::de::Error::custom("stopped"));
            }
        }
    }
}

/// The most columns a CSV/TSV header may have. An article needs a handful (`id`,
/// `title`, `body` and a few optional fields); a wider header is refused, so a
/// million-column file cannot make one row a million map entries.
pub const MAX_COLUMNS: usize = 1000;

/// Why a row was skipped while it was read (its fields were not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skipped {
    /// Its fields hold more than `--max-record-bytes`.
    TooBig,
    /// It has more fields than were asked for.
    TooWide,
}

/// One CSV/TSV row as read: its fields (unless skipped) and where it was.
#[derive(Debug)]
struct RawRow {
    /// How many fields it has (counted even when skipped).
    fields: usize,
    /// Bytes of input it took, quotes, separators and line break included.
    bytes: u64,
    /// Byte offset of its start in the (decompressed) file.
    start: u64,
    /// Line it starts on (1-based).
    line: u64,
    /// Why its fields were not kept.
    skipped: Option<Skipped>,
}

/// Reads CSV/TSV rows with csv-core into buffers that never grow past
/// `--max-record-bytes` of field data and a given number of fields: a longer or wider
/// row is read to its end without being kept (csv-core parses into caller buffers, so
/// the rest of it can go to a scratch buffer), and the next row is read as usual.
struct Rows {
    core: csv_core::Reader,
    input: Box<dyn BufRead + Send>,
    max_bytes: usize,
    /// Field data of the current row, and where each field ends in it.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Where the rest of a skipped row goes.
    scratch: Vec<u8>,
    scratch_ends: Vec<usize>,
    /// Bytes, line breaks and `"` read so far.
    offset: u64,
    line: u64,
    quotes: u64,
}

impl Rows {
    fn new(core: csv_core::Reader, input: Box<dyn BufRead + Send>, max_bytes: usize) -> Rows {
        Rows {
            core,
            input,
            max_bytes,
            out: vec![0; max_bytes.min(1 << 16)],
            ends: vec![0; 16],
            scratch: vec![0; 1 << 16],
            scratch_ends: vec![0; 256],
            offset: 0,
            line: 1,
            quotes: 0,
        }
    }

    /// The fields of the row last read (empty if it was skipped).
    fn fields(&self, row: &RawRow) -> impl Iterator<Item = &[u8]> {
        let n = if row.skipped.is_some() { 0 } else { row.fields };
        (0..n).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.out[start..self.ends[i]]
        })
    }

    /// Reads the next row, keeping at most `max_fields` fields; `None` at the end.
    fn next(&mut self, max_fields: usize) -> io::Result<Option<RawRow>> {
        use csv_core::ReadRecordResult as R;
        let (mut nout, mut nend, mut extra_fields) = (0usize, 0usize, 0usize);
        let mut skipped = None;
        let mut start: Option<(u64, u64)> = None;
        let begin = self.offset;
        loop {
            let input = loop {
                match self.input.fill_buf() {
                    Ok(b) => break b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            let (res, nin, o, e) = if skipped.is_some() {
                self.core
                    .read_record(input, &mut self.scratch, &mut self.scratch_ends)
            } else {
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..])
            };
            for (i, &b) in input[..nin].iter().enumerate() {
                match b {
                    b'\n' => self.line += 1,
                    b'\r' => {}
                    _ => {
                        if start.is_none() {
                            start = Some((self.offset + i as u64, self.line));
                        }
                        self.quotes += u64::from(b == b'"');
                    }
                }
            }
            let empty = input.is_empty();
            self.input.consume(nin);
            self.offset += nin as u64;
            if skipped.is_some() {
                extra_fields += e;
            } else {
                nout += o;
                nend += e;
            }
            match res {
                R::InputEmpty if empty => return Ok(None),
                R::InputEmpty => {}
                R::OutputFull if skipped.is_none() => {
                    if self.out.len() >= self.max_bytes {
                        skipped = Some(Skipped::TooBig);
                    } else {
                        let len = (self.out.len() * 2).clamp(1 << 16, self.max_bytes);
                        self.out.resize(len, 0);
                    }
                }
                R::OutputEndsFull if skipped.is_none() => {
                    if self.ends.len() >= max_fields {
                        skipped = Some(Skipped::TooWide);
                    } else {
                        let len = (self.ends.len() * 2).min(max_fields);
                        self.ends.resize(len, 0);
                    }
                }
                R::OutputFull | R::OutputEndsFull => {}
                R::Record => {
                    let (start, line) = start.unwrap_or((begin, self.line));
                    return Ok(Some(RawRow {
                        fields: nend + extra_fields,
                        bytes: self.offset - begin,
                        start,
                        line,
                        skipped,
                    }));
                }
                R::End => return Ok(None),
            }
        }
    }
}

/// Undoes the escapes of IANA TSV as `export --format tsv` writes them (`\t`, `\n`,
/// `\r`, `\\`); any other backslash is kept as it is (`C:\dir`).
fn tsv_unescape(field: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !field.contains(&b'\\') {
        return field.into();
    }
    let mut out = Vec::with_capacity(field.len());
    let mut it = field.iter().copied().peekable();
    while let Some(b) = it.next() {
        let escaped = match (b, it.peek()) {
            (b'\\', Some(b't')) => Some(b'\t'),
            (b'\\', Some(b'n')) => Some(b'\n'),
            (b'\\', Some(b'r')) => Some(b'\r'),
            (b'\\', Some(b'\\')) => Some(b'\\'),
            _ => None,
        };
        match escaped {
            Some(c) => {
                out.push(c);
                it.next();
            }
            None => out.push(b),
        }
    }
    out.into()
}

/// How a CSV/TSV file is read.
#[derive(Debug, Clone, Copy)]
struct Dialect {
    delimiter: u8,
    /// `"` quotes fields (CSV, quoted TSV); else fields are IANA TSV with escapes.
    quoting: bool,
}

impl Dialect {
    fn field<'a>(&self, raw: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        if self.quoting {
            raw.into()
        } else {
            tsv_unescape(raw)
        }
    }
}

fn read_csv(
    reader: Box<dyn BufRead + Send>,
    dialect: Dialect,
    origin: &str,
    max_record_bytes: usize,
    emit: &mut dyn FnMut(Unit) -> bool,
) -> bool {
    let core = csv_core::ReaderBuilder::new()
        .delimiter(dialect.delimiter)
        .quoting(dialect.quoting)
        .build();
    let mut rows = Rows::new(core, reader, max_record_bytes);
    let unit = |record: Option<String>, bytes: u64, body: UnitBody| Unit {
        origin: origin.to_string(),
        record,
        bytes,
        body,
        warnings: Vec::new(),
        folder: None,
    };
    let header_failed = |message: String| unit(None, 0, UnitBody::Failed(message));
    let headers: Vec<String> = match rows.next(MAX_COLUMNS) {
        Err(e) => return emit(header_failed(format!("cannot read the header row: {e}"))),
        Ok(None) => Vec::new(),
        Ok(Some(row)) => match row.skipped {
            Some(Skipped::TooWide) => {
                return emit(header_failed(format!(
                    "the header row has {} columns, more than newsdb reads ({MAX_COLUMNS}); \
                     keep the columns an article needs (id, title, body, url, source, \
                     published, language) and remove the others",
                    row.fields
                )))
            }
            Some(Skipped::TooBig) => {
                return emit(header_failed(format!(
                    "the header row: {}",
                    too_big(row.bytes, max_record_bytes)
                )))
            }
            None => rows
                .fields(&row)
                .map(|f| {
                    String::from_utf8_lossy(&dialect.field(f))
                        .trim_start_matches('\u{feff}')
                        .trim()
                        .to_ascii_lowercase()
                })
                .collect(),
        },
    };
    if headers.len() < 2 {
        return emit(header_failed(format!(
            "the header row has {} column(s); expected at least title and body",
            headers.len()
        )));
    }
    let mut row_no = 1u64;
    // Each row is emitted once the next one is read: at the end of the file, the last
    // row may turn out to hold a quote that never closed.
    let mut pending: Option<(Unit, usize)> = None;
    loop {
        row_no += 1;
        let label = Some(format!("row {row_no}"));
        let row = match rows.next(headers.len()) {
            Ok(Some(row)) => row,
            Ok(None) => {
                // Quotes come in pairs ("..." and "" inside). An odd count with a last
                // row spanning lines means its quoted field ran to the end of the file,
                // swallowing every row after its start: refuse it rather than store
                // those rows as one field.
                let Some((mut last, lines)) = pending else {
                    return true;
                };
                if dialect.quoting && rows.quotes % 2 == 1 && lines > 0 {
                    last.body = UnitBody::Failed(format!(
                        "a quoted field of this row is never closed: it runs to the end of \
                         the file ({lines} line break(s) inside it, so later rows may be in \
                         it); close the quote (a quote inside a quoted field is written \"\")"
                    ));
                    last.warnings.clear();
                }
                return emit(last);
            }
            Err(e) => {
                if let Some((u, _)) = pending.take() {
                    if !emit(u) {
                        return false;
                    }
                }
                return emit(unit(
                    label,
                    0,
                    UnitBody::Failed(format!("cannot read: {e}")),
                ));
            }
        };
        let mut lines = 0;
        let mut warnings = Vec::new();
        let body = match row.skipped {
            Some(Skipped::TooBig) => UnitBody::Failed(format!(
                "{} (the row starts on line {})",
                too_big(row.bytes, max_record_bytes),
                row.line
            )),
            _ if row.fields != headers.len() => UnitBody::Failed(format!(
                "row has {} fields but the header has {}",
                row.fields,
                headers.len()
            )),
            _ => {
                lines = rows
                    .fields(&row)
                    .map(|f| f.iter().filter(|&&b| b == b'\n').count())
                    .sum();
                if dialect.quoting && lines > 0 {
                    warnings = rows_inside(&rows, &row, &headers, dialect.delimiter);
                }
                row_to_map(&headers, rows.fields(&row), dialect, row.start)
            }
        };
        let mut u = unit(label, row.bytes, body);
        u.warnings = warnings;
        if let Some((u, _)) = pending.replace((u, lines)) {
            if !emit(u) {
                return false;
            }
        }
    }
}

/// Warnings for the quoted fields of `row` that span lines holding what looks like
/// rows of their own (as many separators as a row has): the sign of a quote that
/// opened in one row and closed in a later one, swallowing the rows between.
fn rows_inside(rows: &Rows, row: &RawRow, headers: &[String], delimiter: u8) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut line = row.line;
    for (h, field) in headers.iter().zip(rows.fields(row)) {
        let first = line;
        let mut looks_like_rows = Vec::new();
        for (i, part) in field.split(|&b| b == b'\n').enumerate() {
            if i == 0 {
                continue;
            }
            line += 1;
            let separators = part.iter().filter(|&&b| b == delimiter).count();
            if separators + 1 == headers.len() {
                looks_like_rows.push(line.to_string());
            }
        }
        if !looks_like_rows.is_empty() {
            warnings.push(format!(
                "the quoted field in column {h:?} spans lines {first}-{line}, and line(s) {} \
                 inside it look like rows of their own: if a quote lacks its closing pair, \
                 those rows were read into this field (check the quotes)",
                looks_like_rows.join(", ")
            ));
        }
    }
    warnings
}

fn row_to_map<'a>(
    headers: &[String],
    fields: impl Iterator<Item = &'a [u8]>,
    dialect: Dialect,
    base: u64,
) -> UnitBody {
    let mut map = Map::new();
    let mut offset = 0u64;
    for (h, raw) in headers.iter().zip(fields) {
        let field = dialect.field(raw);
        match std::str::from_utf8(&field) {
            Ok(s) => {
                map.insert(h.clone(), Value::String(s.to_string()));
            }
            Err(e) => {
                return UnitBody::Failed(format!(
                    "invalid UTF-8 in column {h:?} near byte {} of the file",
                    base + offset + e.valid_up_to() as u64
                ))
            }
        }
        offset += raw.len() as u64 + 1;
    }
    UnitBody::Row(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines_skip_what_is_too_long() {
        let data = b"short\nthis line is too long\r\nok\nlast";
        let mut r: &[u8] = data;
        let mut buf = Vec::new();
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 10).unwrap(),
            Line::Ok
        ));
        assert_eq!(buf, b"short");
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 10).unwrap(),
            Line::TooLong(23)
        ));
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 10).unwrap(),
            Line::Ok
        ));
        assert_eq!(buf, b"ok");
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 10).unwrap(),
            Line::Ok
        ));
        assert_eq!(buf, b"last");
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 10).unwrap(),
            Line::Eof
        ));
    }

    #[test]
    fn formats_come_from_extensions_through_gz() {
        let f = |p: &str| InputFormat::from_path(Path::new(p));
        assert_eq!(f("a/b.jsonl.gz"), Some(InputFormat::Jsonl));
        assert_eq!(f("x.TXT"), Some(InputFormat::Text));
        assert_eq!(f("x.tsv"), Some(InputFormat::Tsv));
        assert_eq!(f("README"), None);
        let s = SourceFile {
            path: "d/001.txt.gz".into(),
            root: None,
        };
        assert_eq!(s.stem(), "001");
        assert_eq!(s.external_id(), "001");
        let nested = SourceFile {
            path: "bbc/business/001.txt".into(),
            root: Some("bbc".into()),
        };
        assert_eq!(nested.external_id(), "business/001");
        let top = SourceFile {
            path: "seeds/000_x.txt".into(),
            root: Some("seeds/".into()),
        };
        assert_eq!(top.external_id(), "000_x");
    }

    #[test]
    fn tsv_escapes_are_undone_and_other_backslashes_kept() {
        let f = |s: &[u8]| tsv_unescape(s).into_owned();
        assert_eq!(f(b"a\\tb\\nc\\rd\\\\e"), b"a\tb\nc\rd\\e");
        assert_eq!(f(b"C:\\dir\\x \"q\" \\"), b"C:\\dir\\x \"q\" \\");
        assert_eq!(f(b"\\\\t"), b"\\t");
    }

    #[test]
    fn names_that_are_not_utf8_keep_every_byte_in_their_id() {
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(
            id_text(OsStr::from_bytes(b"caf\xe9 \xff\xfe")),
            "caf%E9 %FF%FE"
        );
        assert_eq!(id_text(OsStr::new("caf\u{e9}")), "caf\u{e9}");
        let s = SourceFile {
            path: PathBuf::from(OsStr::from_bytes(b"d/\xe9t\xe9.txt.gz")),
            root: None,
        };
        assert_eq!(s.external_id(), "%E9t%E9");
        assert_eq!(InputFormat::from_path(&s.path), Some(InputFormat::Text));
    }

    /// Yields its bytes a few at a time, as a pipe may.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(2).min(self.0.len() - self.1);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn sniffing_finds_the_first_non_blank_byte_and_keeps_every_byte() {
        for (input, first) in [
            (&b"\xEF\xBB\xBF \r\n\n  {\"id\": 1}\n"[..], Some(b'{')),
            (b"\n\nTitle\nBody\n", Some(b'T')),
            (b"\xEF\xBB\xBF{}", Some(b'{')),
            (b" \n\t", None),
            (b"", None),
        ] {
            let trickle = Trickle(input.to_vec(), 0);
            let reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(3, trickle));
            let (got, mut rest) = first_non_blank(reader).unwrap();
            assert_eq!(got, first, "{input:?}");
            let mut all = Vec::new();
            rest.read_to_end(&mut all).unwrap();
            assert_eq!(all, input, "every byte is still read");
        }
    }
}
