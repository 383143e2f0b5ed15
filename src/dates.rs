//! Publication dates: normalised to ISO-8601 when they parse, kept as given otherwise
//! (in their own column, `published_raw`); and the `--since`/`--until` bounds compared
//! with them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// Parses the date formats news archives use: RFC 3339 (`2018-02-25T10:00:00+01:00`),
/// a plain date (`2018-02-25`), Reuters' `26-FEB-1987 15:01:01.79`, RFC 2822
/// (`Sun, 25 Feb 2018 10:00:00 +0000`), `2018-02-25 10:00:00`, `25 February 2018`,
/// `February 25, 2018`, `2018/02/25` and `25/02/2018` (day first; see
/// `numeric_date`). Times with an
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
    const DATES: &[&str] = &["%d-%b-%Y", "%d %B %Y", "%B %d, %Y"];
    DATES
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| numeric_date(s))
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// `YYYY/MM/DD`, and `DD/MM/YYYY` (also with `.` or `-` between the numbers), day
/// first as in most archives outside the United States; `MM/DD/YYYY` only when the
/// second number cannot be a month (`03/25/2005`). The year must have four digits:
/// `03/02/05` names no century and is not read.
fn numeric_date(s: &str) -> Option<NaiveDate> {
    let sep = ['/', '.', '-'].into_iter().find(|&c| s.contains(c))?;
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit())
    };
    if digits(a, 4..=4) && digits(b, 1..=2) && digits(c, 1..=2) {
        return NaiveDate::from_ymd_opt(a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    }
    if !digits(a, 1..=2) || !digits(b, 1..=2) || !digits(c, 4..=4) {
        return None;
    }
    let (a, b, y): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    NaiveDate::from_ymd_opt(y, b, a).or_else(|| NaiveDate::from_ymd_opt(y, a, b))
}

/// Splits a publication date as given into the two columns that store it:
/// `(published_at, published_raw)`. A date [`normalize_date`] reads is stored
/// normalised in `published_at`; anything else is kept as given in `published_raw`
/// (and the article has no `published_at`, so it is in no date range and no timeline
/// period, and comes last when newest articles come first).
pub fn published_columns(given: Option<&str>) -> (Option<String>, Option<String>) {
    match given {
        None => (None, None),
        Some(raw) => match normalize_date(raw) {
            Some(iso) => (Some(iso), None),
            None => (None, Some(raw.to_string())),
        },
    }
}

/// Checks a publication date given for a whole import (`import --published`): any form
/// [`normalize_date`] reads, returned normalised; anything else is
/// [`Error::InvalidDate`] (a record's own unreadable date is kept with a warning, but
/// an option applies to every record and must be right).
pub fn published_date(raw: &str) -> Result<String> {
    normalize_date(raw).ok_or_else(|| Error::InvalidDate {
        value: raw.to_string(),
        reason: "not a date newsdb reads (e.g. 2005-03-01, 2005-03-01T09:30:00Z, \
                 1 March 2005)",
    })
}

/// Checks a `--since`/`--until` bound and returns it in the form stored dates compare
/// with: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]]` (a space
/// instead of the `T` is accepted), a real calendar date; a time with `Z` or an offset
/// becomes UTC with a `Z`, as imported dates do. Anything else (`20050101`,
/// `2005/01/01`, `2005-02-30`) is [`Error::InvalidDate`]: compared as text, it would
/// silently select the wrong articles.
pub fn date_bound(raw: &str) -> Result<String> {
    let s = raw.trim();
    let invalid = |reason| Error::InvalidDate {
        value: raw.to_string(),
        reason,
    };
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let shape_ok = match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    };
    if !shape_ok {
        return Err(invalid("not in an accepted form"));
    }
    let num = |i: usize| parts.get(i).map(|p| p.parse::<u32>().unwrap_or(0));
    let year = num(0).unwrap_or(0) as i32;
    if let Some(m) = num(1) {
        if !(1..=12).contains(&m) {
            return Err(invalid("there is no such month"));
        }
        if let Some(d) = num(2) {
            if NaiveDate::from_ymd_opt(year, m, d).is_none() {
                return Err(invalid("there is no such day"));
            }
        }
    }
    let Some(time) = time else {
        return Ok(date.to_string());
    };
    if parts.len() != 3 {
        return Err(invalid("a time needs a full date before it"));
    }
    let iso = format!("{date}T{time}");
    if let Ok(d) = DateTime::parse_from_rfc3339(&iso) {
        return Ok(d
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
    let naive = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ];
    if naive
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(&iso, f).is_ok())
    {
        return Ok(iso);
    }
    Err(invalid("not a valid time of day"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_accept_iso_prefixes_and_refuse_everything_else() {
        let ok = |s| date_bound(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("2005"), "2005");
        assert_eq!(ok("0000"), "0000");
        assert_eq!(ok("2005-02"), "2005-02");
        assert_eq!(ok("2004-02-29"), "2004-02-29");
        assert_eq!(ok("1987-02-26T15:01:02"), "1987-02-26T15:01:02");
        assert_eq!(ok("2005-03-01 09:00"), "2005-03-01T09:00");
        assert_eq!(ok("2005-03-01T09:00:00+01:00"), "2005-03-01T08:00:00Z");
        for bad in [
            "garbage",
            "2005-02-30",
            "20050101",
            "2005/01/01",
            "2005-13",
            "05-01-01",
            "2005-1-1",
            "2005-01T10:00",
            "2005-01-01T25:00",
            "",
        ] {
            let e = date_bound(bad).expect_err(bad).to_string();
            assert!(
                e.starts_with(&format!("invalid date {bad:?}")) && e.contains("YYYY-MM-DD"),
                "{bad}: {e}"
            );
        }
    }

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
    fn numeric_dates_read_day_first_unless_the_second_number_cannot_be_a_month() {
        let n = |s| normalize_date(s);
        assert_eq!(n("03/02/2005").as_deref(), Some("2005-02-03"));
        assert_eq!(n("3.2.2005").as_deref(), Some("2005-02-03"));
        assert_eq!(n("25/12/2004").as_deref(), Some("2004-12-25"));
        assert_eq!(n("12/25/2004").as_deref(), Some("2004-12-25"));
        assert_eq!(n("31/02/2005"), None, "no such day either way");
        assert_eq!(n("03/02/05"), None, "no century");
        assert_eq!(n("2005/02/03").as_deref(), Some("2005-02-03"));
        assert_eq!(n("03/02/2005/1"), None);
    }

    #[test]
    fn unreadable_dates_go_to_their_own_column() {
        assert_eq!(published_columns(None), (None, None));
        assert_eq!(
            published_columns(Some("Sun, 25 Feb 2018 10:00:00 +0000")),
            (Some("2018-02-25T10:00:00Z".into()), None)
        );
        assert_eq!(
            published_columns(Some("next tuesday")),
            (None, Some("next tuesday".into()))
        );
        // What normalize_date writes reads back unchanged: a stored date is stable.
        for iso in [
            "2018-02-25T09:00:00Z",
            "1987-02-26T15:01:01.790",
            "2005-03-01",
        ] {
            assert_eq!(normalize_date(iso).as_deref(), Some(iso));
        }
    }

    #[test]
    fn nonsense_does_not_parse() {
        assert_eq!(normalize_date("last tuesday"), None);
        assert_eq!(normalize_date(""), None);
    }
}
