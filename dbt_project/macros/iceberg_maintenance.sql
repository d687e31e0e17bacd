{#
  Iceberg maintenance, run as an operation after a successful build:

    dbt run-operation iceberg_maintenance [--args '{dry_run: true}']

  On Athena, for every Iceberg model in the graph: OPTIMIZE ... REWRITE DATA
  USING BIN_PACK (compacts the small files and delete files that daily merges
  leave behind, per the table's optimize_* properties), then VACUUM (expires
  snapshots older than vacuum_max_snapshot_age_seconds and deletes the files
  only they referenced). Both are billed by bytes scanned, which is why
  scripts/lakehouse_dbt.py runs this in a workgroup of its own when one is set.
  Athena stops a long OPTIMIZE or VACUUM with ICEBERG_*_MORE_RUNS_NEEDED; the
  adapter's run_operation_with_potential_multiple_runs repeats it until done.

  The first failing statement stops the operation (Jinja has no try); the
  statements done so far stay done. dry_run=true logs the statements without
  connecting, to check what would run.

  Every outcome is logged as one line "LAKEHOUSE_MAINTENANCE {json}", which
  scripts/lakehouse_dbt.py reads into its summary.
#}
{% macro iceberg_maintenance(dry_run=false) -%}
  {{ return(adapter.dispatch('iceberg_maintenance')(dry_run)) }}
{%- endmacro %}

{% macro default__iceberg_maintenance(dry_run) -%}
  {%- do log('LAKEHOUSE_MAINTENANCE ' ~ tojson({
    'skipped': 'target ' ~ target.name ~ ' (' ~ target.type ~ ') has no Iceberg tables; OPTIMIZE and VACUUM run only on Athena'
  }), info=true) -%}
{%- endmacro %}

{% macro athena__iceberg_maintenance(dry_run) -%}
  {%- set tables = [] -%}
  {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.config.get('table_type') == 'iceberg'
        and node.config.materialized in ('table', 'incremental') -%}
    {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if not dry_run and adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is none -%}
      {%- do log('LAKEHOUSE_MAINTENANCE ' ~ tojson({'table': relation.render_pure(), 'not_built': true}), info=true) -%}
    {%- else -%}
      {%- do tables.append(relation) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if tables | length == 0 -%}
    {%- do log('LAKEHOUSE_MAINTENANCE ' ~ tojson({'skipped': 'no built Iceberg model in the project'}), info=true) -%}
  {%- endif -%}
  {%- for relation in tables -%}
    {#- render_pure: OPTIMIZE and VACUUM take the name unquoted. -#}
    {%- for op, statement in [
          ('optimize', 'optimize ' ~ relation.render_pure() ~ ' rewrite data using bin_pack'),
          ('vacuum', 'vacuum ' ~ relation.render_pure())] -%}
      {%- if not dry_run -%}
        {%- do adapter.run_operation_with_potential_multiple_runs(statement, op) -%}
      {%- endif -%}
      {%- do log('LAKEHOUSE_MAINTENANCE ' ~ tojson({
        'table': relation.render_pure(), 'operation': op, 'statement': statement, 'dry_run': dry_run
      }), info=true) -%}
    {%- endfor -%}
  {%- endfor -%}
{%- endmacro %}
