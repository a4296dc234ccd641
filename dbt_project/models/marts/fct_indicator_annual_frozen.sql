{{ config(materialized='table') }}

-- The annual indicators as frozen: the latest release of each year, read from its Parquet file.
-- rolwh passes only releases that verified (checksums and anchor) in the var `frozen_releases`
-- ([{year, version, path, frozen_at}], rolwh.release.frozen.frozen_release_vars); a year whose
-- latest release fails is left out, never replaced by an older version. Without releases the
-- table is empty, with the live annual mart's columns.
-- depends_on: {{ ref('fct_indicator_annual') }}

{%- set releases = var('frozen_releases', []) %}

{% if releases %}
    {%- for r in releases %}
select
    annual.*,
    '{{ r.version }}' as release_version,
    cast({{ "'" ~ r.frozen_at ~ "'" if r.frozen_at else 'null' }} as timestamptz) as frozen_at,
from read_parquet('{{ r.path | replace("'", "''") }}') as annual
where annual.year = {{ r.year | int }}
        {%- if not loop.last %}
union all by name
        {%- endif %}
    {%- endfor %}
{% else %}
select
    annual.*,
    cast(null as varchar) as release_version,
    cast(null as timestamptz) as frozen_at,
from {{ ref('fct_indicator_annual') }} as annual
where false
{% endif %}
