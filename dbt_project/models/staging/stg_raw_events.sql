-- Delivery is at-least-once: the same event can arrive twice, even in
-- different partitions. The copy in the earliest partition wins, which keeps
-- an event's ingest_date stable, so incremental runs never pick up a
-- re-delivery. Copies in the same partition are ordered by their content,
-- never by file or line (Athena has no line number, and files can land in
-- any order), so the same copy wins on both engines and in every run.
with ranked as (

    select
        event_id,
        user_id,
        event_type,
        event_ts,
        properties,
        ingest_date,
        row_number() over (
            partition by event_id
            order by ingest_date, event_ts, user_id, event_type, properties nulls first
        ) as copy_rank
    from {{ ref('base_raw_events') }}
    where reject_reason is null

)

select
    event_id,
    user_id,
    event_type,
    event_ts,
    properties,
    ingest_date
from ranked
where copy_rank = 1
