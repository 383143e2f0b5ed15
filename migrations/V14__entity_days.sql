-- V14: mentions and articles of each entity per publication day, so an entity's
-- timeline (by day, month or year) sums at most a few thousand rows instead of
-- joining every mention to its article (hundreds of milliseconds for an entity named
-- in hundreds of thousands of articles). `day` is the first ten characters of
-- `published_at` when it is an ISO date (`2019-02-25`), or '' for an article without
-- a readable date. An article has one day, so summing `articles` over the days of a
-- month counts each article once. Kept exact by newsdb wherever it changes mentions
-- or a publication date (src/store/units.rs); `newsdb check` recounts.
--
-- Filled when a database is upgraded, after V11's dates are read again (src/db.rs).
CREATE TABLE entity_days (
    entity_id INTEGER NOT NULL,
    day       TEXT NOT NULL,
    mentions  INTEGER NOT NULL CHECK (mentions >= 0),
    articles  INTEGER NOT NULL CHECK (articles >= 0),
    PRIMARY KEY (entity_id, day)
) WITHOUT ROWID;
