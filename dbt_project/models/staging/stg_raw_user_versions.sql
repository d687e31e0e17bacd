-- Users are re-exported on every change; each export is a version of the
-- user, stamped with updated_at. One row per user and updated_at: a version
-- exported twice is kept once (the copy in the latest partition, then the
-- first by content, so the same copy wins on both engines).
-- valid_from / valid_to give the span of event times a version applies to:
-- from its updated_at to the next version's, the first one also covering
-- everything before it (events can precede the first export).
with ranked as (

    select
        user_id,
        email,
        country,
        signup_ts,
        updated_at,
        row_number() over (
            partition by user_id, updated_at
            order by ingest_date desc, email asc nulls first, country asc nulls first, signup_ts asc
        ) as copy_rank
    from {{ ref('base_raw_users') }}
    where reject_reason is null

),

versions as (

    select
        user_id,
        email,
        country,
        signup_ts,
        updated_at,
        row_number() over (partition by user_id order by updated_at) as version_number,
        lead(updated_at) over (partition by user_id order by updated_at) as next_updated_at
    from ranked
    where copy_rank = 1

)

select
    user_id,
    email,
    country,
    signup_ts,
    updated_at,
    case when version_number > 1 then updated_at end as valid_from,
    next_updated_at as valid_to
from versions
