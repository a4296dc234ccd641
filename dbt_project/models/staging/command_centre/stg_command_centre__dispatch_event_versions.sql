{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every version of every command-centre event, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('dispatch_events') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        event_no as event_id,
        event_type,
        grid_raw,
        reported_at,
        dispatched_at,
        arrived_at,
        first_handled_at,
        needs_arrival = '是' as needs_arrival,
        handling_status,
        handling_status = '已退回' as is_returned,
        _file_name,
        _file_sha256,
        _export_date,
        _row_number,
        _load_id,
        _loaded_at,
    from source

)

select * from renamed
