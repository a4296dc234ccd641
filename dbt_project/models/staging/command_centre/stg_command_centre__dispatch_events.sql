{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('event_id', ref('stg_command_centre__dispatch_event_versions')) }}",
) }}

-- Command-centre events in their latest version (no 更新时间: the latest export wins; of one
-- export date, the latest delivery), with
-- the community of the grid matched against the configured list (else UNKNOWN).

with versions as (

    select * from {{ ref('stg_command_centre__dispatch_event_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('event_id', ref('stg_command_centre__dispatch_event_versions')) }}

),

community_keys as (

    select * from {{ ref('stg_config__community_keys') }}

),

latest as (

    select * from versions
    {{ latest_version_qualify(['event_id'], has_updated_at=false) }}

),

matched as (

    select
        latest.event_id,
        latest.event_type,
        latest.grid_raw,
        {{ grid_community('latest.grid_raw') }} as community_raw,
        coalesce(community_keys.community_code, 'UNKNOWN') as community_code,
        latest.reported_at,
        latest.dispatched_at,
        latest.arrived_at,
        latest.first_handled_at,
        latest.needs_arrival,
        latest.handling_status,
        latest.is_returned,
        latest.version_id,
        latest._export_date,
        latest._file_name,
        latest._row_number,
        latest._loaded_at,
    from latest
    left join community_keys
        on {{ community_key(grid_community('latest.grid_raw')) }} = community_keys.community_key

)

select * from matched
