-- Creates an Iceberg table in the curated layer of the lakehouse.
-- Partitioned by day so that queries filtered on event_ts read only the days they need;
-- delete files are rewritten once ten of them pile up on a data file.
CREATE TABLE IF NOT EXISTS ${database}.${table} (
  event_id string,
  user_id string,
  event_type string,
  event_ts timestamp,
  properties string
)
PARTITIONED BY (day(event_ts))
LOCATION '${location}'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'optimize_rewrite_delete_file_threshold' = '10'
)
