{#
  One Glue database per environment: every model lands in the target schema,
  so the infrastructure only has to create (and grant) a single database.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ target.schema }}
{%- endmacro %}
