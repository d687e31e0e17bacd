{{ config(**mart_config(
    materialized='incremental',
    unique_key='event_id',
    partitioned_by=['day(event_ts)']
)) }}

{%- set execution_date = execution_date_literal() %}

{#- The user's version in effect when the event happened (see
    stg_raw_user_versions); exactly one when the user has any valid record. -#}
{%- set at_event_time -%}
    user_version.user_id = event_row.user_id
    and (user_version.valid_from is null or user_version.valid_from <= event_row.event_ts)
    and (user_version.valid_to is null or event_row.event_ts < user_version.valid_to)
{%- endset %}

-- Which raw partitions a run reads (see "What dbt does with the execution
-- date" in the README):
-- * never one that landed after the execution date, so a run for day D
--   loads exactly what had landed by D, even when later days exist;
-- * on an incremental run, none older than the newest partition already
--   loaded minus incremental_lookback_days. The bound follows what was
--   loaded, not the date, so the days after a failed run are all picked up
--   by the next one, and files that land late into a partition still are.
-- The merge on event_id makes re-reading a partition harmless.
with events as (

    select
        event_id,
        user_id,
        event_type,
        event_ts,
        properties,
        ingest_date
    from {{ ref('stg_raw_events') }}
    where true
    {% if execution_date is not none %}
        and ingest_date <= {{ execution_date }}
    {% endif %}
    {% if is_incremental() %}
        -- An empty table (a first run on an empty raw layer) bounds nothing.
        and ingest_date >= coalesce(
            (
                select {{ date_minus_days('max(ingest_date)', var('incremental_lookback_days')) }}
                from {{ this }}
            ),
            ingest_date
        )
    {% endif %}

),

user_versions as (

    select
        user_id,
        country,
        signup_ts,
        valid_from,
        valid_to
    from {{ ref('stg_raw_user_versions') }}

),

{% if is_incremental() %}
-- user_country and user_signup_ts are the user's as at the event. A user
-- export that lands after the events it applies to (late, or in a file that
-- lands out of order) changes them for rows loaded by earlier runs, in any
-- partition: those rows are merged again, so that an incremental run gives
-- what a full refresh gives.
    restated as (

        select
            event_row.event_id,
            event_row.user_id,
            event_row.event_type,
            event_row.event_ts,
            event_row.properties,
            event_row.ingest_date
        from {{ this }} as event_row
        left join user_versions as user_version
            on {{ at_event_time }}
        left join events
            on event_row.event_id = events.event_id
        where
            events.event_id is null
            and (
                event_row.user_country is distinct from user_version.country
                or event_row.user_signup_ts is distinct from user_version.signup_ts
            )

    ),
{% endif %}

to_load as (

    select * from events
    {% if is_incremental() %}
        union all
        select * from restated
    {% endif %}

)

select
    event_row.event_id,
    event_row.user_id,
    event_row.event_type,
    event_row.event_ts,
    cast(event_row.event_ts as date) as event_date,
    event_row.properties,
    user_version.country as user_country,
    user_version.signup_ts as user_signup_ts,
    event_row.ingest_date
from to_load as event_row
left join user_versions as user_version
    on {{ at_event_time }}
