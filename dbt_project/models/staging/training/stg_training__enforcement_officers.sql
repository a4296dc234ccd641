-- Roster snapshots of the enforcement officers, kept side by side (one per export date); a
-- person listed twice in one day's exports counts once (latest file, latest row).

with versions as (

    select * from {{ ref('stg_training__enforcement_officer_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}

),

deduplicated as (

    select * from versions
    {{ latest_version_qualify(['snapshot_date', 'person_pid'], has_updated_at=false) }}

),

final as (

    select
        md5(cast(deduplicated.snapshot_date as varchar) || '#' || deduplicated.person_pid) as officer_snapshot_id,
        deduplicated.snapshot_date,
        deduplicated.person_pid,
        deduplicated.is_enforcement_post,
        deduplicated.certificate_no,
        deduplicated.certificate_issued_date,
        deduplicated.certificate_valid_until,
        deduplicated.certificate_status,
        deduplicated.version_id,
        deduplicated._file_name,
        deduplicated._row_number,
    from deduplicated

)

select * from final
