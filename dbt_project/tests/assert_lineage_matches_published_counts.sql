-- The lineage mart lists exactly the records a figure counts: for every indicator of a
-- record-based family (the additive counts and, stronger, every ratio and stock of those
-- families), the numerator records per (indicator, period, community) number the published
-- numerator, and the denominator records the published denominator (communities and UNKNOWN;
-- ALL is their sum). NULL counts as 0.

{%- set families = record_families() %}

with facts as (

    select period, community_code, indicator_code, numerator, denominator
    from {{ ref('fct_indicator_quarterly') }}
    union all
    select period, community_code, indicator_code, numerator, denominator
    from {{ ref('fct_indicator_annual') }}

),

indicators as (

    select indicator_code
    from {{ ref('indicators') }}
    where family_model in ({% for family in families %}'{{ family }}'{% if not loop.last %}, {% endif %}{% endfor %})

),

listed as (

    select
        indicator_code,
        period,
        community_code,
        count(*) filter (where role = 'numerator') as numerator_records,
        count(*) filter (where role = 'denominator') as denominator_records,
    from {{ ref('fct_indicator_records') }}
    group by indicator_code, period, community_code

),

published as (

    select facts.*
    from facts
    inner join indicators
        on facts.indicator_code = indicators.indicator_code
    where facts.community_code <> 'ALL'

)

select
    coalesce(published.indicator_code, listed.indicator_code) as indicator_code,
    coalesce(published.period, listed.period) as period,
    coalesce(published.community_code, listed.community_code) as community_code,
    published.numerator,
    listed.numerator_records,
    published.denominator,
    listed.denominator_records,
from published
full outer join listed
    on published.indicator_code = listed.indicator_code
    and published.period = listed.period
    and published.community_code = listed.community_code
where coalesce(published.numerator, 0) <> coalesce(listed.numerator_records, 0)
    or coalesce(published.denominator, 0) <> coalesce(listed.denominator_records, 0)
