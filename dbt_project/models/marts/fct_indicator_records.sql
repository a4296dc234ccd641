-- Lineage: the records behind each figure. One row per (indicator, period, community, role, record)
-- for every indicator of a record-based family (court referrals, disputes, petitions, dispatch
-- events): the records whose measure flag (int_*_records, the same flags the figures count) is set
-- for the indicator's numerator or denominator, with the record key, its dates and status, its
-- community and the source file and row it was read from. Pseudonyms only, no personal value.
-- The training family (sessions, participants summed, distinct persons, roster snapshots) and the
-- ledger families (legal advisor services and rosters, publicity activities: quantities summed) are
-- not listed here.

{%- set families = record_families() %}
{%- set indicators = indicator_dictionary(ref('indicators'), families.keys() | list + ['int_training_indicators', 'int_legal_advisor_indicators', 'int_publicity_indicators']) %}

with periods as (

    select * from {{ ref('int_periods') }}

),

{% for family, spec in families.items() %}
{{ spec.records }} as (

    select * from {{ ref(spec.records) }}

),
{% endfor %}

record_roles as (
{%- set parts = [] %}
{%- for indicator in indicators if indicator.family_model in families %}
    {%- for role, measure in [('numerator', indicator.numerator_measure), ('denominator', indicator.denominator_measure)]
        if measure %}
        {%- do parts.append((indicator, role, measure)) %}
    {%- endfor %}
{%- endfor %}
{% for indicator, role, measure in parts %}
    select
        '{{ indicator.indicator_code }}' as indicator_code,
        records.period,
        records.community_code,
        '{{ role }}' as role,
        records.record_key,
        records.opened_date,
        records.closed_date,
        records.status,
        records.source_file,
        records.source_row,
    from {{ families[indicator.family_model].records }} as records
    where records.{{ measure }}
    {% if not loop.last %}union all{% endif %}
{% else %}
    select
        cast(null as varchar) as indicator_code,
        cast(null as varchar) as period,
        cast(null as varchar) as community_code,
        cast(null as varchar) as role,
        cast(null as varchar) as record_key,
        cast(null as date) as opened_date,
        cast(null as date) as closed_date,
        cast(null as varchar) as status,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
    where false
{% endfor %}
)

select
    record_roles.indicator_code,
    periods.period_grain,
    periods.year,
    periods.quarter,
    record_roles.period,
    record_roles.community_code,
    record_roles.role,
    record_roles.record_key,
    record_roles.opened_date,
    record_roles.closed_date,
    record_roles.status,
    record_roles.source_file,
    record_roles.source_row,
from record_roles
inner join periods
    on record_roles.period = periods.period
