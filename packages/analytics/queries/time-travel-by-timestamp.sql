-- Reads the Iceberg table as it was one day ago.
SELECT event_type, count(*) AS events
FROM ${database}.${table} FOR TIMESTAMP AS OF (current_timestamp - interval '1' day)
GROUP BY event_type
ORDER BY events DESC
