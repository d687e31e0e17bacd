{{ config(**mart_config(
    materialized='incremental',
    unique_key='event_id',
    partitioned_by=['day(event_ts)']
)) }}

-- Incremental runs read only raw partitions that landed since the last run
-- (plus a look-back for files that arrived late into a partition), so late
-- events are loaded by landing day, not lost because their timestamp is old.
-- The merge on event_id makes re-reading a partition harmless.
with events as (

    select *
    from {{ ref('stg_raw_events') }}
    {% if is_incremental() %}
    where ingest_date >= (
        select {{ date_minus_days('max(ingest_date)', var('incremental_lookback_days')) }}
        from {{ this }}
    )
    {% endif %}

),

users as (

    select * from {{ ref('stg_raw_users') }}

)

select
    events.event_id,
    events.user_id,
    events.event_type,
    events.event_ts,
    cast(events.event_ts as date) as event_date,
    events.properties,
    users.country as user_country,
    users.signup_ts as user_signup_ts,
    events.ingest_date
from events
left join users
    on events.user_id = users.user_id
