-- V6: repeated-paragraph detection in constant time per paragraph.
--
-- A paragraph repeated in enough articles of one source (a copyright line, a
-- newsletter prompt) is boilerplate. The loader used to count every earlier copy for
-- each new paragraph, which made importing a source with a footer line quadratic in
-- its number of articles. This table keeps the count instead: one indexed read and
-- one write per distinct paragraph text of a new article.

-- How many articles of each source contain each paragraph text (paragraphs.text_hash),
-- counting an article once however often the text occurs in it. Kept exact by the
-- loader; `newsdb check` recounts it.
CREATE TABLE source_paragraphs (
    source    TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    articles  INTEGER NOT NULL CHECK (articles >= 0),
    PRIMARY KEY (source, text_hash)
) WITHOUT ROWID;

INSERT INTO source_paragraphs (source, text_hash, articles)
SELECT a.source, p.text_hash, COUNT(DISTINCT p.article_id)
FROM paragraphs p JOIN articles a ON a.id = p.article_id
WHERE a.source IS NOT NULL
GROUP BY a.source, p.text_hash;
