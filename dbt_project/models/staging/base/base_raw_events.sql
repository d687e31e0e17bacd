-- Every raw event record, parsed, with the reason it cannot be used (if any).
-- Splitting valid and rejected rows from one relation guarantees that each
-- record ends up in exactly one of them.
with records as (

    {{ raw_event_records() }}

),

typed as (

    select
        source_file,
        line_number,
        raw_line,
        is_json_object,
        nullif(trim(event_id), '') as event_id,
        nullif(trim(user_id), '') as user_id,
        event_type,
        event_ts_text,
        {{ to_utc_timestamp('event_ts_text') }} as event_ts,
        properties,
        ingest_date
    from records

)

select
    *,
    case
        when not is_json_object then 'invalid_json'
        when event_id is null then 'missing_event_id'
        when user_id is null then 'missing_user_id'
        when event_ts is null then 'invalid_event_ts'
        when event_type is null then 'unknown_event_type'
        when event_type not in ({{ quoted_list(var('event_types')) }}) then 'unknown_event_type'
    end as reject_reason
from typed
