//! Reading request targets (percent-decoded path segments, query parameters) and
//! writing links: every value a link carries is percent-encoded, so text from the
//! archive can never change where a link goes.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use super::Failure;

/// Characters encoded in a path segment: everything but unreserved characters.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'&')
    .add(b'+')
    .add(b'\'');

/// One path segment percent-decoded; a segment that does not decode to UTF-8 is bad
/// input.
pub fn decode_segment(segment: &str) -> Result<String, Failure> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            Failure::BadInput(format!(
                "the address part {segment:?} is not UTF-8 once decoded"
            ))
        })
}

/// The decoded segments of a path (`/entities/12` gives `entities`, `12`); empty
/// segments (a trailing `/`) are dropped.
pub(super) fn segments(path: &str) -> Result<Vec<String>, Failure> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect()
}

/// `text` as one path segment of a link.
pub(super) fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A link: `path` and the query parameters with a value (empty ones left out).
pub(super) fn link(path: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in params {
        if !v.is_empty() {
            query.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("{path}?{}", query.finish())
    } else {
        path.to_string()
    }
}

/// Decoded query parameters (`+` and `%20` are spaces), the first of each name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads a query string (without the `?`). Invalid UTF-8 is bad input.
    pub fn parse(query: &str) -> Result<Params, Failure> {
        let mut out = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if k.contains('\u{FFFD}') || v.contains('\u{FFFD}') {
                // form_urlencoded replaces invalid UTF-8: refuse it instead of guessing,
                // unless the character was sent as such.
                let raw = percent_decode_str(query).decode_utf8().is_ok();
                if !raw {
                    return Err(Failure::BadInput(
                        "a query parameter is not UTF-8 once decoded".into(),
                    ));
                }
            }
            out.push((k.into_owned(), v.into_owned()));
        }
        Ok(Params(out))
    }

    /// The trimmed value of `name`, `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// `name` read as a `T` with `FromStr`; a value that does not read is bad input
    /// naming it and what was expected.
    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &str,
        expected: &str,
    ) -> Result<Option<T>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| Failure::BadInput(format!("{name}={v:?} is not {expected}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_percent_escapes_and_refuse_invalid_utf8() {
        assert_eq!(
            segments("/articles/business%2F001").unwrap(),
            ["articles", "business/001"]
        );
        assert_eq!(
            segments("/entities/Z%C3%BCrich/").unwrap(),
            ["entities", "Zürich"]
        );
        assert!(matches!(segments("/a/%FF"), Err(Failure::BadInput(_))));
    }

    #[test]
    fn links_encode_what_would_change_the_address() {
        assert_eq!(segment("business/001 ?#&"), "business%2F001%20%3F%23%26");
        assert_eq!(
            link("/", &[("q", "a&b=c"), ("page", ""), ("kind", "person")]),
            "/?q=a%26b%3Dc&kind=person"
        );
        assert_eq!(link("/stats", &[]), "/stats");
    }

    #[test]
    fn params_decode_plus_and_percent_and_read_typed_values() {
        let p = Params::parse("q=iran+nuclear&page=2&min=x&blank=+").unwrap();
        assert_eq!(p.get("q"), Some("iran nuclear"));
        assert_eq!(p.get("blank"), None);
        assert_eq!(p.parsed::<u32>("page", "a number").unwrap(), Some(2));
        let e = p.parsed::<u32>("min", "a number").unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.message().contains("min=\"x\""), "{}", e.message());
        assert!(Params::parse("q=%FF").is_err());
    }
}
