//! Publication dates: normalised to ISO-8601 when they parse, kept as given otherwise.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Parses the date formats news archives use: RFC 3339 (`2018-02-25T10:00:00+01:00`),
/// a plain date (`2018-02-25`), Reuters' `26-FEB-1987 15:01:01.79`, RFC 2822
/// (`Sun, 25 Feb 2018 10:00:00 +0000`) and `2018-02-25 10:00:00`. Times with an
/// offset become UTC with a `Z`; local times without one are kept without an offset;
/// plain dates stay dates.
pub fn normalize_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(
            d.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        );
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(
            d.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        );
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d.format("%Y-%m-%d").to_string());
    }
    const NAIVE: &[&str] = &[
        "%d-%b-%Y %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ];
    for f in NAIVE {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d.format("%Y-%m-%dT%H:%M:%S%.f").to_string());
        }
    }
    const DATES: &[&str] = &["%d-%b-%Y", "%d %B %Y", "%B %d, %Y", "%Y/%m/%d"];
    DATES
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_formats_parse() {
        let n = |s| normalize_date(s).unwrap_or_else(|| panic!("{s} parses"));
        assert_eq!(n("2018-02-25T10:00:00+01:00"), "2018-02-25T09:00:00Z");
        assert_eq!(n("2018-02-25"), "2018-02-25");
        assert_eq!(n("26-FEB-1987 15:01:01.79"), "1987-02-26T15:01:01.790");
        assert_eq!(n("Sun, 25 Feb 2018 10:00:00 +0000"), "2018-02-25T10:00:00Z");
        assert_eq!(n("2018-02-25 10:00:00"), "2018-02-25T10:00:00");
    }

    #[test]
    fn nonsense_does_not_parse() {
        assert_eq!(normalize_date("last tuesday"), None);
        assert_eq!(normalize_date(""), None);
    }
}
