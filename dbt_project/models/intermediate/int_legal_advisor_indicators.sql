-- Legal advisor measures per period and community (plus ALL, the street total). Services of the
-- street itself (服务对象 = 街道) are UNKNOWN and count in ALL only. The roster measures read the
-- snapshot with the latest export date <= end(P) (none: NULL): a community is covered when an
-- advisor of it is in force on end(P) (聘任起始日期 <= end(P), 聘任终止日期 blank or >= end(P));
-- la_communities is the number of configured communities (seeds/communities.csv, the community
-- rows of dim_community), 1 per community row.

with services as (

    select * from {{ ref('stg_legal_advisor__services') }}

),

advisors as (

    select * from {{ ref('stg_legal_advisor__village_advisors') }}

),

communities as (

    select * from {{ ref('communities') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

service_measures as (

    select
        periods.period,
        case when grouping(services.community_code) = 1 then 'ALL'
            else services.community_code end as community_code,
        coalesce(sum(services.quantity) filter (where services.service_type in ('合同审查', '法律文书审查')), 0)
            as la_contract_reviews,
        coalesce(sum(services.quantity) filter (where services.service_type = '法律意见'), 0) as la_legal_opinions,
        coalesce(sum(services.quantity) filter (where services.service_type = '电话咨询'), 0) as la_phone_consults,
    from periods
    left join services
        on services.service_date between periods.period_start and periods.period_end
    group by grouping sets ((periods.period), (periods.period, services.community_code))
    having grouping(services.community_code) = 1 or services.community_code is not null

),

period_snapshots as (

    {{ period_snapshots('advisors') }}

),

roster_measures as (

    select
        period_snapshots.period,
        case when grouping(communities.community_code) = 1 then 'ALL'
            else communities.community_code end as community_code,
        case when period_snapshots.snapshot_date is not null then
            count(distinct advisors.community_code)
        end as la_village_advisors,
        count(distinct communities.community_code) as la_communities,
    from period_snapshots
    cross join communities
    left join advisors
        on advisors.snapshot_date = period_snapshots.snapshot_date
        and advisors.community_code = communities.community_code
        and advisors.appointed_from <= period_snapshots.period_end
        and (advisors.appointed_until is null or advisors.appointed_until >= period_snapshots.period_end)
    group by grouping sets (
        (period_snapshots.period, period_snapshots.snapshot_date),
        (period_snapshots.period, period_snapshots.snapshot_date, communities.community_code)
    )

),

joined as (

    select
        coalesce(roster_measures.period, service_measures.period) as period,
        coalesce(roster_measures.community_code, service_measures.community_code) as community_code,
        coalesce(service_measures.la_contract_reviews, 0) as la_contract_reviews,
        coalesce(service_measures.la_legal_opinions, 0) as la_legal_opinions,
        coalesce(service_measures.la_phone_consults, 0) as la_phone_consults,
        -- a community outside the configured ones (UNKNOWN) has none: 0 once a roster exists
        case when period_snapshots.snapshot_date is not null
            then coalesce(roster_measures.la_village_advisors, 0) end as la_village_advisors,
        coalesce(roster_measures.la_communities, 0) as la_communities,
    from roster_measures
    full outer join service_measures
        on roster_measures.period = service_measures.period
        and roster_measures.community_code = service_measures.community_code
    inner join period_snapshots
        on period_snapshots.period = coalesce(roster_measures.period, service_measures.period)

)

select * from joined
