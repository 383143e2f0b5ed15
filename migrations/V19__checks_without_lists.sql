-- The same CHECK constraints, written without a list of values.
--
-- SQLite checks `x IN ('a', 'b', 'c')` by building a temporary index of the list
-- each time a statement runs (a list of one or two values is compared instead), and a
-- statement that inserts one row runs once per row: for every mention, entity unit
-- and kind vote an import writes. Comparisons joined by OR accept exactly the same
-- values. The three tables an import writes per mention are rebuilt with them (SQLite
-- cannot change a constraint in place); rows, ids, indexes, the trigger and the views
-- over them stay as they were.

-- The views name `mentions`: they are made again once the new table has that name.
DROP VIEW entity_stats;
DROP VIEW mention_context;
DROP VIEW cooccurrence;

CREATE TABLE mentions_v19 (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entity_id  INTEGER NOT NULL REFERENCES entities(id),
    field      TEXT NOT NULL CHECK (field IN ('title', 'body')),
    start_char INTEGER NOT NULL CHECK (start_char >= 0),
    end_char   INTEGER NOT NULL,
    start_byte INTEGER NOT NULL CHECK (start_byte >= 0),
    end_byte   INTEGER NOT NULL,
    surface    TEXT NOT NULL,
    sentence   INTEGER,
    paragraph  INTEGER,
    extractor  TEXT,
    confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    local_kind TEXT CHECK (local_kind IS NULL OR local_kind = 'person'
        OR local_kind = 'organization' OR local_kind = 'location' OR local_kind = 'misc'),
    local_name TEXT,
    linked_name TEXT,
    kind_cue   INTEGER NOT NULL DEFAULT 0 CHECK (kind_cue IN (0, 1)),
    CHECK (end_char > start_char),
    CHECK (end_byte > start_byte)
);
INSERT INTO mentions_v19 (id, article_id, entity_id, field, start_char, end_char,
    start_byte, end_byte, surface, sentence, paragraph, extractor, confidence,
    local_kind, local_name, linked_name, kind_cue)
SELECT id, article_id, entity_id, field, start_char, end_char,
    start_byte, end_byte, surface, sentence, paragraph, extractor, confidence,
    local_kind, local_name, linked_name, kind_cue
FROM mentions ORDER BY id;
DROP TABLE mentions;
ALTER TABLE mentions_v19 RENAME TO mentions;

CREATE INDEX mentions_by_entity_unit
    ON mentions(entity_id, article_id, field, sentence, paragraph);
CREATE INDEX mentions_by_article ON mentions(article_id, field, start_char, entity_id);
CREATE INDEX mentions_lone_names ON mentions(local_kind, local_name)
    WHERE instr(local_name, ' ') = 0;
CREATE INDEX mentions_initials_names ON mentions(local_kind, local_name)
    WHERE local_name GLOB '[A-Z][ .]*';
CREATE TRIGGER mentions_ad_merges AFTER DELETE ON mentions BEGIN
    DELETE FROM entity_merge_mentions WHERE mention_id = old.id;
END;

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

CREATE VIEW cooccurrence AS
WITH present AS (SELECT DISTINCT article_id, entity_id FROM mentions)
SELECT x.entity_id AS entity_a,
       y.entity_id AS entity_b,
       COUNT(*)    AS articles
FROM present x
JOIN present y ON y.article_id = x.article_id AND x.entity_id < y.entity_id
GROUP BY x.entity_id, y.entity_id;

CREATE TABLE entity_units_v19 (
    entity_id INTEGER NOT NULL,
    level     TEXT NOT NULL
        CHECK (level = 'article' OR level = 'paragraph' OR level = 'sentence'),
    units     INTEGER NOT NULL CHECK (units >= 0),
    PRIMARY KEY (entity_id, level)
) WITHOUT ROWID;
INSERT INTO entity_units_v19 (entity_id, level, units)
SELECT entity_id, level, units FROM entity_units ORDER BY entity_id, level;
DROP TABLE entity_units;
ALTER TABLE entity_units_v19 RENAME TO entity_units;

CREATE TABLE entity_kind_votes_v19 (
    entity_id INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind = 'person' OR kind = 'organization'
        OR kind = 'location' OR kind = 'misc'),
    weight    INTEGER NOT NULL CHECK (weight >= 0),
    PRIMARY KEY (entity_id, kind)
) WITHOUT ROWID;
INSERT INTO entity_kind_votes_v19 (entity_id, kind, weight)
SELECT entity_id, kind, weight FROM entity_kind_votes ORDER BY entity_id, kind;
DROP TABLE entity_kind_votes;
ALTER TABLE entity_kind_votes_v19 RENAME TO entity_kind_votes;
