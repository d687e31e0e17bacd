{{ config(**mart_config(
    materialized='table',
    partitioned_by=['month(signup_ts)']
)) }}

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

)

select
    users.user_id,
    users.email,
    users.country,
    users.signup_ts,
    activity.first_event_ts,
    activity.last_event_ts,
    {% for event_type in var('event_types') %}
        coalesce(activity.{{ event_type }}_count, 0) as {{ event_type }}_count,
    {% endfor %}
    coalesce(activity.event_count, 0) as event_count
from users
left join activity
    on users.user_id = activity.user_id
