-- V2: the loader's paragraph table, warnings beside errors, and the extractor's
-- bookkeeping on import runs.

-- One row per paragraph of an article body: its span in the body, its detected
-- language, and whether it is boilerplate (a language other than the article's, or
-- text repeated across many articles of the same source). Boilerplate stays in the
-- body but entity extraction skips it.
CREATE TABLE paragraphs (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    start_char  INTEGER NOT NULL CHECK (start_char >= 0),
    end_char    INTEGER NOT NULL,
    start_byte  INTEGER NOT NULL CHECK (start_byte >= 0),
    end_byte    INTEGER NOT NULL,
    language    TEXT,
    boilerplate INTEGER NOT NULL DEFAULT 0 CHECK (boilerplate IN (0, 1)),
    text_hash   TEXT NOT NULL,
    PRIMARY KEY (article_id, idx),
    CHECK (end_char >= start_char),
    CHECK (end_byte >= start_byte)
) WITHOUT ROWID;
-- Finding repeated paragraphs (publisher notices, bylines) across articles.
CREATE INDEX paragraphs_by_text_hash ON paragraphs(text_hash);

-- Problems that did not stop a record (an unparseable date kept as given) are
-- recorded beside the failures.
ALTER TABLE import_errors ADD COLUMN severity TEXT NOT NULL DEFAULT 'error'
    CHECK (severity IN ('error', 'warning'));

-- More counts per import run.
ALTER TABLE imports ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN not_extracted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN mentions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN seconds REAL;

-- Duplicate detection looks articles up by content; V1 has the index.
