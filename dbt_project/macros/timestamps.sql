{#
  Timestamps, the same rule on both engines (README, "Input contract"):

    YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|+HH:MM|-HH:MM]

  A real calendar date from year 0001, hours 00-23, minutes and seconds 00-59,
  an upper-case T and Z, an offset no further than 14:00 from UTC, nothing
  before or after. Without an offset the time is UTC, whatever the machine's
  time zone. Fractions beyond microseconds are truncated; microseconds are
  kept on both engines. Anything else is null, which base_raw_* turns into a
  reject reason; nothing here can fail the build.

  Neither engine's own parser is used: DuckDB's cast to timestamptz accepts
  'infinity', 'epoch', named zones, unpadded fields and surrounding spaces,
  and reads a naive time in the session's time zone; Trino's
  from_iso8601_timestamp yields milliseconds. Instead both split the text with
  the same regular expression (RE2 on DuckDB, Java syntax on Trino; \A and \z
  mean the same in both, where $ would also match before a final newline in
  Java), cast the local part 'YYYY-MM-DD HH:MM:SS.ffffff' to a timestamp
  without zone (which rejects dates such as 02-30) and subtract the offset.

  Two steps, so that each regular expression runs once per value:
  iso8601_parts(expr, name) selects the parts as columns <name>__date,
  <name>__time, <name>__fraction and <name>__zone; a later select turns them
  into the UTC timestamp with iso8601_to_utc(name).
#}

{#- Written as template text, not a Jinja string, whose lexer would read the
    backslashes as escapes. -#}
{% macro iso8601_pattern() -%}
\A([0-9]{4}-[0-9]{2}-[0-9]{2})T((?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(?:\.([0-9]{1,9}))?(Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?\z
{%- endmacro %}

{#- regexp_extract has the same signature on both engines; for text that does
    not match, or a group that takes no part, DuckDB returns '' and Trino null. -#}
{% macro iso8601_parts(expr, name) -%}
    nullif(regexp_extract({{ expr }}, '{{ iso8601_pattern() }}', 1), '') as {{ name }}__date,
    nullif(regexp_extract({{ expr }}, '{{ iso8601_pattern() }}', 2), '') as {{ name }}__time,
    coalesce(regexp_extract({{ expr }}, '{{ iso8601_pattern() }}', 3), '') as {{ name }}__fraction,
    coalesce(regexp_extract({{ expr }}, '{{ iso8601_pattern() }}', 4), '') as {{ name }}__zone
{%- endmacro %}

{#- 'YYYY-MM-DD HH:MM:SS.ffffff': the fraction padded or cut to microseconds. -#}
{% macro iso8601_local_text(name) -%}
    {{ name }}__date || ' ' || {{ name }}__time || '.' || rpad({{ name }}__fraction, 6, '0')
{%- endmacro %}

{#- Minutes east of UTC; 0 for Z or no offset. try_cast: DuckDB evaluates the
    branches of a CASE for every row. -#}
{% macro iso8601_offset_minutes(name) -%}
    case
        when {{ name }}__zone in ('', 'Z') then 0
        else
            (case when substr({{ name }}__zone, 1, 1) = '-' then -1 else 1 end)
            * (
                try_cast(substr({{ name }}__zone, 2, 2) as integer) * 60
                + try_cast(substr({{ name }}__zone, 5, 2) as integer)
            )
    end
{%- endmacro %}

{#- The timestamp if it lies in years 0001-9999 (an offset can push a time at
    the edge of that range out of it), else null. -#}
{% macro in_year_range(ts) -%}
    case when year({{ ts }}) between 1 and 9999 then {{ ts }} end
{%- endmacro %}

{% macro iso8601_to_utc(name) -%}
    case
        when {{ name }}__date is not null and substr({{ name }}__date, 1, 4) <> '0000'
            then {{ in_year_range(adapter.dispatch('local_time_minus_offset')(name)) }}
    end
{%- endmacro %}

{#- The local date-time as a timestamp, minus the offset. -#}
{% macro default__local_time_minus_offset(name) -%}
    (try_cast({{ iso8601_local_text(name) }} as timestamp) - ({{ iso8601_offset_minutes(name) }}) * interval '1' minute)
{%- endmacro %}

{#- Athena's Iceberg tables take timestamp(6) without zone (a bare timestamp
    is timestamp(3) on Trino); date_add keeps the precision of its argument. -#}
{% macro athena__local_time_minus_offset(name) -%}
    date_add('minute', -({{ iso8601_offset_minutes(name) }}), try_cast({{ iso8601_local_text(name) }} as timestamp(6)))
{%- endmacro %}


{#- Days subtracted from a date, in syntax both engines accept. -#}
{% macro date_minus_days(expr, days) -%}
    ({{ expr }} - interval '{{ days }}' day)
{%- endmacro %}
