-- Mediation caseload per active mediator, per period (quarter and year) and community (plus ALL).
-- Active mediators: the distinct non-blank 调解员 of the court referrals received in the period
-- (委托日期 in P) and 调解组织 of the disputes registered in it (登记日期 in P). Both fields are
-- free text in the contract (not personal data, never pseudonymised), compared after trimming.
-- Cases: those same disputes and referrals; per mediator: cases / active mediators (NULL at 0).

with periods as (

    select * from {{ ref('int_periods') }}

),

referrals as (

    select * from {{ ref('stg_court__referrals') }}

),

disputes as (

    select * from {{ ref('stg_petition__disputes') }}

),

cases as (

    select
        periods.period_grain,
        periods.year,
        periods.quarter,
        periods.period,
        referrals.community_code,
        'court_referral' as case_kind,
        nullif(trim(referrals.mediator), '') as mediator,
    from periods
    inner join referrals
        on referrals.referred_date between periods.period_start and periods.period_end
    union all
    select
        periods.period_grain,
        periods.year,
        periods.quarter,
        periods.period,
        disputes.community_code,
        'dispute' as case_kind,
        nullif(trim(disputes.mediation_org), '') as mediator,
    from periods
    inner join disputes
        on disputes.registered_date between periods.period_start and periods.period_end

),

aggregated as (

    select
        cases.period_grain,
        cases.year,
        cases.quarter,
        cases.period,
        case when grouping(cases.community_code) = 1 then 'ALL' else cases.community_code end as community_code,
        count(*) filter (where cases.case_kind = 'dispute') as disputes,
        count(*) filter (where cases.case_kind = 'court_referral') as court_referrals,
        count(distinct cases.mediator) as active_mediators,
    from cases
    group by grouping sets (
        (cases.period_grain, cases.year, cases.quarter, cases.period),
        (cases.period_grain, cases.year, cases.quarter, cases.period, cases.community_code)
    )

)

select
    aggregated.period_grain,
    aggregated.year,
    aggregated.quarter,
    aggregated.period,
    aggregated.community_code,
    aggregated.disputes,
    aggregated.court_referrals,
    aggregated.active_mediators,
    aggregated.disputes / nullif(aggregated.active_mediators, 0) as disputes_per_mediator,
    aggregated.court_referrals / nullif(aggregated.active_mediators, 0) as referrals_per_mediator,
    (aggregated.disputes + aggregated.court_referrals) / nullif(aggregated.active_mediators, 0)
        as cases_per_mediator,
from aggregated
