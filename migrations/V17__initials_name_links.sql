-- V17: a person written with initials ("P O'Connell" in a team line-up) is linked, by
-- context, to the full-name person of other articles that the initial and surname fit
-- ("Paul O'Connell"), as lone surnames are since V9.
--
-- The pass reads the mentions of a kind whose local name may be written with
-- initials: a capital, then a space or a period. Stores written before this version
-- link them at the next `newsdb resolve`.
CREATE INDEX mentions_initials_names ON mentions(local_kind, local_name)
    WHERE local_name GLOB '[A-Z][ .]*';
