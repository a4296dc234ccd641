-- Every local calendar quarter and year from the first to the last one with any data.

with referrals as (

    select * from {{ ref('stg_court__referrals') }}

),

disputes as (

    select * from {{ ref('stg_petition__disputes') }}

),

petitions as (

    select * from {{ ref('stg_petition__petitions') }}

),

dispatch_events as (

    select * from {{ ref('stg_command_centre__dispatch_events') }}

),

study_sessions as (

    select * from {{ ref('stg_training__study_sessions') }}

),

exam_results as (

    select * from {{ ref('stg_training__exam_results') }}

),

officers as (

    select * from {{ ref('stg_training__enforcement_officers') }}

),

activity_dates as (

    select referrals.referred_date as activity_date from referrals
    union all
    select referrals.closed_date from referrals
    union all
    select disputes.registered_date from disputes
    union all
    select disputes.resolved_date from disputes
    union all
    select petitions.registered_date from petitions
    union all
    select petitions.closed_date from petitions
    union all
    select cast(dispatch_events.reported_at as date) from dispatch_events where not dispatch_events.is_returned
    union all
    select study_sessions.session_date from study_sessions
    union all
    select exam_results.exam_date from exam_results
    union all
    select officers.snapshot_date from officers

),

bounds as (

    select
        min(activity_dates.activity_date) as first_date,
        max(activity_dates.activity_date) as last_date,
    from activity_dates

),

quarter_starts as (

    select
        cast(unnest(generate_series(
            date_trunc('quarter', bounds.first_date),
            date_trunc('quarter', bounds.last_date),
            interval 3 month
        )) as date) as period_start,
    from bounds
    where bounds.first_date is not null

),

year_starts as (

    select
        cast(unnest(generate_series(
            date_trunc('year', bounds.first_date),
            date_trunc('year', bounds.last_date),
            interval 1 year
        )) as date) as period_start,
    from bounds
    where bounds.first_date is not null

),

periods as (

    select
        'quarter' as period_grain,
        cast(year(quarter_starts.period_start) as integer) as year,
        cast(quarter(quarter_starts.period_start) as integer) as quarter,
        cast(year(quarter_starts.period_start) as varchar) || 'Q'
            || cast(quarter(quarter_starts.period_start) as varchar) as period,
        quarter_starts.period_start,
        cast(quarter_starts.period_start + interval 3 month - interval 1 day as date) as period_end,
    from quarter_starts

    union all

    select
        'year' as period_grain,
        cast(year(year_starts.period_start) as integer) as year,
        cast(null as integer) as quarter,
        cast(year(year_starts.period_start) as varchar) as period,
        year_starts.period_start,
        cast(year_starts.period_start + interval 1 year - interval 1 day as date) as period_end,
    from year_starts

)

select * from periods
