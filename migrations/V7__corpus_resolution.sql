-- V7: entities decided with the whole store in view.
--
-- A mention keeps what the tagger and the in-article rules said of it (its local kind
-- and name); the entity it belongs to is the one with the identity key of that name
-- (case, diacritics, punctuation and a leading "the" folded), whatever the kind. The
-- entity's kind and displayed name are then decided by the evidence of all its
-- mentions, kept in the two summary tables below, so the result does not depend on
-- the order in which articles arrive.

-- What the in-article resolution said of each mention (NULL for mentions added
-- through the library without it).
ALTER TABLE mentions ADD COLUMN local_kind TEXT
    CHECK (local_kind IS NULL OR local_kind IN ('person', 'organization', 'location', 'misc'));
ALTER TABLE mentions ADD COLUMN local_name TEXT;
UPDATE mentions SET
    local_kind = (SELECT kind FROM entities e WHERE e.id = mentions.entity_id),
    local_name = (SELECT name FROM entities e WHERE e.id = mentions.entity_id);

-- The identity key of the entity's name (filled in by newsdb when it opens a file of
-- an older schema); `user_fixed` marks a name (1) or kind (2) set by a person, which
-- no rule changes.
ALTER TABLE entities ADD COLUMN key TEXT;
ALTER TABLE entities ADD COLUMN user_fixed INTEGER NOT NULL DEFAULT 0
    CHECK (user_fixed BETWEEN 0 AND 3);
CREATE INDEX entities_by_key ON entities(key);

-- The evidence for an entity's kind: the summed weight of its mentions' local kinds
-- (confidence in thousandths, a title mention counting a quarter of a body mention:
-- headlines are where the tagger errs). Kept exact by newsdb wherever it changes
-- mentions, like entity_units; `newsdb check` recounts it.
CREATE TABLE entity_kind_votes (
    entity_id INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'location', 'misc')),
    weight    INTEGER NOT NULL CHECK (weight >= 0),
    PRIMARY KEY (entity_id, kind)
) WITHOUT ROWID;

-- The names an entity's mentions were resolved to, with their counts: the displayed
-- name is the most frequent well-cased one.
CREATE TABLE entity_names (
    entity_id INTEGER NOT NULL,
    name      TEXT NOT NULL,
    mentions  INTEGER NOT NULL CHECK (mentions >= 0),
    PRIMARY KEY (entity_id, name)
) WITHOUT ROWID;

INSERT INTO entity_kind_votes (entity_id, kind, weight)
SELECT entity_id, local_kind,
       SUM(CAST(ROUND(COALESCE(confidence, 1.0) * 1000) AS INTEGER)
           * CASE field WHEN 'title' THEN 1 ELSE 4 END)
FROM mentions WHERE local_kind IS NOT NULL
GROUP BY entity_id, local_kind;

INSERT INTO entity_names (entity_id, name, mentions)
SELECT entity_id, local_name, COUNT(*)
FROM mentions WHERE local_name IS NOT NULL
GROUP BY entity_id, local_name;

-- A user's own aliases (`newsdb aliases add`, `import --aliases FILE`): a name whose
-- identity key is `alias_key` belongs to the entity of `canonical` (created with this
-- kind and name, which rules then leave alone). Applied across the store: to new
-- mentions at once, to stored ones by the resolution `aliases add` runs.
CREATE TABLE user_aliases (
    alias_key     TEXT PRIMARY KEY,
    alias         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'location', 'misc')),
    canonical     TEXT NOT NULL,
    canonical_key TEXT NOT NULL
) WITHOUT ROWID;

-- A warning is recorded once per origin, record and message: re-importing an
-- unchanged corpus must not append the same warnings again.
CREATE INDEX import_errors_by_origin ON import_errors(origin, message);
