-- V13: how many paragraphs and articles each pair of entities shares, so paragraph-
-- and article-level co-occurrence read one entity's row range, as sentence level
-- reads sentence_pairs (V5), instead of joining every mention of every article the
-- entity occurs in (over half a second for a frequent entity at 100k articles).
-- Both orders of each pair are stored; a pair sharing a paragraph shares its article,
-- so a row exists while `articles > 0`. An article
-- naming more than 1000 distinct entities (a dump of many articles in one record, not
-- an article) pairs none of them: its pairs alone would be millions of rows. Kept exact by
-- newsdb wherever it changes mentions (src/store/units.rs); `newsdb check` recounts.
CREATE TABLE entity_pairs (
    entity_id  INTEGER NOT NULL,
    other_id   INTEGER NOT NULL,
    paragraphs INTEGER NOT NULL CHECK (paragraphs >= 0),
    articles   INTEGER NOT NULL CHECK (articles >= 0),
    PRIMARY KEY (entity_id, other_id),
    CHECK (entity_id <> other_id)
) WITHOUT ROWID;

INSERT INTO entity_pairs (entity_id, other_id, paragraphs, articles)
SELECT a.entity_id, b.entity_id, COALESCE(p.n, 0), COUNT(*)
FROM (SELECT DISTINCT article_id, entity_id FROM mentions
      WHERE article_id IN (SELECT article_id FROM mentions GROUP BY article_id
                           HAVING COUNT(DISTINCT entity_id) <= 1000)) a
JOIN (SELECT DISTINCT article_id, entity_id FROM mentions) b
  ON b.article_id = a.article_id AND b.entity_id <> a.entity_id
LEFT JOIN (
    SELECT x.entity_id AS e, y.entity_id AS o, COUNT(*) AS n
    FROM (SELECT DISTINCT article_id, field, paragraph, entity_id FROM mentions
          WHERE paragraph IS NOT NULL) x
    JOIN (SELECT DISTINCT article_id, field, paragraph, entity_id FROM mentions
          WHERE paragraph IS NOT NULL) y
      ON y.article_id = x.article_id AND y.field = x.field AND y.paragraph = x.paragraph
     AND y.entity_id <> x.entity_id
    GROUP BY x.entity_id, y.entity_id) p ON p.e = a.entity_id AND p.o = b.entity_id
GROUP BY a.entity_id, b.entity_id;

-- The `cooccurrence` view (V4) counted every article's entities live, seconds on a
-- large store: it now reads the pair counts (same columns and rows, except for the
-- articles of over 1000 entities above).
DROP VIEW cooccurrence;
CREATE VIEW cooccurrence AS
SELECT entity_id AS entity_a, other_id AS entity_b, articles
FROM entity_pairs WHERE entity_id < other_id;
