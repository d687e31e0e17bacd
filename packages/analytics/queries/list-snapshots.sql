-- Lists the snapshots of the Iceberg table, newest first: their ids are what FOR VERSION AS OF takes.
SELECT snapshot_id, committed_at, operation
FROM ${database}."${table}$snapshots"
ORDER BY committed_at DESC
LIMIT 20
