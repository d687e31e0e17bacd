{{ config(**mart_config(
    materialized='table',
    partitioned_by=['month(signup_ts)']
)) }}

-- Every user with a valid record, and every user with events: a user whose
-- record has not landed yet (or was rejected) still has a row, with null
-- email, country and signup_ts, so the events are never without their user.
with users as (

    select * from {{ ref('stg_raw_users') }}

),

activity as (

    select
        user_id,
        min(event_ts) as first_event_ts,
        max(event_ts) as last_event_ts,
        {% for event_type in var('event_types') %}
            sum(case when event_type = '{{ event_type }}' then 1 else 0 end) as {{ event_type }}_count,
        {% endfor %}
        count(*) as event_count
    from {{ ref('fct_events') }}
    group by user_id

),

user_ids as (

    select user_id from users
    union
    select user_id from activity

)

select
    user_ids.user_id,
    users.email,
    users.country,
    users.signup_ts,
    activity.first_event_ts,
    activity.last_event_ts,
    {% for event_type in var('event_types') %}
        coalesce(activity.{{ event_type }}_count, 0) as {{ event_type }}_count,
    {% endfor %}
    coalesce(activity.event_count, 0) as event_count
from user_ids
left join users
    on user_ids.user_id = users.user_id
left join activity
    on user_ids.user_id = activity.user_id
