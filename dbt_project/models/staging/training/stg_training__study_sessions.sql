-- Study sessions in their latest version (no 更新时间: the latest export wins).

with versions as (

    select * from {{ ref('stg_training__study_session_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}

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
    from latest

)

select * from final
