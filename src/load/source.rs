//! Finding the files to import: explicit files and recursive directory walks in
//! sorted order, so runs are reproducible.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as found.
    pub path: PathBuf,
}

impl SourceFile {
    /// The file name without its extension: the external id of a one-article file.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Extensions a directory walk picks up.
const KNOWN_EXTENSIONS: &[&str] = &["txt"];

fn has_known_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| KNOWN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn walk(dir: &Path, out: &mut Vec<SourceFile>, on_error: &mut dyn FnMut(&Path, String)) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return on_error(dir, format!("cannot read directory: {e}")),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name_hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if name_hidden {
            continue;
        }
        // symlink_metadata: never follow a symlinked directory, so loops cannot occur.
        match std::fs::symlink_metadata(&p) {
            Ok(md) if md.is_dir() => walk(&p, out, on_error),
            Ok(md) if md.is_file() && has_known_extension(&p) => out.push(SourceFile { path: p }),
            Ok(md) if md.file_type().is_symlink() => {
                if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) && has_known_extension(&p) {
                    out.push(SourceFile { path: p });
                }
            }
            Ok(_) => {}
            Err(e) => on_error(&p, format!("cannot read file metadata: {e}")),
        }
    }
}

/// Expands `paths` into the files to import: files as given, directories walked
/// recursively (hidden entries and unknown extensions skipped, symlinked
/// directories not followed). A path that does not exist is an error.
pub fn collect_files(
    paths: &[PathBuf],
    on_error: &mut dyn FnMut(&Path, String),
) -> Result<Vec<SourceFile>> {
    let mut out = Vec::new();
    for p in paths {
        let md = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if md.is_dir() {
            walk(p, &mut out, on_error);
        } else {
            out.push(SourceFile { path: p.clone() });
        }
    }
    Ok(out)
}
