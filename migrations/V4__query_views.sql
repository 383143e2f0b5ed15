-- V4: the read side. Views for people who write SQL, indexes the query layer
-- (src/query) needs, and per-entity unit counts so that co-occurrence PMI does not
-- have to scan every mention to learn how many sentences an entity occurs in.

-- Mentions by entity and text unit: lists the sentences, paragraphs and articles an
-- entity occurs in without touching the table (profiles, co-occurrence, timelines).
CREATE INDEX mentions_by_entity_unit
    ON mentions(entity_id, article_id, field, sentence, paragraph);
-- V1's index on (entity_id, article_id) is a prefix of the one above: one index less
-- to maintain on every mention insert.
DROP INDEX mentions_by_entity;

-- Which entities occur in a given sentence / paragraph: the other side of a
-- co-occurrence join.
CREATE INDEX mentions_by_sentence ON mentions(article_id, field, sentence, entity_id);
CREATE INDEX mentions_by_paragraph ON mentions(article_id, field, paragraph, entity_id);

-- How many distinct units (articles, paragraphs, sentences) each entity occurs in.
-- A unit is an article, an (article, field, paragraph) or an (article, field,
-- sentence); mentions without a sentence or paragraph index count only at the levels
-- they have. Kept exact by newsdb itself wherever it changes mentions (imports,
-- updates, re-extraction, merges; see src/store/units.rs) rather than by triggers, which
-- cost a third of import time; `newsdb check` recomputes and compares them. Rows
-- reaching zero are deleted.
CREATE TABLE entity_units (
    entity_id INTEGER NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('article', 'paragraph', 'sentence')),
    units     INTEGER NOT NULL CHECK (units >= 0),
    PRIMARY KEY (entity_id, level)
) WITHOUT ROWID;

-- How many distinct units hold at least one mention, per level: the N of PMI.
CREATE TABLE unit_totals (
    level TEXT PRIMARY KEY CHECK (level IN ('article', 'paragraph', 'sentence')),
    units INTEGER NOT NULL CHECK (units >= 0)
) WITHOUT ROWID;

INSERT INTO unit_totals (level, units)
SELECT 'article', COUNT(*) FROM (SELECT DISTINCT article_id FROM mentions)
UNION ALL
SELECT 'paragraph', COUNT(*) FROM (SELECT DISTINCT article_id, field, paragraph
                                   FROM mentions WHERE paragraph IS NOT NULL)
UNION ALL
SELECT 'sentence', COUNT(*) FROM (SELECT DISTINCT article_id, field, sentence
                                  FROM mentions WHERE sentence IS NOT NULL);

INSERT INTO entity_units (entity_id, level, units)
SELECT entity_id, 'article', COUNT(*)
FROM (SELECT DISTINCT entity_id, article_id FROM mentions) GROUP BY entity_id;
INSERT INTO entity_units (entity_id, level, units)
SELECT entity_id, 'paragraph', COUNT(*)
FROM (SELECT DISTINCT entity_id, article_id, field, paragraph FROM mentions
      WHERE paragraph IS NOT NULL) GROUP BY entity_id;
INSERT INTO entity_units (entity_id, level, units)
SELECT entity_id, 'sentence', COUNT(*)
FROM (SELECT DISTINCT entity_id, article_id, field, sentence FROM mentions
      WHERE sentence IS NOT NULL) GROUP BY entity_id;

-- One row per entity: how many articles and mentions it has and the first and last
-- `published_at` of those articles (NULL when no article has a date). Entities without
-- mentions are listed with zero counts.
CREATE VIEW entity_stats AS
SELECT e.id                         AS entity_id,
       e.name                       AS name,
       e.kind                       AS kind,
       COUNT(DISTINCT m.article_id) AS articles,
       COUNT(m.id)                  AS mentions,
       MIN(a.published_at)          AS first_seen,
       MAX(a.published_at)          AS last_seen
FROM entities e
LEFT JOIN mentions m ON m.entity_id = e.id
LEFT JOIN articles a ON a.id = m.article_id
GROUP BY e.id, e.name, e.kind;

-- Every mention with the entity it names and up to 40 characters of its field's text
-- on each side (keyword in context). Offsets count characters, as `substr` does.
CREATE VIEW mention_context AS
SELECT m.id          AS mention_id,
       m.article_id  AS article_id,
       a.external_id AS external_id,
       m.entity_id   AS entity_id,
       e.name        AS name,
       e.kind        AS kind,
       m.field       AS field,
       m.start_char  AS start_char,
       m.end_char    AS end_char,
       m.sentence    AS sentence,
       m.paragraph   AS paragraph,
       substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
              CASE WHEN m.start_char > 40 THEN m.start_char - 39 ELSE 1 END,
              CASE WHEN m.start_char > 40 THEN 40 ELSE m.start_char END) AS left_context,
       m.surface     AS surface,
       substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
              m.end_char + 1, 40) AS right_context
FROM mentions m
JOIN articles a ON a.id = m.article_id
JOIN entities e ON e.id = m.entity_id;

-- Pairs of entities named in the same article (entity_a < entity_b, each pair once)
-- and how many articles they share.
CREATE VIEW cooccurrence AS
WITH present AS (SELECT DISTINCT article_id, entity_id FROM mentions)
SELECT x.entity_id AS entity_a,
       y.entity_id AS entity_b,
       COUNT(*)    AS articles
FROM present x
JOIN present y ON y.article_id = x.article_id AND x.entity_id < y.entity_id
GROUP BY x.entity_id, y.entity_id;
