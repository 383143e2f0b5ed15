-- V16: how many articles each frequently named entity shares with every other entity,
-- so that article-level co-occurrence of an entity named in hundreds of thousands of
-- articles reads one row range instead of every mention of those articles (2-9 s at a
-- million articles).
--
-- Only frequent entities have rows (all pairs would be ten times the rows of
-- paragraph_pairs and double the import time): an entity becomes frequent when it is
-- named in at least `article_pair_threshold.min_articles` articles, and stays so.
-- Co-occurrence of any other entity counts the mentions of its articles, which are
-- fewer than that.
--
-- Kept exact by newsdb wherever it changes mentions (src/store/units.rs), which makes
-- an entity frequent when its article count reaches the threshold; `newsdb check`
-- recounts. After changing the threshold, run `newsdb check --repair`.
CREATE TABLE article_pair_threshold (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    min_articles INTEGER NOT NULL CHECK (min_articles >= 1)
);
INSERT INTO article_pair_threshold (id, min_articles) VALUES (1, 5000);

CREATE TABLE frequent_entities (
    entity_id INTEGER PRIMARY KEY
);

CREATE TABLE article_pairs (
    entity_id INTEGER NOT NULL,
    other_id  INTEGER NOT NULL,
    articles  INTEGER NOT NULL CHECK (articles >= 0),
    PRIMARY KEY (entity_id, other_id),
    CHECK (entity_id <> other_id)
) WITHOUT ROWID;

INSERT INTO frequent_entities (entity_id)
SELECT entity_id FROM entity_units
WHERE level = 'article' AND units >= (SELECT min_articles FROM article_pair_threshold);

INSERT INTO article_pairs (entity_id, other_id, articles)
WITH f AS (SELECT DISTINCT m.article_id, m.entity_id
           FROM frequent_entities f JOIN mentions m ON m.entity_id = f.entity_id),
o AS (SELECT DISTINCT article_id, entity_id FROM mentions
      WHERE article_id IN (SELECT article_id FROM f))
SELECT x.entity_id, y.entity_id, COUNT(*)
FROM f x JOIN o y ON y.article_id = x.article_id AND y.entity_id <> x.entity_id
GROUP BY x.entity_id, y.entity_id;
