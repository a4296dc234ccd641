-- Petition measures per period and community (plus ALL over every record).

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

aggregated as (

    select
        petition_periods.period,
        case when grouping(petition_periods.community_code) = 1 then 'ALL'
            else petition_periods.community_code end as community_code,
        count(*) filter (where petition_periods.is_received) as pt_received,
        count(*) filter (where petition_periods.is_received and petition_periods.is_decided) as pt_notice_due,
        count(*) filter (
            where petition_periods.is_received and petition_periods.is_decided and petition_periods.is_notified_timely_by_end
        ) as pt_notified_timely,
        count(*) filter (where petition_periods.is_closed_in_period and petition_periods.is_accepted) as pt_close_due,
        count(*) filter (
            where petition_periods.is_closed_in_period and petition_periods.is_accepted and petition_periods.is_closed_timely
        ) as pt_closed_timely,
        count(*) filter (where petition_periods.is_closed_in_period and petition_periods.is_rated) as pt_rated,
        count(*) filter (where petition_periods.is_closed_in_period and petition_periods.is_satisfied) as pt_satisfied,
        count(*) filter (where petition_periods.is_received and petition_periods.is_repeat) as pt_repeat,
    from petition_periods
    group by grouping sets ((petition_periods.period), (petition_periods.period, petition_periods.community_code))

)

select * from aggregated
