-- V15: the index of mentions by article also holds each mention's entity, so the
-- entities of an article are read from the index alone, never from the table's rows.
-- Article-level co-occurrence reads the entities of every article of an entity: for
-- one named in 400,000 of a million articles that is 13.8 million mentions, and
-- looking each up in the table tripled the time. The order of the index is unchanged
-- (article, field, start), so every query that used it still does.
DROP INDEX mentions_by_article;
CREATE INDEX mentions_by_article ON mentions(article_id, field, start_char, entity_id);
