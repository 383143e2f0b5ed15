-- V9: a lone surname linked to a full-name person of other articles by context.
--
-- `linked_name` is the name of the person a corpus pass linked a lone surname
-- mention ("Mr Howard" in an article that never names him in full) to, or NULL when
-- the mention follows its own `local_name`. The entity of a mention is the entity of
-- `COALESCE(linked_name, local_name)`; `entity_names` counts that name.
ALTER TABLE mentions ADD COLUMN linked_name TEXT;

-- The pass reads every lone person mention (a one-word local name).
CREATE INDEX mentions_lone_persons ON mentions(local_name)
    WHERE local_kind = 'person' AND instr(local_name, ' ') = 0;

-- Surname keys written since the last linking pass: an import records them with each
-- batch and ends by linking them, so a run killed before its end leaves them for the
-- next run (or `newsdb resolve`) to link.
CREATE TABLE pending_surname_links (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;
