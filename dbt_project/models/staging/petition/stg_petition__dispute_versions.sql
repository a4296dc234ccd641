{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every version of every dispute of the ledger, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('disputes') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        dispute_no as dispute_id,
        registered_date,
        dispute_source,
        dispute_type,
        dispute_level,
        community_raw,
        party_id_pids as party_pids,
        party_id_invalid_count,
        mediation_org,
        resolution_status,
        resolved_date,
        coalesce(has_dossier = '是', false) as has_dossier,
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
