-- One row per (period, community, indicator) over the whole period spine: every configured
-- community for community-scoped indicators, UNKNOWN where it has records, and ALL; missing
-- combinations are zero counts / zero denominators; value = numerator for counts,
-- numerator / denominator for ratios (NULL when the denominator is 0 or unknown).

with periods as (

    select * from {{ ref('int_periods') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

communities as (

    select * from {{ ref('communities') }}

),

observations as (

    select * from {{ ref('int_indicator_observations') }}

),

community_slots as (

    select indicators.indicator_code, communities.community_code
    from indicators
    cross join communities
    where indicators.scope = 'community'

    union

    select indicators.indicator_code, 'ALL' as community_code
    from indicators

    union

    select observations.indicator_code, observations.community_code
    from observations
    inner join indicators
        on observations.indicator_code = indicators.indicator_code
    where observations.community_code = 'UNKNOWN'
        and indicators.scope = 'community'

),

slots as (

    select
        periods.period_grain,
        periods.year,
        periods.quarter,
        periods.period,
        periods.period_start,
        periods.period_end,
        community_slots.community_code,
        community_slots.indicator_code,
        indicators.unit,
    from periods
    cross join community_slots
    inner join indicators
        on community_slots.indicator_code = indicators.indicator_code

),

completed as (

    select
        slots.period_grain,
        slots.year,
        slots.quarter,
        slots.period,
        slots.period_start,
        slots.period_end,
        slots.community_code,
        slots.indicator_code,
        slots.unit,
        case when observations.indicator_code is null then 0.0
            else observations.numerator end as numerator,
        case when slots.unit = 'count' then null
            when observations.indicator_code is null then 0.0
            else observations.denominator end as denominator,
    from slots
    left join observations
        on slots.period = observations.period
        and slots.community_code = observations.community_code
        and slots.indicator_code = observations.indicator_code

),

valued as (

    select
        completed.period_grain,
        completed.year,
        completed.quarter,
        completed.period,
        completed.period_start,
        completed.period_end,
        completed.community_code,
        completed.indicator_code,
        cast(completed.numerator as double) as numerator,
        cast(completed.denominator as double) as denominator,
        cast(
            case
                when completed.unit = 'count' then completed.numerator
                when completed.denominator is null or completed.denominator = 0 then null
                else completed.numerator / completed.denominator
            end as double
        ) as value,
    from completed

)

select * from valued
