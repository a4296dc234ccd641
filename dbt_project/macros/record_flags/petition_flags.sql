{#- Petitions per period: one row per (period, petition) that counts in a measure, with the measure
    flags (named as the measures of int_petition_indicators) and the record's lineage.
    Every (period, record) pair, flagged or not (the family
    counts its rows per community, so a community with records keeps its zero rows). -#}
{% macro petition_flags() -%}
with petitions as (

    select * from {{ ref('stg_petition__petitions') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

repeat_flags as (

    -- A petition repeats when the same petitioner (pseudonym, not blank) has another petition
    -- registered in the 365 days before this one's date (strictly earlier).
    select
        petitions.petition_id,
        petitions.community_code,
        petitions.registered_date,
        petitions.acceptance_status,
        petitions.notified_date,
        petitions.closed_date,
        petitions.handling_status,
        petitions.satisfaction,
        petitions._file_name,
        petitions._row_number,
        exists (
            select 1
            from petitions as earlier
            where earlier.petitioner_pid = petitions.petitioner_pid
                and earlier.petition_id <> petitions.petition_id
                and earlier.registered_date < petitions.registered_date
                and earlier.registered_date >= petitions.registered_date - interval 365 day
        ) as is_repeat,
    from petitions

),

petition_periods as (

    select
        periods.period,
        repeat_flags.community_code,
        repeat_flags.petition_id as record_key,
        repeat_flags.registered_date as opened_date,
        repeat_flags.closed_date,
        repeat_flags.handling_status as status,
        repeat_flags._file_name as source_file,
        repeat_flags._row_number as source_row,
        repeat_flags.registered_date between periods.period_start and periods.period_end as is_received,
        repeat_flags.acceptance_status <> '待受理' as is_decided,
        coalesce(
            repeat_flags.notified_date <= periods.period_end
            and {{ within_limit(days_between('repeat_flags.registered_date', 'repeat_flags.notified_date'), 15) }},
            false
        ) as is_notified_timely_by_end,
        coalesce(
            repeat_flags.handling_status = '已办结'
            and repeat_flags.closed_date between periods.period_start and periods.period_end,
            false
        ) as is_closed_in_period,
        repeat_flags.acceptance_status = '受理' as is_accepted,
        {{ within_limit(days_between('repeat_flags.notified_date', 'repeat_flags.closed_date'), 60) }} as is_closed_timely,
        coalesce(repeat_flags.satisfaction in ('满意', '基本满意', '不满意'), false) as is_rated,
        coalesce(repeat_flags.satisfaction in ('满意', '基本满意'), false) as is_satisfied,
        repeat_flags.is_repeat,
    from periods
    cross join repeat_flags

),

flagged as (

    select
        petition_periods.period,
        petition_periods.community_code,
        petition_periods.record_key,
        petition_periods.opened_date,
        petition_periods.closed_date,
        petition_periods.status,
        petition_periods.source_file,
        petition_periods.source_row,
        coalesce(petition_periods.is_received, false) as pt_received,
        coalesce(petition_periods.is_received and petition_periods.is_decided, false) as pt_notice_due,
        coalesce(
            petition_periods.is_received and petition_periods.is_decided and petition_periods.is_notified_timely_by_end,
            false
        ) as pt_notified_timely,
        coalesce(petition_periods.is_closed_in_period and petition_periods.is_accepted, false) as pt_close_due,
        coalesce(
            petition_periods.is_closed_in_period and petition_periods.is_accepted and petition_periods.is_closed_timely,
            false
        ) as pt_closed_timely,
        coalesce(petition_periods.is_closed_in_period and petition_periods.is_rated, false) as pt_rated,
        coalesce(petition_periods.is_closed_in_period and petition_periods.is_satisfied, false) as pt_satisfied,
        coalesce(petition_periods.is_received and petition_periods.is_repeat, false) as pt_repeat,
    from petition_periods

)

select * from flagged
{%- endmacro %}
