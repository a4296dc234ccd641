-- Dispute measures per period and community (plus ALL over every record).

with disputes as (

    select * from {{ ref('stg_petition__disputes') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

dispute_periods as (

    select
        periods.period,
        disputes.community_code,
        disputes.registered_date between periods.period_start and periods.period_end as is_registered,
        coalesce(
            disputes.resolution_status = '已化解'
            and disputes.resolved_date between periods.period_start and periods.period_end,
            false
        ) as is_resolved_in_period,
        coalesce(
            disputes.resolution_status = '已化解'
            and disputes.resolved_date <= periods.period_end
            and {{ days_between('disputes.registered_date', 'disputes.resolved_date') }} >= 0,
            false
        ) as is_resolved_by_end,
        disputes.dispute_source = '排查发现' and disputes.dispute_level in ('较大', '重大') as is_major_screened,
        disputes.has_dossier,
    from periods
    cross join disputes

),

aggregated as (

    select
        dispute_periods.period,
        case when grouping(dispute_periods.community_code) = 1 then 'ALL'
            else dispute_periods.community_code end as community_code,
        count(*) filter (where dispute_periods.is_registered) as ds_registered,
        count(*) filter (where dispute_periods.is_resolved_in_period) as ds_resolved,
        count(*) filter (where dispute_periods.is_registered and dispute_periods.is_resolved_by_end)
            as ds_registered_resolved_by_end,
        count(*) filter (where dispute_periods.is_registered and dispute_periods.is_major_screened)
            as ds_major_screened,
        count(*) filter (where dispute_periods.is_resolved_in_period and dispute_periods.has_dossier) as ds_dossiers,
    from dispute_periods
    group by grouping sets ((dispute_periods.period), (dispute_periods.period, dispute_periods.community_code))

)

select * from aggregated
