-- Every raw event line, parsed, with the reason it cannot be used (if any).
-- Splitting valid and rejected rows from one relation guarantees that each
-- line ends up in exactly one of them. The checks are the README's input
-- contract, in the order that decides which reason a line gets.
with records as (

    {{ raw_event_records() }}

),

parts as (

    select
        *,
        {{ iso8601_parts('event_ts_text', 'event_ts') }}
    from records

),

typed as (

    select
        source_file,
        line_number,
        raw_line,
        is_valid_utf8,
        is_json_object
        and not {{ all_null(['event_id', 'user_id', 'event_type', 'event_ts_text', 'properties']) }} as is_json_record,
        {{ has_replacement_char(['event_id', 'user_id', 'event_type', 'event_ts_text', 'properties']) }}
            as has_replacement_char,
        {{ trimmed_or_null('event_id') }} as event_id,
        {{ trimmed_or_null('user_id') }} as user_id,
        event_type,
        event_ts_text,
        {{ iso8601_to_utc('event_ts') }} as event_ts,
        properties,
        {{ is_json_object_text('properties') }} as properties_is_object,
        ingest_date
    from parts

)

select
    source_file,
    line_number,
    raw_line,
    event_id,
    user_id,
    event_type,
    event_ts_text,
    event_ts,
    properties,
    ingest_date,
    case
        when not is_valid_utf8 or has_replacement_char then 'invalid_encoding'
        when not is_json_record then 'invalid_json'
        when event_id is null then 'missing_event_id'
        when user_id is null then 'missing_user_id'
        when event_ts is null then 'invalid_event_ts'
        when event_type is null then 'unknown_event_type'
        when event_type not in ({{ quoted_list(var('event_types')) }}) then 'unknown_event_type'
        when properties is not null and not properties_is_object then 'invalid_properties'
    end as reject_reason
from typed
