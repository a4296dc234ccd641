{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every roster snapshot row of the enforcement officers, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('enforcement_officers') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        _export_date as snapshot_date,
        person_pid,
        person_id_pid,
        person_id_valid as is_person_id_valid,
        is_enforcement_post = '是' as is_enforcement_post,
        certificate_no,
        certificate_issued_date,
        certificate_valid_until,
        certificate_status,
        _file_name,
        _file_sha256,
        _export_date,
        _row_number,
        _load_id,
        _loaded_at,
    from source

)

select * from renamed
