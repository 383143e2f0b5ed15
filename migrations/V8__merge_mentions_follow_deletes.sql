-- V8: a merge forgets a mention once the mention is deleted (an updated article
-- re-extracted, `reextract`, repeated-paragraph boilerplate, a deleted article).
-- Mention ids are reused after deletes, so a stale `entity_merge_mentions` row made an
-- unmerge move whichever unrelated mention later took the same id. Rows that already
-- point at a reused id cannot be told apart; rows pointing at no mention are dropped.

DELETE FROM entity_merge_mentions WHERE mention_id NOT IN (SELECT id FROM mentions);

CREATE INDEX entity_merge_mentions_by_mention ON entity_merge_mentions(mention_id);

CREATE TRIGGER mentions_ad_merges AFTER DELETE ON mentions BEGIN
    DELETE FROM entity_merge_mentions WHERE mention_id = old.id;
END;
