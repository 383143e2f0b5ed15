-- V9: a lone surname ("Mr Howard") or club name ("United") linked to a full name of
-- other articles ("Michael Howard", "Manchester United") by context.
--
-- `linked_name` is the name of the entity a corpus pass linked a lone name (in an
-- article that never gives the full name) to, or NULL when the mention follows its
-- own `local_name`. The entity of a mention is the entity of
-- `COALESCE(linked_name, local_name)`; `entity_names` counts that name.
ALTER TABLE mentions ADD COLUMN linked_name TEXT;

-- The pass reads the lone mentions of a kind (a one-word local name).
CREATE INDEX mentions_lone_names ON mentions(local_kind, local_name)
    WHERE instr(local_name, ' ') = 0;

-- Keys of lone names (and of the full names they may mean) written since the last
-- linking pass: an import records them with each
-- batch and ends by linking them, so a run killed before its end leaves them for the
-- next run (or `newsdb resolve`) to link.
CREATE TABLE pending_name_links (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;
