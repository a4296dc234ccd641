{#- Court referrals per period: one row per (period, referral) that counts in a measure, with the
    measure flags (named as the measures of int_court_referral_indicators) and the record's lineage.
    Every (period, record) pair, flagged or not (the family
    counts its rows per community, so a community with records keeps its zero rows). -#}
{% macro court_referral_flags() -%}
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
        referrals.referral_id as record_key,
        referrals.referred_date as opened_date,
        referrals.closed_date,
        referrals.mediation_status as status,
        referrals._file_name as source_file,
        referrals._row_number as source_row,
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

flagged as (

    select
        referral_periods.period,
        referral_periods.community_code,
        referral_periods.record_key,
        referral_periods.opened_date,
        referral_periods.closed_date,
        referral_periods.status,
        referral_periods.source_file,
        referral_periods.source_row,
        coalesce(referral_periods.is_received, false) as cr_received,
        referral_periods.is_concluded_in_period as cr_concluded,
        coalesce(referral_periods.is_concluded_in_period and referral_periods.is_successful, false) as cr_success,
        coalesce(referral_periods.is_concluded_in_period and referral_periods.is_timely, false) as cr_timely,
        coalesce(referral_periods.is_concluded_in_period and referral_periods.is_online, false) as cr_online,
        coalesce(
            referral_periods.is_concluded_in_period
            and referral_periods.is_successful
            and referral_periods.is_judicially_confirmed,
            false
        ) as cr_judicially_confirmed,
        coalesce(
            referral_periods.is_concluded_in_period
            and referral_periods.is_successful
            and referral_periods.is_data_reviewed,
            false
        ) as cr_data_reviewed,
        coalesce(referral_periods.is_pending_at_end, false) as cr_pending_end,
    from referral_periods

)

select * from flagged
{%- endmacro %}
