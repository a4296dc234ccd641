-- Every quarter and year of the marts (the period spine): its label in Chinese, its bounds, and
-- whether it is complete, i.e. ended on or before the latest export date of any feed.

with periods as (

    select * from {{ ref('int_periods') }}

),

export_dates as (

    {%- set latest_models = [
        ('stg_court__referrals', '_export_date'),
        ('stg_petition__disputes', '_export_date'),
        ('stg_petition__petitions', '_export_date'),
        ('stg_command_centre__dispatch_events', '_export_date'),
        ('stg_training__study_sessions', '_export_date'),
        ('stg_training__exam_results', '_export_date'),
        ('stg_training__enforcement_officers', 'snapshot_date'),
    ] %}
    {%- for model, column in latest_models %}

    select max({{ column }}) as export_date from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

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
