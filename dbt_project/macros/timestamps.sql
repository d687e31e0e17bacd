{#
  Parse an ISO-8601 string that may carry any UTC offset into a timestamp
  without zone, expressed in UTC. Returns null instead of failing, so bad
  values can be routed to the rejected rows rather than abort the build.
  Athena's Iceberg tables only take timestamp(6) without zone, hence the cast.
#}
{% macro to_utc_timestamp(expr) -%}
  {{ return(adapter.dispatch('to_utc_timestamp')(expr)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(expr) -%}
    timezone('UTC', try_cast({{ expr }} as timestamptz))
{%- endmacro %}

{% macro athena__to_utc_timestamp(expr) -%}
    cast(try(from_iso8601_timestamp({{ expr }})) at time zone 'UTC' as timestamp(6))
{%- endmacro %}


{#- Days subtracted from a date, in syntax both engines accept. -#}
{% macro date_minus_days(expr, days) -%}
    ({{ expr }} - interval '{{ days }}' day)
{%- endmacro %}
