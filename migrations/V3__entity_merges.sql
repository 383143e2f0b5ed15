-- V3: undoable entity merges. A merged entity keeps its row (so an unmerge restores
-- it exactly) and points at the entity it was merged into; the loader follows that
-- pointer, so merges survive re-extraction and later imports.

ALTER TABLE entities ADD COLUMN merged_into INTEGER REFERENCES entities(id);
CREATE INDEX entities_by_merged_into ON entities(merged_into) WHERE merged_into IS NOT NULL;

-- One row per `newsdb entities merge FROM INTO`; `undone_at` is set by unmerge.
CREATE TABLE entity_merges (
    id          INTEGER PRIMARY KEY,
    from_entity INTEGER NOT NULL REFERENCES entities(id),
    into_entity INTEGER NOT NULL REFERENCES entities(id),
    merged_at   TEXT NOT NULL,
    undone_at   TEXT,
    CHECK (from_entity <> into_entity)
);
CREATE INDEX entity_merges_by_from ON entity_merges(from_entity);

-- Mentions a merge moved (or that later imports sent to the target because of it):
-- an unmerge sends them back.
CREATE TABLE entity_merge_mentions (
    merge_id   INTEGER NOT NULL REFERENCES entity_merges(id) ON DELETE CASCADE,
    mention_id INTEGER NOT NULL,
    PRIMARY KEY (merge_id, mention_id)
) WITHOUT ROWID;

-- Aliases a merge moved from the source entity (`moved` = 1) and those it added to
-- the target that the target did not have before (`added` = 1).
CREATE TABLE entity_merge_aliases (
    merge_id INTEGER NOT NULL REFERENCES entity_merges(id) ON DELETE CASCADE,
    alias    TEXT NOT NULL,
    moved    INTEGER NOT NULL CHECK (moved IN (0, 1)),
    added    INTEGER NOT NULL CHECK (added IN (0, 1)),
    PRIMARY KEY (merge_id, alias)
) WITHOUT ROWID;
