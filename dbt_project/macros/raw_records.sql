{#
  Adapter-specific access to the raw layer. Each macro returns a SELECT with
  one row per raw line (valid or not) and the same columns on every adapter:

    source_file, line_number, raw_line, is_valid_utf8, is_json_object,
    <fields as text>, ingest_date

  The rules that decide what a line is (README, "Input contract") are applied
  here for the reading and in base_raw_* for the fields, so that both engines
  reach the same answer wherever the Athena SerDe lets SQL see the difference.

  DuckDB reads each file as bytes (read_blob) and splits it itself, so that a
  line that is not JSON, or not even UTF-8, still becomes a row with its file
  and line number, and one bad line never fails the build.

  Athena reads the raw Glue tables: every column a string, OpenX JSON SerDe
  with 'ignore.malformed.json'='true'. The SerDe has done the reading before
  SQL sees a row: it skips a UTF-8 BOM at the start of a file, ends a line at
  LF, CR or CRLF, decodes bytes as UTF-8 with U+FFFD for invalid sequences, and
  returns a row whose columns are all null for a line that is blank, not JSON,
  not an object, or an object with none of the columns. "$path" gives the file;
  the line number and the line itself are not available.
#}

{% macro raw_event_records() -%}
  {{ return(adapter.dispatch('raw_event_records')()) }}
{%- endmacro %}

{% macro raw_user_records() -%}
  {{ return(adapter.dispatch('raw_user_records')()) }}
{%- endmacro %}


{#-
  DuckDB: one row per line of every file of `relation` (a read_blob source).
  Lines end at LF, CRLF or a lone CR, as on Athena; a UTF-8 BOM at the start of
  a file is dropped; blank lines (nothing but spaces, tabs, VT or FF) are not
  records. A file that is valid UTF-8 is split as text. A file with invalid
  UTF-8 is split on its escaped bytes (DuckDB renders a blob as text with every
  byte outside printable ASCII, and every quote and backslash, as \xNN, so a
  \x0A there is always a newline byte), and each line is decoded on its own:
  only the lines that do not decode are rejected. line_text is null for those,
  and raw_line keeps their bytes as escaped text.
-#}
{% macro duckdb__raw_lines(relation) -%}
    with files as (

        select
            filename as source_file,
            cast(regexp_extract(filename, 'ingest_date=(\d{4}-\d{2}-\d{2})', 1) as date) as ingest_date,
            content,
            try(decode(content)) as text_content
        from {{ relation }}

    ),

    text_files as (

        select
            source_file,
            ingest_date,
            {{ duckdb__split_lines('text_content', "chr(65279)", 1, 'chr(13)', 'chr(10)') }} as lines
        from files
        where text_content is not null

    ),

    escaped_files as (

        select
            source_file,
            ingest_date,
            {{ duckdb__split_lines('cast(content as varchar)', "'\\xEF\\xBB\\xBF'", 12, "'\\x0D'", "'\\x0A'") }} as lines
        from files
        where text_content is null

    ),

    split_lines as (

        select
            source_file,
            ingest_date,
            unnest(lines) as line_text,
            cast(null as varchar) as escaped_line,
            generate_subscripts(lines, 1) as line_number
        from text_files

        union all

        select
            source_file,
            ingest_date,
            try(decode(cast(escaped_line as blob))) as line_text,
            escaped_line,
            line_number
        from (
            select
                source_file,
                ingest_date,
                unnest(lines) as escaped_line,
                generate_subscripts(lines, 1) as line_number
            from escaped_files
        ) as escaped_lines

    )

    select
        source_file,
        line_number,
        line_text,
        coalesce(line_text, replace(escaped_line, '\x22', '"')) as raw_line,
        ingest_date
    from split_lines
    where line_text is null
        or trim(both ' ' || chr(9) || chr(11) || chr(12) from line_text) <> ''
{%- endmacro %}

{#- DuckDB: `content` split into its lines: without a leading BOM (`bom`,
    `bom_length` characters), ended by LF, CRLF or a lone CR (`cr`, `lf`). The
    same for text and for a blob's escaped text, where a byte is 4 characters. -#}
{% macro duckdb__split_lines(content, bom, bom_length, cr, lf) -%}
    string_split(
        replace(
            replace(
                case
                    when starts_with({{ content }}, {{ bom }}) then substr({{ content }}, {{ bom_length + 1 }})
                    else {{ content }}
                end,
                {{ cr }} || {{ lf }}, {{ lf }}
            ),
            {{ cr }}, {{ lf }}
        ),
        {{ lf }}
    )
{%- endmacro %}

{#- DuckDB: the lines of `relation`, with whether each is a JSON object. -#}
{% macro duckdb__raw_objects(relation) -%}
    select
        source_file,
        line_number,
        line_text,
        raw_line,
        line_text is not null as is_valid_utf8,
        -- Functions get null instead of invalid text: DuckDB evaluates both sides
        -- of AND/CASE vectorised, so a guard alone does not stop a parse error.
        coalesce(json_type(case when json_valid(line_text) then line_text end) = 'OBJECT', false) as is_json_object,
        ingest_date
    from ({{ duckdb__raw_lines(relation) }}) as raw_lines
{%- endmacro %}

{#- A field as text, as the SerDe puts any JSON value into a string column:
    a string as itself, other values as their JSON text, null as null. -#}
{% macro duckdb__json_text(field) -%}
    json_extract_string(case when is_json_object then line_text end, '$.{{ field }}')
{%- endmacro %}

{#- A nested value as its compact JSON text (key order kept); JSON null as null. -#}
{% macro duckdb__json_value(field) -%}
    case
        when json_type(case when is_json_object then line_text end, '$.{{ field }}') <> 'NULL'
            then cast(json_extract(case when is_json_object then line_text end, '$.{{ field }}') as varchar)
    end
{%- endmacro %}

{% macro duckdb__raw_event_records() -%}
    select
        source_file,
        line_number,
        raw_line,
        is_valid_utf8,
        is_json_object,
        {{ duckdb__json_text('event_id') }} as event_id,
        {{ duckdb__json_text('user_id') }} as user_id,
        {{ duckdb__json_text('event_type') }} as event_type,
        {{ duckdb__json_text('event_ts') }} as event_ts_text,
        {{ duckdb__json_value('properties') }} as properties,
        ingest_date
    from ({{ duckdb__raw_objects(source('raw', 'raw_events')) }}) as raw_objects
{%- endmacro %}

{% macro duckdb__raw_user_records() -%}
    select
        source_file,
        line_number,
        raw_line,
        is_valid_utf8,
        is_json_object,
        {{ duckdb__json_text('user_id') }} as user_id,
        {{ duckdb__json_text('email') }} as email,
        {{ duckdb__json_text('country') }} as country,
        {{ duckdb__json_text('signup_ts') }} as signup_ts_text,
        {{ duckdb__json_text('updated_at') }} as updated_at_text,
        ingest_date
    from ({{ duckdb__raw_objects(source('raw', 'raw_users')) }}) as raw_objects
{%- endmacro %}


{#-
  Athena: the SerDe has already split, decoded and parsed the line. It cannot
  say whether a line was valid UTF-8 or a JSON object: invalid bytes arrive as
  U+FFFD in the fields (which base_raw_* rejects as invalid_encoding), and a
  line that was not an object arrives with every column null (which base_raw_*
  rejects as invalid_json, the same reason DuckDB gives it).
  `properties` is passed on as the SerDe rendered it: the object's compact JSON
  text with its keys in the producer's order, as DuckDB renders it. Parsing and
  formatting it again (json_format(json_parse(...))) would sort the keys and
  reformat the numbers, so the same event would differ between the engines.
-#}
{% macro athena__raw_event_records() -%}
    select
        "$path" as source_file,
        cast(null as bigint) as line_number,
        cast(null as varchar) as raw_line,
        true as is_valid_utf8,
        true as is_json_object,
        cast(event_id as varchar) as event_id,
        cast(user_id as varchar) as user_id,
        cast(event_type as varchar) as event_type,
        cast(event_ts as varchar) as event_ts_text,
        cast(properties as varchar) as properties,
        cast(ingest_date as date) as ingest_date
    from {{ source('raw', 'raw_events') }}
{%- endmacro %}

{% macro athena__raw_user_records() -%}
    select
        "$path" as source_file,
        cast(null as bigint) as line_number,
        cast(null as varchar) as raw_line,
        true as is_valid_utf8,
        true as is_json_object,
        cast(user_id as varchar) as user_id,
        cast(email as varchar) as email,
        cast(country as varchar) as country,
        cast(signup_ts as varchar) as signup_ts_text,
        cast(updated_at as varchar) as updated_at_text,
        cast(ingest_date as date) as ingest_date
    from {{ source('raw', 'raw_users') }}
{%- endmacro %}
