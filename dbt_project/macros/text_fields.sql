{#
  Text rules shared by the base models, written once in SQL both engines run
  the same way (README, "Input contract").
#}

{#- Whitespace: tab, LF, VT, FF, CR and space. Both engines' one-argument trim
    disagree on it (DuckDB trims spaces only, Trino any Unicode white space),
    so the characters are named. -#}
{% macro whitespace_chars() -%}
    chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' '
{%- endmacro %}

{#- The value without surrounding whitespace; null when nothing else is left. -#}
{% macro trimmed_or_null(expr) -%}
    nullif(trim(both {{ whitespace_chars() }} from {{ expr }}), '')
{%- endmacro %}

{#- U+FFFD is what a UTF-8 decoder puts in place of invalid bytes; on Athena it
    is the only trace of them, so a field holding it is rejected on both. -#}
{% macro has_replacement_char(fields) -%}
    (
        {%- for field in fields %}
        coalesce(strpos({{ field }}, chr(65533)) > 0, false){{ ' or' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- True when none of the fields is set: on Athena the SerDe's row for a line
    that is blank, not JSON, not an object, or `{}`. -#}
{% macro all_null(fields) -%}
    (
        {%- for field in fields %}
        {{ field }} is null{{ ' and' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- Whether JSON text is an object. The SerDe renders an object as compact text
    starting with '{'; a JSON string that merely starts with '{' fails to parse. -#}
{% macro is_json_object_text(expr) -%}
  {{ return(adapter.dispatch('is_json_object_text')(expr)) }}
{%- endmacro %}

{% macro default__is_json_object_text(expr) -%}
    coalesce(json_type(case when json_valid({{ expr }}) then {{ expr }} end) = 'OBJECT', false)
{%- endmacro %}

{% macro athena__is_json_object_text(expr) -%}
    coalesce(substr({{ expr }}, 1, 1) = '{' and try(json_parse({{ expr }})) is not null, false)
{%- endmacro %}
