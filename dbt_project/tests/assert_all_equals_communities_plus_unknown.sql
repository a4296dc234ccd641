-- For flows and cohorts, ALL's numerator and denominator equal the sums over the communities
-- plus UNKNOWN (indicators.md), quarterly and annual alike. Returns the offending rows.

with facts as (

    select period, community_code, indicator_code, numerator, denominator
    from {{ ref('fct_indicator_quarterly') }}
    union all
    select period, community_code, indicator_code, numerator, denominator
    from {{ ref('fct_indicator_annual') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

summed as (

    select
        facts.period,
        facts.indicator_code,
        sum(facts.numerator) filter (where facts.community_code <> 'ALL') as parts_numerator,
        sum(facts.denominator) filter (where facts.community_code <> 'ALL') as parts_denominator,
        max(facts.numerator) filter (where facts.community_code = 'ALL') as all_numerator,
        max(facts.denominator) filter (where facts.community_code = 'ALL') as all_denominator,
    from facts
    inner join indicators
        on facts.indicator_code = indicators.indicator_code
    where indicators.scope = 'community'
        and indicators.kind in ('flow', 'cohort')
    group by facts.period, facts.indicator_code

)

select * from summed
where coalesce(parts_numerator, 0) <> coalesce(all_numerator, 0)
    or coalesce(parts_denominator, 0) <> coalesce(all_denominator, 0)
