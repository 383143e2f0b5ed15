-- V5: how many sentences each pair of entities shares, so sentence-level
-- co-occurrence (and the profile's co-occurring list) reads one entity's row range
-- instead of joining every sentence it occurs in (hundreds of milliseconds for an
-- entity named in tens of thousands of articles). Both orders of each pair are stored.
-- Kept exact by newsdb wherever it changes mentions (src/store/units.rs), like
-- entity_units; `newsdb check` recounts and compares.
CREATE TABLE sentence_pairs (
    entity_id INTEGER NOT NULL,
    other_id  INTEGER NOT NULL,
    sentences INTEGER NOT NULL CHECK (sentences >= 0),
    PRIMARY KEY (entity_id, other_id),
    CHECK (entity_id <> other_id)
) WITHOUT ROWID;

INSERT INTO sentence_pairs (entity_id, other_id, sentences)
SELECT a.entity_id, b.entity_id, COUNT(*)
FROM (SELECT DISTINCT article_id, field, sentence, entity_id FROM mentions
      WHERE sentence IS NOT NULL) a
JOIN (SELECT DISTINCT article_id, field, sentence, entity_id FROM mentions
      WHERE sentence IS NOT NULL) b
  ON b.article_id = a.article_id AND b.field = a.field AND b.sentence = a.sentence
 AND b.entity_id <> a.entity_id
GROUP BY a.entity_id, b.entity_id;

-- With the pair counts above, sentence co-occurrence no longer joins mentions by
-- sentence, and paragraph co-occurrence does as well through mentions_by_article
-- (an article's mentions are few): two indexes less to maintain on every mention
-- insert, a sixth of import time.
DROP INDEX mentions_by_sentence;
DROP INDEX mentions_by_paragraph;
