-- V13: how many paragraphs each pair of entities shares, so paragraph-level
-- co-occurrence reads one entity's row range, as sentence level reads sentence_pairs
-- (V5), instead of joining every mention of every article the entity occurs in (over
-- half a second for a frequent entity at 100k articles). Both orders of each pair are
-- stored. An article naming more than 1000 distinct entities (a dump of many
-- articles in one record, not an article) pairs none of them. Kept exact by newsdb
-- wherever it changes mentions (src/store/units.rs); `newsdb check` recounts.
-- (Article-level pairs are not kept: they are ten times as many rows, and keeping
-- them doubled the import time of a 10,000-article corpus.)
CREATE TABLE paragraph_pairs (
    entity_id  INTEGER NOT NULL,
    other_id   INTEGER NOT NULL,
    paragraphs INTEGER NOT NULL CHECK (paragraphs >= 0),
    PRIMARY KEY (entity_id, other_id),
    CHECK (entity_id <> other_id)
) WITHOUT ROWID;

INSERT INTO paragraph_pairs (entity_id, other_id, paragraphs)
SELECT x.entity_id, y.entity_id, COUNT(*)
FROM (SELECT DISTINCT article_id, field, paragraph, entity_id FROM mentions
      WHERE paragraph IS NOT NULL
        AND article_id IN (SELECT article_id FROM mentions GROUP BY article_id
                           HAVING COUNT(DISTINCT entity_id) <= 1000)) x
JOIN (SELECT DISTINCT article_id, field, paragraph, entity_id FROM mentions
      WHERE paragraph IS NOT NULL) y
  ON y.article_id = x.article_id AND y.field = x.field AND y.paragraph = x.paragraph
 AND y.entity_id <> x.entity_id
GROUP BY x.entity_id, y.entity_id;
