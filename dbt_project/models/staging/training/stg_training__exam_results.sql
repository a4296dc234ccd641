{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('exam_result_id', ref('stg_training__exam_result_versions')) }}",
) }}

-- Exam results in their latest version per (考试名称, 人员编号): the latest export wins (of one
-- export date, the latest delivery).

with versions as (

    select * from {{ ref('stg_training__exam_result_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('exam_result_id', ref('stg_training__exam_result_versions')) }}

),

latest as (

    select * from versions
    {{ latest_version_qualify(['exam_result_id'], has_updated_at=false) }}

),

final as (

    select
        latest.exam_result_id,
        latest.exam_name,
        latest.exam_category,
        latest.exam_date,
        latest.person_pid,
        latest.department,
        latest.is_required,
        latest.attendance_status,
        latest.score,
        latest.pass_status,
        latest.version_id,
        latest._export_date,
        latest._file_name,
        latest._row_number,
        latest._loaded_at,
    from latest

)

select * from final
