{#- Command-centre events per period: one row per (period, event) that counts in a measure, with the
    measure flags (named as the measures of int_dispatch_indicators) and the record's lineage.
    Returned events (处置状态 = 已退回) count nowhere; durations run from 上报时间, in seconds.
    Every (period, record) pair, flagged or not (the family
    counts its rows per community, so a community with records keeps its zero rows). -#}
{% macro dispatch_flags() -%}
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
        cast(dispatch_events.first_handled_at as date) as handled_date,
        dispatch_events.handling_status,
        dispatch_events._file_name,
        dispatch_events._row_number,
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
        counted_events.event_id as record_key,
        counted_events.reported_date as opened_date,
        counted_events.handled_date as closed_date,
        counted_events.handling_status as status,
        counted_events._file_name as source_file,
        counted_events._row_number as source_row,
        counted_events.reported_date between periods.period_start and periods.period_end as is_reported,
        counted_events.needs_arrival,
        counted_events.is_dispatched_in_1min,
        counted_events.is_arrived_in_5min,
        counted_events.is_handled_in_10min,
    from periods
    cross join counted_events

),

flagged as (

    select
        event_periods.period,
        event_periods.community_code,
        event_periods.record_key,
        event_periods.opened_date,
        event_periods.closed_date,
        event_periods.status,
        event_periods.source_file,
        event_periods.source_row,
        coalesce(event_periods.is_reported, false) as dp_events,
        coalesce(event_periods.is_reported and event_periods.is_dispatched_in_1min, false) as dp_dispatched_1min,
        coalesce(event_periods.is_reported and event_periods.needs_arrival, false) as dp_needs_arrival,
        coalesce(
            event_periods.is_reported and event_periods.needs_arrival and event_periods.is_arrived_in_5min, false
        ) as dp_arrived_5min,
        coalesce(
            event_periods.is_reported and event_periods.needs_arrival and event_periods.is_handled_in_10min, false
        ) as dp_handled_10min,
    from event_periods

)

select * from flagged
{%- endmacro %}
