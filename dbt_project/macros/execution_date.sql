{#
  The run's execution date, dbt var `execution_date` (YYYY-MM-DD), as a date
  literal both DuckDB and Athena accept, or none when the var is not set
  (dbt parse, an ad-hoc build): then nothing is bounded by date.

  The value is checked here as well as in scripts/lakehouse_dbt.py, so that a
  bad --vars given to dbt directly fails with a message naming the var rather
  than with a SQL error.
#}
{% macro execution_date_literal() -%}
  {%- set value = var('execution_date', none) -%}
  {%- if value is none or (value | string) == '' -%}
    {{ return(none) }}
  {%- endif -%}
  {#- YAML reads an unquoted 2026-01-01 as a date; its string form is the same. -#}
  {%- set text = value | string -%}
  {%- set parts = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})$', text) -%}
  {%- set valid = parts is not none and 1 <= (parts.group(2) | int) <= 12 -%}
  {%- if valid -%}
    {%- set year, month = parts.group(1) | int, parts.group(2) | int -%}
    {%- set next_month = modules.datetime.date(year + month // 12, month % 12 + 1, 1) -%}
    {%- set last_day = (next_month - modules.datetime.timedelta(days=1)).day -%}
    {%- set valid = 1 <= (parts.group(3) | int) <= last_day -%}
  {%- endif -%}
  {%- if not valid -%}
    {{ exceptions.raise_compiler_error("var execution_date must be a calendar date YYYY-MM-DD; got '" ~ text ~ "'") }}
  {%- endif -%}
  {{ return("date '" ~ text ~ "'") }}
{%- endmacro %}
