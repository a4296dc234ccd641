-- Command-centre dispatch measures per period and community (plus ALL). Returned events
-- (处置状态 = 已退回) count nowhere; durations run from 上报时间, in seconds.

with dispatch_events as (

    select * from {{ ref('stg_command_centre__dispatch_events') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

counted_events as (

    select
        dispatch_events.event_id,
        dispatch_events.community_code,
        cast(dispatch_events.reported_at as date) as reported_date,
        dispatch_events.needs_arrival,
        {{ within_limit(seconds_between('dispatch_events.reported_at', 'dispatch_events.dispatched_at'), 60) }}
            as is_dispatched_in_1min,
        {{ within_limit(seconds_between('dispatch_events.reported_at', 'dispatch_events.arrived_at'), 300) }}
            as is_arrived_in_5min,
        {{ within_limit(seconds_between('dispatch_events.reported_at', 'dispatch_events.first_handled_at'), 600) }}
            as is_handled_in_10min,
    from dispatch_events
    where not dispatch_events.is_returned

),

event_periods as (

    select
        periods.period,
        counted_events.community_code,
        counted_events.reported_date between periods.period_start and periods.period_end as is_reported,
        counted_events.needs_arrival,
        counted_events.is_dispatched_in_1min,
        counted_events.is_arrived_in_5min,
        counted_events.is_handled_in_10min,
    from periods
    cross join counted_events

),

aggregated as (

    select
        event_periods.period,
        case when grouping(event_periods.community_code) = 1 then 'ALL'
            else event_periods.community_code end as community_code,
        count(*) filter (where event_periods.is_reported) as dp_events,
        count(*) filter (where event_periods.is_reported and event_periods.is_dispatched_in_1min) as dp_dispatched_1min,
        count(*) filter (where event_periods.is_reported and event_periods.needs_arrival) as dp_needs_arrival,
        count(*) filter (
            where event_periods.is_reported and event_periods.needs_arrival and event_periods.is_arrived_in_5min
        ) as dp_arrived_5min,
        count(*) filter (
            where event_periods.is_reported and event_periods.needs_arrival and event_periods.is_handled_in_10min
        ) as dp_handled_10min,
    from event_periods
    group by grouping sets ((event_periods.period), (event_periods.period, event_periods.community_code))

)

select * from aggregated
