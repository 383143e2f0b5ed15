-- V4: the read side. Views for people who write SQL, indexes the query layer
-- (src/query) needs, and per-entity unit counts so that co-occurrence PMI does not
-- have to scan every mention to learn how many sentences an entity occurs in.

-- Mentions by entity and text unit: lists the sentences, paragraphs and articles an
-- entity occurs in without touching the table (profiles, co-occurrence, timelines).
CREATE INDEX mentions_by_entity_unit
    ON mentions(entity_id, article_id, field, sentence, paragraph);

-- Which entities occur in a given sentence / paragraph: the other side of a
-- co-occurrence join, and the existence checks of the unit-count triggers.
CREATE INDEX mentions_by_sentence ON mentions(article_id, field, sentence, entity_id);
CREATE INDEX mentions_by_paragraph ON mentions(article_id, field, paragraph, entity_id);

-- How many distinct units (articles, paragraphs, sentences) each entity occurs in.
-- A unit is an article, an (article, field, paragraph) or an (article, field,
-- sentence); mentions without a sentence or paragraph index count only at the levels
-- they have. Kept exact by the triggers below on every insert, delete and update of
-- mentions (also the cascade when an article is deleted or re-imported, and the
-- `UPDATE mentions SET entity_id = ...` of an entity merge). Rows reaching zero are
-- deleted.
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

-- A new mention adds a unit to its entity (and to the total) only when no other
-- mention of that entity (of any entity) is already in the unit.
CREATE TRIGGER mentions_units_ai AFTER INSERT ON mentions BEGIN
    INSERT INTO entity_units (entity_id, level, units)
        SELECT new.entity_id, 'article', 1
        WHERE NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = new.entity_id
            AND article_id = new.article_id AND id != new.id)
        ON CONFLICT (entity_id, level) DO UPDATE SET units = units + 1;
    INSERT INTO entity_units (entity_id, level, units)
        SELECT new.entity_id, 'paragraph', 1
        WHERE new.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = new.entity_id AND article_id = new.article_id
            AND field = new.field AND paragraph = new.paragraph AND id != new.id)
        ON CONFLICT (entity_id, level) DO UPDATE SET units = units + 1;
    INSERT INTO entity_units (entity_id, level, units)
        SELECT new.entity_id, 'sentence', 1
        WHERE new.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = new.entity_id AND article_id = new.article_id
            AND field = new.field AND sentence = new.sentence AND id != new.id)
        ON CONFLICT (entity_id, level) DO UPDATE SET units = units + 1;
    UPDATE unit_totals SET units = units + 1 WHERE level = 'article'
        AND NOT EXISTS (SELECT 1 FROM mentions WHERE article_id = new.article_id
            AND id != new.id);
    UPDATE unit_totals SET units = units + 1 WHERE level = 'paragraph'
        AND new.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = new.article_id AND field = new.field
            AND paragraph = new.paragraph AND id != new.id);
    UPDATE unit_totals SET units = units + 1 WHERE level = 'sentence'
        AND new.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = new.article_id AND field = new.field
            AND sentence = new.sentence AND id != new.id);
END;

-- A deleted mention takes its unit away when it was the last one of its entity
-- (of any entity) there. Fires for cascades from `articles` too.
CREATE TRIGGER mentions_units_ad AFTER DELETE ON mentions BEGIN
    UPDATE entity_units SET units = units - 1
        WHERE entity_id = old.entity_id AND level = 'article'
        AND NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = old.entity_id
            AND article_id = old.article_id AND id != old.id);
    UPDATE entity_units SET units = units - 1
        WHERE entity_id = old.entity_id AND level = 'paragraph'
        AND old.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = old.entity_id AND article_id = old.article_id
            AND field = old.field AND paragraph = old.paragraph AND id != old.id);
    UPDATE entity_units SET units = units - 1
        WHERE entity_id = old.entity_id AND level = 'sentence'
        AND old.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = old.entity_id AND article_id = old.article_id
            AND field = old.field AND sentence = old.sentence AND id != old.id);
    DELETE FROM entity_units WHERE entity_id = old.entity_id AND units <= 0;
    UPDATE unit_totals SET units = units - 1 WHERE level = 'article'
        AND NOT EXISTS (SELECT 1 FROM mentions WHERE article_id = old.article_id
            AND id != old.id);
    UPDATE unit_totals SET units = units - 1 WHERE level = 'paragraph'
        AND old.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = old.article_id AND field = old.field
            AND paragraph = old.paragraph AND id != old.id);
    UPDATE unit_totals SET units = units - 1 WHERE level = 'sentence'
        AND old.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = old.article_id AND field = old.field
            AND sentence = old.sentence AND id != old.id);
END;

-- An update (an entity merge, re-numbered sentences) is a delete of the old row and
-- an insert of the new one. When a unit did not change, the decrement and the
-- increment see the same rows and cancel out.
CREATE TRIGGER mentions_units_au
AFTER UPDATE OF entity_id, article_id, field, sentence, paragraph ON mentions BEGIN
    UPDATE entity_units SET units = units - 1
        WHERE entity_id = old.entity_id AND level = 'article'
        AND NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = old.entity_id
            AND article_id = old.article_id AND id != old.id);
    UPDATE entity_units SET units = units - 1
        WHERE entity_id = old.entity_id AND level = 'paragraph'
        AND old.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = old.entity_id AND article_id = old.article_id
            AND field = old.field AND paragraph = old.paragraph AND id != old.id);
    UPDATE entity_units SET units = units - 1
        WHERE entity_id = old.entity_id AND level = 'sentence'
        AND old.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = old.entity_id AND article_id = old.article_id
            AND field = old.field AND sentence = old.sentence AND id != old.id);
    DELETE FROM entity_units WHERE entity_id = old.entity_id AND units <= 0;
    UPDATE unit_totals SET units = units - 1 WHERE level = 'article'
        AND NOT EXISTS (SELECT 1 FROM mentions WHERE article_id = old.article_id
            AND id != old.id);
    UPDATE unit_totals SET units = units - 1 WHERE level = 'paragraph'
        AND old.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = old.article_id AND field = old.field
            AND paragraph = old.paragraph AND id != old.id);
    UPDATE unit_totals SET units = units - 1 WHERE level = 'sentence'
        AND old.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = old.article_id AND field = old.field
            AND sentence = old.sentence AND id != old.id);

    INSERT INTO entity_units (entity_id, level, units)
        SELECT new.entity_id, 'article', 1
        WHERE NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = new.entity_id
            AND article_id = new.article_id AND id != new.id)
        ON CONFLICT (entity_id, level) DO UPDATE SET units = units + 1;
    INSERT INTO entity_units (entity_id, level, units)
        SELECT new.entity_id, 'paragraph', 1
        WHERE new.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = new.entity_id AND article_id = new.article_id
            AND field = new.field AND paragraph = new.paragraph AND id != new.id)
        ON CONFLICT (entity_id, level) DO UPDATE SET units = units + 1;
    INSERT INTO entity_units (entity_id, level, units)
        SELECT new.entity_id, 'sentence', 1
        WHERE new.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE entity_id = new.entity_id AND article_id = new.article_id
            AND field = new.field AND sentence = new.sentence AND id != new.id)
        ON CONFLICT (entity_id, level) DO UPDATE SET units = units + 1;
    UPDATE unit_totals SET units = units + 1 WHERE level = 'article'
        AND NOT EXISTS (SELECT 1 FROM mentions WHERE article_id = new.article_id
            AND id != new.id);
    UPDATE unit_totals SET units = units + 1 WHERE level = 'paragraph'
        AND new.paragraph IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = new.article_id AND field = new.field
            AND paragraph = new.paragraph AND id != new.id);
    UPDATE unit_totals SET units = units + 1 WHERE level = 'sentence'
        AND new.sentence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mentions
            WHERE article_id = new.article_id AND field = new.field
            AND sentence = new.sentence AND id != new.id);
END;

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
