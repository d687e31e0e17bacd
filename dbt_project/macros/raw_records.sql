{#
  Adapter-specific access to the raw layer. Each macro returns a SELECT with
  one row per raw record (valid or not) and the same columns on every adapter:

    source_file, line_number, raw_line, is_json_object, <fields as text>, ingest_date

  DuckDB reads the files as text so that a line which is not valid JSON still
  becomes a row that can be rejected with its file and line number. Athena
  reads the raw Glue tables: every column a string, OpenX JSON SerDe with
  'ignore.malformed.json'='true', which turns an invalid line into a row whose
  data columns are all null, and "$path" gives the file.
#}

{% macro raw_event_records() -%}
  {{ return(adapter.dispatch('raw_event_records')()) }}
{%- endmacro %}

{% macro raw_user_records() -%}
  {{ return(adapter.dispatch('raw_user_records')()) }}
{%- endmacro %}


{% macro duckdb__raw_lines(relation) -%}
    select
        source_file,
        line_number,
        raw_line,
        -- Functions get null instead of invalid text: DuckDB evaluates both sides
        -- of AND/CASE vectorised, so a guard alone does not stop a parse error.
        coalesce(json_type(case when json_valid(raw_line) then raw_line end) = 'OBJECT', false) as is_json_object,
        cast(regexp_extract(source_file, 'ingest_date=(\d{4}-\d{2}-\d{2})', 1) as date) as ingest_date
    from (
        select
            filename as source_file,
            unnest(string_split(content, chr(10))) as raw_line,
            generate_subscripts(string_split(content, chr(10)), 1) as line_number
        from {{ relation }}
    ) as lines
    where trim(raw_line) <> ''
{%- endmacro %}

{% macro duckdb__json_text(field) -%}
    json_extract_string(case when is_json_object then raw_line end, '$.{{ field }}')
{%- endmacro %}

{% macro duckdb__raw_event_records() -%}
    select
        source_file,
        line_number,
        raw_line,
        is_json_object,
        {{ duckdb__json_text('event_id') }} as event_id,
        {{ duckdb__json_text('user_id') }} as user_id,
        {{ duckdb__json_text('event_type') }} as event_type,
        {{ duckdb__json_text('event_ts') }} as event_ts_text,
        cast(json_extract(case when is_json_object then raw_line end, '$.properties') as varchar) as properties,
        ingest_date
    from ({{ duckdb__raw_lines(source('raw', 'raw_events')) }}) as raw_lines
{%- endmacro %}

{% macro duckdb__raw_user_records() -%}
    select
        source_file,
        line_number,
        raw_line,
        is_json_object,
        {{ duckdb__json_text('user_id') }} as user_id,
        {{ duckdb__json_text('email') }} as email,
        {{ duckdb__json_text('country') }} as country,
        {{ duckdb__json_text('signup_ts') }} as signup_ts_text,
        {{ duckdb__json_text('updated_at') }} as updated_at_text,
        ingest_date
    from ({{ duckdb__raw_lines(source('raw', 'raw_users')) }}) as raw_lines
{%- endmacro %}


{% macro athena__raw_event_records() -%}
    select
        "$path" as source_file,
        cast(null as bigint) as line_number,
        cast(null as varchar) as raw_line,
        not (
            event_id is null and user_id is null and event_type is null
            and event_ts is null and properties is null
        ) as is_json_object,
        cast(event_id as varchar) as event_id,
        cast(user_id as varchar) as user_id,
        cast(event_type as varchar) as event_type,
        cast(event_ts as varchar) as event_ts_text,
        -- The OpenX SerDe hands a nested object to a string column as its JSON
        -- text; parsing and formatting it gives the same compact text as on
        -- DuckDB. try(): a value that is not JSON becomes null, not a failed query.
        json_format(try(json_parse(properties))) as properties,
        cast(ingest_date as date) as ingest_date
    from {{ source('raw', 'raw_events') }}
{%- endmacro %}

{% macro athena__raw_user_records() -%}
    select
        "$path" as source_file,
        cast(null as bigint) as line_number,
        cast(null as varchar) as raw_line,
        not (
            user_id is null and email is null and country is null
            and signup_ts is null and updated_at is null
        ) as is_json_object,
        cast(user_id as varchar) as user_id,
        cast(email as varchar) as email,
        cast(country as varchar) as country,
        cast(signup_ts as varchar) as signup_ts_text,
        cast(updated_at as varchar) as updated_at_text,
        cast(ingest_date as date) as ingest_date
    from {{ source('raw', 'raw_users') }}
{%- endmacro %}
