-- Records the staging models could not use, kept with enough context to fix
-- them at the source: which table, why, and where the record came from.
select
    'raw_events' as source_name,
    reject_reason,
    source_file,
    line_number,
    ingest_date,
    raw_line
from {{ ref('base_raw_events') }}
where reject_reason is not null

union all

select
    'raw_users' as source_name,
    reject_reason,
    source_file,
    line_number,
    ingest_date,
    raw_line
from {{ ref('base_raw_users') }}
where reject_reason is not null
