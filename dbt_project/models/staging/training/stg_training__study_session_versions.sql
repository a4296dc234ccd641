{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every version of every study session, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('study_sessions') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        session_no as session_id,
        session_date,
        session_type,
        topic,
        speaker,
        attendees,
        organiser,
        _file_name,
        _file_sha256,
        _export_date,
        _row_number,
        _load_id,
        _loaded_at,
    from source

)

select * from renamed
