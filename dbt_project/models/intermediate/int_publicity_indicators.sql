-- Publicity measures per period and community (plus ALL, the street total): the sum of 数量 per
-- activity type (a 「约」/「余」 quantity counts as its number). Activities of the whole street
-- (所属社区 blank) are UNKNOWN and count in ALL only.

with activities as (

    select * from {{ ref('stg_publicity__activities') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

aggregated as (

    select
        periods.period,
        case when grouping(activities.community_code) = 1 then 'ALL'
            else activities.community_code end as community_code,
        coalesce(sum(activities.quantity) filter (where activities.activity_type = '主题法治宣传活动'), 0)
            as pb_theme_events,
        coalesce(sum(activities.quantity) filter (where activities.activity_type = '法治讲座'), 0) as pb_lectures,
        coalesce(sum(activities.quantity) filter (where activities.activity_type = '悬挂宣传标语'), 0) as pb_banners,
        coalesce(sum(activities.quantity) filter (where activities.activity_type = '发放宣传资料'), 0) as pb_leaflets,
        coalesce(sum(activities.quantity) filter (where activities.activity_type = '庭审旁听'), 0) as pb_court_visits,
    from periods
    left join activities
        on activities.activity_date between periods.period_start and periods.period_end
    group by grouping sets ((periods.period), (periods.period, activities.community_code))
    having grouping(activities.community_code) = 1 or activities.community_code is not null

)

select * from aggregated
