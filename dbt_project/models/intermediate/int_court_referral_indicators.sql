-- Court-referral measures per period and community (plus ALL over every record), computed from
-- the period's records for quarters and years alike.

with referrals as (

    select * from {{ ref('stg_court__referrals') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

referral_periods as (

    select
        periods.period,
        referrals.community_code,
        referrals.referred_date between periods.period_start and periods.period_end as is_received,
        coalesce(
            referrals.is_concluded and referrals.closed_date between periods.period_start and periods.period_end,
            false
        ) as is_concluded_in_period,
        referrals.is_successful,
        referrals.is_online,
        referrals.is_judicially_confirmed,
        referrals.is_data_reviewed,
        {{ within_limit(days_between('referrals.referred_date', 'referrals.closed_date'), 30) }} as is_timely,
        referrals.referred_date <= periods.period_end
            and (
                not referrals.is_concluded
                or referrals.closed_date is null
                or referrals.closed_date > periods.period_end
            ) as is_pending_at_end,
    from periods
    cross join referrals

),

aggregated as (

    select
        referral_periods.period,
        case when grouping(referral_periods.community_code) = 1 then 'ALL'
            else referral_periods.community_code end as community_code,
        count(*) filter (where referral_periods.is_received) as cr_received,
        count(*) filter (where referral_periods.is_concluded_in_period) as cr_concluded,
        count(*) filter (where referral_periods.is_concluded_in_period and referral_periods.is_successful) as cr_success,
        count(*) filter (where referral_periods.is_concluded_in_period and referral_periods.is_timely) as cr_timely,
        count(*) filter (where referral_periods.is_concluded_in_period and referral_periods.is_online) as cr_online,
        count(*) filter (
            where referral_periods.is_concluded_in_period
                and referral_periods.is_successful
                and referral_periods.is_judicially_confirmed
        ) as cr_judicially_confirmed,
        count(*) filter (
            where referral_periods.is_concluded_in_period
                and referral_periods.is_successful
                and referral_periods.is_data_reviewed
        ) as cr_data_reviewed,
        count(*) filter (where referral_periods.is_pending_at_end) as cr_pending_end,
    from referral_periods
    group by grouping sets ((referral_periods.period), (referral_periods.period, referral_periods.community_code))

)

select * from aggregated
