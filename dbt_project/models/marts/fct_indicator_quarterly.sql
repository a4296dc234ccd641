-- The published quarterly indicator values: one row per (period, community, indicator).

with completed as (

    select * from {{ ref('int_indicator_values_completed') }}

),

quarterly as (

    select
        completed.year,
        completed.quarter,
        completed.period,
        completed.period_start,
        completed.period_end,
        completed.community_code,
        completed.indicator_code,
        completed.numerator,
        completed.denominator,
        completed.value,
    from completed
    where completed.period_grain = 'quarter'

)

select * from quarterly
