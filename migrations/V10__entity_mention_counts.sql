-- V10: mentions per entity, kept exact by newsdb wherever it changes mentions (as
-- `entity_units` is; see src/store/units.rs), so that `newsdb entities` (the most
-- mentioned entities) reads an index instead of counting every mention of the store.
-- Entities without mentions have no row (a row reaching zero is deleted).
CREATE TABLE entity_mentions (
    entity_id INTEGER PRIMARY KEY,
    mentions  INTEGER NOT NULL CHECK (mentions >= 0)
);

INSERT INTO entity_mentions (entity_id, mentions)
SELECT entity_id, COUNT(*) FROM mentions GROUP BY entity_id;

-- Most mentioned first: the top of the list is the start of this index.
CREATE INDEX entity_mentions_by_count ON entity_mentions(mentions DESC, entity_id);
