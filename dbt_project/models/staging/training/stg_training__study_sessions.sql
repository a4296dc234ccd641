{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('session_id', ref('stg_training__study_session_versions')) }}",
) }}

-- Study sessions in their latest version (no 更新时间: the latest export wins; of one export
-- date, the latest delivery).

with versions as (

    select * from {{ ref('stg_training__study_session_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('session_id', ref('stg_training__study_session_versions')) }}

),

latest as (

    select * from versions
    {{ latest_version_qualify(['session_id'], has_updated_at=false) }}

),

final as (

    select
        latest.session_id,
        latest.session_date,
        latest.session_type,
        latest.topic,
        latest.speaker,
        latest.attendees,
        latest.organiser,
        latest.version_id,
        latest._export_date,
        latest._file_name,
        latest._row_number,
        latest._loaded_at,
    from latest

)

select * from final
