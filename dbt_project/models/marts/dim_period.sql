-- Every quarter and year of the marts (the period spine): its label in Chinese, its bounds, and
-- whether it is complete, i.e. ended on or before the latest export date of any feed.

with periods as (

    select * from {{ ref('int_periods') }}

),

export_dates as (

    select max(_export_date) as export_date from {{ ref('stg_court__referrals') }}
    union all
    select max(_export_date) from {{ ref('stg_petition__disputes') }}
    union all
    select max(_export_date) from {{ ref('stg_petition__petitions') }}
    union all
    select max(_export_date) from {{ ref('stg_command_centre__dispatch_events') }}
    union all
    select max(_export_date) from {{ ref('stg_training__study_sessions') }}
    union all
    select max(_export_date) from {{ ref('stg_training__exam_results') }}
    union all
    select max(snapshot_date) from {{ ref('stg_training__enforcement_officers') }}

),

latest as (

    select cast(max(export_dates.export_date) as date) as latest_export_date from export_dates

),

final as (

    select
        periods.period,
        periods.period_grain as grain,
        periods.year,
        periods.quarter,
        case
            when periods.period_grain = 'quarter'
                then cast(periods.year as varchar) || '年第' || cast(periods.quarter as varchar) || '季度'
            else cast(periods.year as varchar) || '年'
        end as label_zh,
        periods.period_start,
        periods.period_end,
        coalesce(periods.period_end <= latest.latest_export_date, false) as is_complete,
        latest.latest_export_date,
    from periods
    cross join latest

)

select * from final
