-- Delivery is at-least-once: the same event can arrive twice, even in
-- different partitions. The first copy to land wins, which keeps an event's
-- ingest_date stable so incremental runs never pick up a re-delivery.
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
            order by ingest_date, source_file, line_number
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
