-- The spread between communities of every community-scoped rate, per period (quarter and year):
-- the highest and lowest community value (ties: the smallest community code) and the coefficient
-- of variation (population standard deviation / mean; NULL when the mean is 0). Over the
-- configured communities with a value (a NULL ratio, UNKNOWN and ALL stay out).

with completed as (

    select * from {{ ref('int_indicator_values_completed') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

rates as (

    select
        completed.period_grain,
        completed.year,
        completed.quarter,
        completed.period,
        completed.indicator_code,
        completed.community_code,
        completed.value,
    from completed
    inner join indicators
        on completed.indicator_code = indicators.indicator_code
    where indicators.unit = 'ratio'
        and indicators.scope = 'community'
        and completed.community_code not in ('ALL', 'UNKNOWN')
        and completed.value is not null

),

ranked as (

    select
        rates.*,
        row_number() over (
            partition by rates.period, rates.indicator_code order by rates.value desc, rates.community_code
        ) as rank_high,
        row_number() over (
            partition by rates.period, rates.indicator_code order by rates.value, rates.community_code
        ) as rank_low,
    from rates

)

select
    ranked.period_grain,
    ranked.year,
    ranked.quarter,
    ranked.period,
    ranked.indicator_code,
    count(*) as communities,
    max(ranked.value) as max_value,
    any_value(ranked.community_code) filter (where ranked.rank_high = 1) as max_community,
    min(ranked.value) as min_value,
    any_value(ranked.community_code) filter (where ranked.rank_low = 1) as min_community,
    case when avg(ranked.value) <> 0 then stddev_pop(ranked.value) / avg(ranked.value) end as cv,
from ranked
group by ranked.period_grain, ranked.year, ranked.quarter, ranked.period, ranked.indicator_code
