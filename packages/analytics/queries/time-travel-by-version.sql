-- Reads the Iceberg table as it was at one snapshot.
-- Replace the snapshot id with one that the list-snapshots query returns.
SELECT event_type, count(*) AS events
FROM ${database}.${table} FOR VERSION AS OF 949530903748831860
GROUP BY event_type
ORDER BY events DESC
