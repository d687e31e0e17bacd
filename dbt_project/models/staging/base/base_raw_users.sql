-- Every raw user line, parsed, with the reason it cannot be used (if any).
-- The checks are the README's input contract, in the order that decides
-- which reason a line gets.
with records as (

    {{ raw_user_records() }}

),

parts as (

    select
        *,
        {{ iso8601_parts('signup_ts_text', 'signup_ts') }},
        {{ iso8601_parts('updated_at_text', 'updated_at') }}
    from records

),

typed as (

    select
        source_file,
        line_number,
        raw_line,
        is_valid_utf8,
        is_json_object
        and not {{ all_null(['user_id', 'email', 'country', 'signup_ts_text', 'updated_at_text']) }} as is_json_record,
        {{ has_replacement_char(['user_id', 'email', 'country', 'signup_ts_text', 'updated_at_text']) }}
            as has_replacement_char,
        {{ trimmed_or_null('user_id') }} as user_id,
        lower({{ trimmed_or_null('email') }}) as email,
        upper({{ trimmed_or_null('country') }}) as country,
        signup_ts_text,
        {{ iso8601_to_utc('signup_ts') }} as signup_ts,
        updated_at_text,
        {{ iso8601_to_utc('updated_at') }} as updated_at,
        ingest_date
    from parts

)

select
    source_file,
    line_number,
    raw_line,
    user_id,
    email,
    country,
    signup_ts_text,
    signup_ts,
    updated_at_text,
    updated_at,
    ingest_date,
    case
        when not is_valid_utf8 or has_replacement_char then 'invalid_encoding'
        when not is_json_record then 'invalid_json'
        when user_id is null then 'missing_user_id'
        when signup_ts is null then 'invalid_signup_ts'
        when updated_at is null then 'invalid_updated_at'
    end as reject_reason
from typed
