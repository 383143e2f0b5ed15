-- V18: a mention whose kind an explicit cue of its article's text gave (a hypernym
-- list, an apposition, a role noun: "Japanese carmaker Nissan", "a Fox spokesman")
-- votes for its entity's kind as ten mentions the tagger read would
-- (`resolve::corpus::CUE_VOTES`): the tagger reads an unfamiliar company as a person
-- in article after article, while the cue says what it is.
--
-- Mentions stored before this version have no cue (0); `newsdb reextract --all`
-- finds their cues.
ALTER TABLE mentions ADD COLUMN kind_cue INTEGER NOT NULL DEFAULT 0
    CHECK (kind_cue IN (0, 1));
