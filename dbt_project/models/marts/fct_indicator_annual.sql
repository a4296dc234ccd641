-- The published annual indicator values: one row per (period, community, indicator).

with completed as (

    select * from {{ ref('int_indicator_values_completed') }}

),

annual as (

    select
        completed.year,
        completed.period,
        completed.period_start,
        completed.period_end,
        completed.community_code,
        completed.indicator_code,
        completed.numerator,
        completed.denominator,
        completed.value,
    from completed
    where completed.period_grain = 'year'

)

select * from annual
