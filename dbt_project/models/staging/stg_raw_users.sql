-- One row per user: the latest version (greatest updated_at).
select
    user_id,
    email,
    country,
    signup_ts,
    updated_at
from {{ ref('stg_raw_user_versions') }}
where valid_to is null
