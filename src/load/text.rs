//! The seed text format: one article per file, first non-empty line the title,
//! every following non-empty line a paragraph.

use crate::error::{Error, Result};
use crate::model::NewArticle;

/// Decodes `bytes` as UTF-8 (a leading BOM dropped), naming the first bad byte.
pub fn decode_utf8<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str> {
    let (bom, rest) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    std::str::from_utf8(rest).map_err(|e| Error::InvalidUtf8 {
        origin: origin.to_string(),
        // The offset is into the bytes as given, BOM included.
        offset: bom + e.valid_up_to(),
    })
}

/// Splits text into trimmed non-empty lines (LF or CRLF).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Parses one seed-format article. `external_id` is usually the file stem.
pub fn parse_text(bytes: &[u8], origin: &str, external_id: &str) -> Result<NewArticle> {
    let text = decode_utf8(bytes, origin)?;
    let mut it = lines(text);
    let title = it.next().ok_or_else(|| Error::Parse {
        origin: origin.to_string(),
        message: "empty file: expected a title line and at least one paragraph".into(),
    })?;
    let paragraphs: Vec<&str> = it.collect();
    if paragraphs.is_empty() {
        return Err(Error::Parse {
            origin: origin.to_string(),
            message: format!(
                "title {title:?} has no body: expected at least one paragraph line after it"
            ),
        });
    }
    Ok(NewArticle {
        external_id: external_id.to_string(),
        title: title.to_string(),
        body: paragraphs.join("\n"),
        origin: Some(origin.to_string()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_bom_and_blank_lines_are_accepted() {
        let a = parse_text(
            b"\xEF\xBB\xBFTitle\r\n\r\nOne.\r\nTwo.\r\n\r\n",
            "f.txt",
            "f",
        )
        .unwrap();
        assert_eq!(a.title, "Title");
        assert_eq!(a.body, "One.\nTwo.");
        assert_eq!(a.external_id, "f");
    }

    #[test]
    fn empty_and_title_only_files_are_errors() {
        assert!(matches!(
            parse_text(b" \n\n", "e.txt", "e"),
            Err(Error::Parse { .. })
        ));
        let err = parse_text(b"Only a title\n", "t.txt", "t").unwrap_err();
        assert!(err.to_string().contains("no body"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        let err = parse_text(b"Title\nab\xFFcd\n", "bad.txt", "bad").unwrap_err();
        assert!(matches!(err, Error::InvalidUtf8 { offset: 8, .. }), "{err}");
    }
}
