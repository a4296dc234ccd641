{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every version of every petition, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('petitions') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        petition_no as petition_id,
        registered_date,
        petition_form,
        petitioner_id_pid as petitioner_pid,
        petitioner_id_valid as is_petitioner_id_valid,
        petitioner_phone_pid,
        coalesce(people_involved, 1) as people_involved,
        issue_category,
        community_raw,
        acceptance_status,
        notified_date,
        closed_date,
        handling_status,
        satisfaction,
        coalesce(record_status, '正常') as record_status,
        coalesce(record_status = '作废', false) as is_voided,
        updated_at,
        _file_name,
        _file_sha256,
        _export_date,
        _row_number,
        _load_id,
        _loaded_at,
    from source

)

select * from renamed
