//! Timelines: how often an entity is mentioned per day, month or year of
//! `published_at`.

use std::fmt;
use std::str::FromStr;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::EntityId;

use super::Period;

/// The length of a timeline period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bucket {
    /// `YYYY-MM-DD`.
    Day,
    /// `YYYY-MM`.
    #[default]
    Month,
    /// `YYYY`.
    Year,
}

impl Bucket {
    /// How many leading characters of an ISO-8601 date name the period.
    fn prefix_len(self) -> i64 {
        match self {
            Bucket::Day => 10,
            Bucket::Month => 7,
            Bucket::Year => 4,
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bucket::Day => "day",
            Bucket::Month => "month",
            Bucket::Year => "year",
        })
    }
}

impl FromStr for Bucket {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "day" => Ok(Bucket::Day),
            "month" => Ok(Bucket::Month),
            "year" => Ok(Bucket::Year),
            _ => Err(Error::InvalidArgument(format!(
                "unknown period {s:?} (expected day, month, year)"
            ))),
        }
    }
}

/// Mentions and articles in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineRow {
    /// The period: `2019`, `2019-02` or `2019-02-25`.
    pub period: String,
    /// Mentions in articles published then.
    pub mentions: i64,
    /// Articles published then that mention the entity.
    pub articles: i64,
}

/// An entity's timeline and what it had to leave out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// Oldest period first, every period from the first to the last (those without
    /// mentions with zero counts).
    pub rows: Vec<TimelineRow>,
    /// Mentions left out because their article has no publication date newsdb could
    /// read (none, or one kept as given such as "next tuesday").
    pub undated_mentions: i64,
    /// The articles holding those mentions.
    pub undated_articles: i64,
}

// Dates are ISO-8601 text, so a prefix names the day, month or year; a date kept as
// given ("next tuesday") has no period and is left out like a missing one.
const SQL_TIMELINE: &str = "SELECT substr(a.published_at, 1, ?2) AS period,
        COUNT(*) AS mentions, COUNT(DISTINCT m.article_id) AS articles
    FROM mentions m JOIN articles a ON a.id = m.article_id
    WHERE m.entity_id = ?1
      AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
      AND (?3 IS NULL OR a.published_at >= ?3)
      AND (?4 IS NULL OR substr(a.published_at, 1, length(?4)) <= ?4)
    GROUP BY period ORDER BY period";
/// The same from the per-day counts of `entity_days` (migration V14): a bound of at
/// most ten characters (a day, month or year) compares a day as it would the full date.
const SQL_TIMELINE_BY_DAY: &str = "SELECT substr(day, 1, ?2) AS period,
        SUM(mentions), SUM(articles)
    FROM entity_days
    WHERE entity_id = ?1 AND day <> ''
      AND (?3 IS NULL OR day >= ?3)
      AND (?4 IS NULL OR substr(day, 1, length(?4)) <= ?4)
    GROUP BY period ORDER BY period";
const SQL_UNDATED: &str = "SELECT COALESCE(SUM(mentions), 0), COALESCE(SUM(articles), 0)
    FROM entity_days WHERE entity_id = ?1 AND day = ''";

/// The most zero rows filled into one gap between two periods with mentions: a
/// longer gap (a date far from the others) stays a gap.
const MAX_FILLED_GAP: usize = 1000;

/// The period after `period` (`2019` → `2020`, `2019-12` → `2020-01`, `2019-02-28` →
/// `2019-03-01`); `None` when `period` is not a valid one of `bucket`.
fn next_period(period: &str, bucket: Bucket) -> Option<String> {
    match bucket {
        Bucket::Year => {
            let y: i32 = period.parse().ok()?;
            Some(format!("{:04}", y + 1))
        }
        Bucket::Month => {
            let (y, m) = period.split_once('-')?;
            let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
            if !(1..=12).contains(&m) {
                return None;
            }
            let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Some(format!("{y:04}-{m:02}"))
        }
        Bucket::Day => {
            let d = chrono::NaiveDate::parse_from_str(period, "%Y-%m-%d").ok()?;
            Some(d.succ_opt()?.format("%Y-%m-%d").to_string())
        }
    }
}

/// Mention and article counts of `entity` per period of `bucket`, oldest first, in
/// `period` if given: every period from the first with mentions to the last, the
/// ones between without mentions as zero rows (gaps of at most 1,000 periods). Mentions in articles without a
/// readable date are in no period; [`Timeline`] counts them.
pub fn timeline(
    conn: &Connection,
    entity: EntityId,
    bucket: Bucket,
    period: Option<&Period>,
) -> Result<Timeline> {
    let (from, to) = period.map_or((None, None), |p| (p.from.as_deref(), p.to.as_deref()));
    // A bound with a time of day is finer than the per-day counts.
    let by_day = [from, to].iter().flatten().all(|b| b.len() <= 10);
    let found: Vec<TimelineRow> = conn
        .prepare_cached(if by_day {
            SQL_TIMELINE_BY_DAY
        } else {
            SQL_TIMELINE
        })?
        .query_map(
            rusqlite::params![entity, bucket.prefix_len(), from, to],
            |r| {
                Ok(TimelineRow {
                    period: r.get(0)?,
                    mentions: r.get(1)?,
                    articles: r.get(2)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows: Vec<TimelineRow> = Vec::with_capacity(found.len());
    for row in found {
        // A stored date that only looks ISO ("2019-13-45") has no next period: no
        // filling next to it.
        if let Some(mut next) = rows.last().and_then(|r| next_period(&r.period, bucket)) {
            let mut gap = Vec::new();
            while next < row.period && gap.len() <= MAX_FILLED_GAP {
                let after = next_period(&next, bucket);
                gap.push(TimelineRow {
                    period: next,
                    mentions: 0,
                    articles: 0,
                });
                match after {
                    Some(a) => next = a,
                    None => break,
                }
            }
            // A gap of centuries (a stray "0001-01-01") is left a gap.
            if gap.len() <= MAX_FILLED_GAP {
                rows.extend(gap);
            }
        }
        rows.push(row);
    }
    let (undated_mentions, undated_articles) = conn
        .prepare_cached(SQL_UNDATED)?
        .query_row([entity], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Timeline {
        rows,
        undated_mentions,
        undated_articles,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn timeline_buckets_by_month_and_year() {
        let f = fixture::build();
        let assad = f.entity("Bashar al-Assad");
        let months = timeline(f.store.conn(), assad, Bucket::Month, None)
            .unwrap()
            .rows;
        assert_eq!(
            months,
            [
                TimelineRow {
                    period: "2019-02".into(),
                    mentions: 3,
                    articles: 1
                },
                TimelineRow {
                    period: "2019-03".into(),
                    mentions: 1,
                    articles: 1
                },
            ]
        );
        let years = timeline(f.store.conn(), assad, Bucket::Year, None)
            .unwrap()
            .rows;
        assert_eq!(years.len(), 1);
        assert_eq!(years[0].mentions, 4);
        assert_eq!(
            timeline(f.store.conn(), assad, Bucket::Day, None)
                .unwrap()
                .rows[0]
                .period,
            "2019-02-25"
        );
        assert!("week".parse::<Bucket>().is_err());
    }

    #[test]
    fn next_period_steps_over_year_and_month_ends() {
        assert_eq!(
            next_period("2019-12", Bucket::Month).as_deref(),
            Some("2020-01")
        );
        assert_eq!(
            next_period("2019-02-28", Bucket::Day).as_deref(),
            Some("2019-03-01")
        );
        assert_eq!(next_period("2019-13", Bucket::Month), None);
    }

    #[test]
    fn periods_between_the_first_and_last_are_filled_with_zero_rows() {
        let next = |p: &str, b| next_period(p, b);
        assert_eq!(next("2019", Bucket::Year).as_deref(), Some("2020"));
        assert_eq!(next("2019-12", Bucket::Month).as_deref(), Some("2020-01"));
        assert_eq!(
            next("2019-02-28", Bucket::Day).as_deref(),
            Some("2019-03-01")
        );
        assert_eq!(
            next("2020-02-28", Bucket::Day).as_deref(),
            Some("2020-02-29")
        );
        assert_eq!(next("2019-13", Bucket::Month), None);
        let f = fixture::build();
        let assad = f.entity("Bashar al-Assad");
        let days = timeline(f.store.conn(), assad, Bucket::Day, None)
            .unwrap()
            .rows;
        let first = days.first().unwrap().period.clone();
        let last = days.last().unwrap().period.clone();
        assert!(first < last, "{days:?}");
        // One row per day, consecutive, from the first to the last.
        for pair in days.windows(2) {
            assert_eq!(
                next(&pair[0].period, Bucket::Day).as_deref(),
                Some(pair[1].period.as_str())
            );
        }
        assert!(days.iter().any(|r| r.mentions == 0), "{days:?}");
        assert_eq!(days.iter().map(|r| r.mentions).sum::<i64>(), 4);
        let march = Period {
            from: Some("2019-03".into()),
            to: None,
        };
        let t = timeline(f.store.conn(), assad, Bucket::Month, Some(&march)).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].period, "2019-03");
        // a3 is undated and names Assad once.
        assert_eq!((t.undated_mentions, t.undated_articles), (1, 1));
    }
}
