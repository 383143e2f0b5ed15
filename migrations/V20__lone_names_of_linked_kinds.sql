-- V20: the lone-name index holds only the kinds the linking pass reads.
--
-- `mentions_lone_names` (V9) held every one-word local name, of any kind. The pass
-- reads persons (surnames) and organizations (club words) only; locations and misc
-- ("London", "British") were about half its entries, each one a write at a random
-- place of the index for every mention an import adds, which at a million articles
-- is a page written per mention. The pass's queries repeat the kind term below, so
-- SQLite still answers them from the index.
DROP INDEX mentions_lone_names;
CREATE INDEX mentions_lone_names ON mentions(local_kind, local_name)
    WHERE instr(local_name, ' ') = 0
      AND (local_kind = 'person' OR local_kind = 'organization');
