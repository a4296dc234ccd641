-- Every indicator value against its target: one row per (period, community, indicator) of both
-- grains, with the status (green / yellow / red; no_target when no target is set, no_value when
-- there is no value), the same period a year earlier (同比), the previous quarter (环比) and
-- whether the period is not yet fully covered by the data (dim_period.is_complete).

with completed as (

    select * from {{ ref('int_indicator_values_completed') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

targets as (

    select * from {{ ref('stg_config__indicator_targets') }}

),

-- the most specific target of each row: a named community (or ALL) before a blank one, a named
-- grain before a blank one; a blank community never covers UNKNOWN (not placed)
targeted as (

    select
        completed.*,
        targets.direction,
        targets.green_threshold,
        targets.yellow_threshold,
    from completed
    left join targets
        on completed.year = targets.year
        and completed.indicator_code = targets.indicator_code
        and (
            completed.community_code = targets.community_code
            or (targets.community_code is null and completed.community_code <> 'UNKNOWN')
        )
        and (targets.grain is null or targets.grain = completed.period_grain)
    qualify row_number() over (
        partition by completed.period, completed.community_code, completed.indicator_code
        order by (targets.community_code is null), (targets.grain is null)
    ) = 1

),

rated as (

    select
        targeted.*,
        case
            when targeted.green_threshold is null then 'no_target'
            when targeted.value is null then 'no_value'
            when targeted.direction = 'higher' and round(targeted.value, 10) >= round(targeted.green_threshold, 10) then 'green'
            when targeted.direction = 'higher' and round(targeted.value, 10) >= round(targeted.yellow_threshold, 10) then 'yellow'
            when targeted.direction = 'lower' and round(targeted.value, 10) <= round(targeted.green_threshold, 10) then 'green'
            when targeted.direction = 'lower' and round(targeted.value, 10) <= round(targeted.yellow_threshold, 10) then 'yellow'
            else 'red'
        end as status,
    from targeted

),

final as (

    select
        rated.year,
        rated.quarter,
        rated.period,
        rated.period_grain,
        rated.community_code,
        rated.indicator_code,
        indicators.display_order,
        rated.value,
        rated.numerator,
        rated.denominator,
        rated.direction,
        rated.green_threshold,
        rated.yellow_threshold,
        rated.status,
        case rated.status
            when 'green' then '绿'
            when 'yellow' then '黄'
            when 'red' then '红'
            when 'no_target' then '未设目标'
            else '无数据'
        end as status_zh,
        prev_year.value as prev_year_value,
        rated.value - prev_year.value as yoy_change,
        prev_period.value as prev_period_value,
        rated.value - prev_period.value as qoq_change,
        not periods.is_complete as is_partial,
    from rated
    inner join indicators
        on rated.indicator_code = indicators.indicator_code
    inner join periods
        on rated.period = periods.period
    left join completed as prev_year
        on prev_year.period_grain = rated.period_grain
        and prev_year.year = rated.year - 1
        and prev_year.quarter is not distinct from rated.quarter
        and prev_year.community_code = rated.community_code
        and prev_year.indicator_code = rated.indicator_code
    left join completed as prev_period
        on rated.period_grain = 'quarter'
        and prev_period.period_grain = 'quarter'
        and prev_period.period_end = cast(rated.period_start - interval 1 day as date)
        and prev_period.community_code = rated.community_code
        and prev_period.indicator_code = rated.indicator_code

)

select * from final
