{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every version of every exam result, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('exam_results') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        md5(exam_name || '#' || person_pid) as exam_result_id,
        exam_name,
        exam_category,
        exam_date,
        person_pid,
        person_id_pid,
        person_id_valid as is_person_id_valid,
        department,
        is_required = '是' as is_required,
        attendance_status,
        score,
        pass_status,
        _file_name,
        _file_sha256,
        _export_date,
        _row_number,
        _load_id,
        _loaded_at,
    from source

)

select * from renamed
