-- V12: the full-text index declared in a form Datasette detects (issue 12 #25).
--
-- Datasette offers search on a table when sqlite_master holds a virtual table whose
-- SQL matches `%VIRTUAL TABLE%USING FTS%content="articles"%` (or `content=[articles]`):
-- V1 wrote `content = 'articles'`, which it does not match. SQLite keeps a virtual
-- table's options as written, so the table is created again with the same columns and
-- the same tokenizer options, the content table written `content="articles"` (no
-- spaces: the pattern has none), and its index rebuilt from the articles. The three
-- triggers that keep it in step are dropped with it and created again unchanged.
DROP TRIGGER IF EXISTS articles_ai;
DROP TRIGGER IF EXISTS articles_ad;
DROP TRIGGER IF EXISTS articles_au;
DROP TABLE articles_fts;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body,
    content="articles", content_rowid="id",
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

INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
