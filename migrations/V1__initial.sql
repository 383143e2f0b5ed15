-- V1: the core schema. Column names are a contract: people write SQL against them.

-- One row per news article. `external_id` is the source's stable id (file stem,
-- record id, or content hash); `content_hash` (blake3 of title and body) makes
-- re-imports idempotent.
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    external_id  TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    language     TEXT,
    source       TEXT,
    url          TEXT,
    published_at TEXT,
    content_hash TEXT NOT NULL,
    origin       TEXT,
    imported_at  TEXT NOT NULL
);
CREATE INDEX articles_by_content_hash ON articles(content_hash);
CREATE INDEX articles_by_published_at ON articles(published_at);

-- One row per real-world thing; `name` is the canonical name (no honorifics).
CREATE TABLE entities (
    id   INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'location', 'misc')),
    name TEXT NOT NULL,
    UNIQUE (kind, name)
);

-- Every surface form an entity has been named by ("US", "U.S.", "Assad").
CREATE TABLE entity_aliases (
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    UNIQUE (entity_id, alias)
);
CREATE INDEX entity_aliases_by_alias ON entity_aliases(alias);

-- An exact span of an article's title or body that names an entity. Invariant
-- (checked by the store on insert): surface = substr(<field text>, start_char + 1,
-- end_char - start_char), and start_byte..end_byte slices the same UTF-8 text.
CREATE TABLE mentions (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entity_id  INTEGER NOT NULL REFERENCES entities(id),
    field      TEXT NOT NULL CHECK (field IN ('title', 'body')),
    start_char INTEGER NOT NULL CHECK (start_char >= 0),
    end_char   INTEGER NOT NULL,
    start_byte INTEGER NOT NULL CHECK (start_byte >= 0),
    end_byte   INTEGER NOT NULL,
    surface    TEXT NOT NULL,
    sentence   INTEGER,
    paragraph  INTEGER,
    extractor  TEXT,
    confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    CHECK (end_char > start_char),
    CHECK (end_byte > start_byte)
);
CREATE INDEX mentions_by_entity ON mentions(entity_id, article_id);
CREATE INDEX mentions_by_article ON mentions(article_id, field, start_char);

-- One row per `newsdb import` run, with its counts.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    arguments   TEXT,
    extractor   TEXT,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0
);

-- A record an import could not store, and why.
CREATE TABLE import_errors (
    id        INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    origin    TEXT NOT NULL,
    record    TEXT,
    message   TEXT NOT NULL
);
CREATE INDEX import_errors_by_import ON import_errors(import_id);

-- Full-text index over title and body (external content: no copy of the text).
-- The name `articles_fts` is what sqlite-utils and Datasette look for.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
