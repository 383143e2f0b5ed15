//! Timelines: how often an entity is mentioned per day, month or year of
//! `published_at`.

use std::fmt;
use std::str::FromStr;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::EntityId;

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

// Dates are ISO-8601 text, so a prefix names the day, month or year; a date kept as
// given ("next tuesday") has no period and is left out like a missing one.
const SQL_TIMELINE: &str = "SELECT substr(a.published_at, 1, ?2) AS period,
        COUNT(*) AS mentions, COUNT(DISTINCT m.article_id) AS articles
    FROM mentions m JOIN articles a ON a.id = m.article_id
    WHERE m.entity_id = ?1
      AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
    GROUP BY period ORDER BY period";

/// Mention and article counts of `entity` per period, oldest first; articles without
/// a date (or with one newsdb could not parse) are left out, periods without mentions
/// are absent.
pub fn timeline(conn: &Connection, entity: EntityId, bucket: Bucket) -> Result<Vec<TimelineRow>> {
    let rows = conn
        .prepare_cached(SQL_TIMELINE)?
        .query_map(rusqlite::params![entity, bucket.prefix_len()], |r| {
            Ok(TimelineRow {
                period: r.get(0)?,
                mentions: r.get(1)?,
                articles: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn timeline_buckets_by_month_and_year() {
        let f = fixture::build();
        let assad = f.entity("Bashar al-Assad");
        let months = timeline(f.store.conn(), assad, Bucket::Month).unwrap();
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
        let years = timeline(f.store.conn(), assad, Bucket::Year).unwrap();
        assert_eq!(years.len(), 1);
        assert_eq!(years[0].mentions, 4);
        assert_eq!(
            timeline(f.store.conn(), assad, Bucket::Day).unwrap()[0].period,
            "2019-02-25"
        );
        assert!("week".parse::<Bucket>().is_err());
    }
}
