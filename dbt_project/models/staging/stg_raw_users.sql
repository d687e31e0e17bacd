-- Users are re-exported on every change; the most recent export wins.
with ranked as (

    select
        user_id,
        lower(trim(email)) as email,
        country,
        signup_ts,
        updated_at,
        row_number() over (
            partition by user_id
            order by updated_at desc nulls last, ingest_date desc, source_file desc, line_number desc
        ) as version_rank
    from {{ ref('base_raw_users') }}
    where reject_reason is null

)

select
    user_id,
    email,
    country,
    signup_ts,
    updated_at
from ranked
where version_rank = 1
