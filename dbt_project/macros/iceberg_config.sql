{#
  Iceberg table properties for the Athena marts.

  Athena stores these on the table and uses them when OPTIMIZE and VACUUM run,
  so compaction and snapshot expiry behave the same whoever triggers them.
  The merge strategy writes position-delete files on every incremental run:
  rewriting a data file as soon as two delete files point at it keeps reads
  from having to merge many deletes. Snapshots are kept for five days so an
  engineer can time-travel back over a weekend, and no longer, because every
  snapshot pins S3 objects that are billed.
#}
{% macro iceberg_table_properties() -%}
  {#- dbt-athena writes these into the CTAS WITH clause unquoted, so the
      values are numbers, not strings. -#}
  {{ return({
    'optimize_rewrite_delete_file_threshold': 2,
    'optimize_rewrite_data_file_threshold': 5,
    'vacuum_min_snapshots_to_keep': 3,
    'vacuum_max_snapshot_age_seconds': 432000
  }) }}
{%- endmacro %}


{#
  Full model config for a mart. Models call it once in config(**...) so the
  SQL stays identical across adapters and only the physical settings differ:
  Athena gets an Iceberg table under the curated prefix, DuckDB a plain table.
#}
{% macro mart_config(materialized='table', unique_key=none, partitioned_by=none) -%}
  {%- set cfg = {'materialized': materialized} -%}
  {%- if unique_key is not none -%}
    {%- do cfg.update({'unique_key': unique_key, 'on_schema_change': 'append_new_columns'}) -%}
  {%- endif -%}
  {%- if target.type == 'athena' -%}
    {#- No default: a fallback bucket would name one environment. -#}
    {%- set curated_s3_dir = var('curated_s3_dir', none) or env_var('LAKEHOUSE_CURATED_S3_DIR') -%}
    {%- do cfg.update({
      'table_type': 'iceberg',
      'format': 'parquet',
      'write_compression': 'zstd',
      's3_data_dir': curated_s3_dir,
      's3_data_naming': 'schema_table_unique',
      'table_properties': iceberg_table_properties()
    }) -%}
    {%- if partitioned_by is not none -%}
      {%- do cfg.update({'partitioned_by': partitioned_by}) -%}
    {%- endif -%}
    {%- if materialized == 'incremental' -%}
      {%- do cfg.update({'incremental_strategy': 'merge'}) -%}
    {%- endif -%}
  {%- elif materialized == 'incremental' -%}
    {#- DuckDB: delete+insert on the key is the local equivalent of MERGE. -#}
    {%- do cfg.update({'incremental_strategy': 'delete+insert'}) -%}
  {%- endif -%}
  {{ return(cfg) }}
{%- endmacro %}
