-- Every raw user record, parsed, with the reason it cannot be used (if any).
with records as (

    {{ raw_user_records() }}

),

typed as (

    select
        source_file,
        line_number,
        raw_line,
        is_json_object,
        nullif(trim(user_id), '') as user_id,
        email,
        country,
        {{ to_utc_timestamp('signup_ts_text') }} as signup_ts,
        {{ to_utc_timestamp('updated_at_text') }} as updated_at,
        ingest_date
    from records

)

select
    *,
    case
        when not is_json_object then 'invalid_json'
        when user_id is null then 'missing_user_id'
        when signup_ts is null then 'invalid_signup_ts'
    end as reject_reason
from typed
