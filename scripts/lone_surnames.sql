-- One-word person entities whose name is the surname of a full-name person of the
-- store, with their mention counts and those full names: the lone surnames that
-- resolution left alone (see README, "Across the store").
-- Usage: sqlite3 newsdb.sqlite < scripts/lone_surnames.sql
WITH lone AS (
  SELECT e.id, e.name, m.mentions FROM entities e
  JOIN entity_mentions m ON m.entity_id = e.id
  WHERE e.kind = 'person' AND e.merged_into IS NULL AND e.name NOT LIKE '% %'
    AND m.mentions > 0
),
full AS (
  SELECT e.id, e.name FROM entities e
  JOIN entity_mentions m ON m.entity_id = e.id
  WHERE e.kind = 'person' AND e.merged_into IS NULL AND e.name LIKE '% %'
    AND m.mentions > 0
)
SELECT l.name, l.mentions,
       (SELECT group_concat(f.name, ' | ') FROM full f WHERE f.name LIKE '% ' || l.name)
         AS full_names
FROM lone l
WHERE EXISTS (SELECT 1 FROM full f WHERE f.name LIKE '% ' || l.name)
ORDER BY l.mentions DESC, l.name;
