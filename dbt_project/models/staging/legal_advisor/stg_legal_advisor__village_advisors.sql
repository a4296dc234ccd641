-- Roster snapshots of the village legal advisors, kept side by side (one per export date), community
-- matched (else UNKNOWN); an advisor listed twice for one community in one day's exports counts
-- once (latest file, latest row).

with versions as (

    select * from {{ ref('stg_legal_advisor__village_advisor_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}

),

community_keys as (

    select * from {{ ref('stg_config__community_keys') }}

),

deduplicated as (

    select * from versions
    {{ latest_version_qualify(['snapshot_date', 'community_raw', 'lawyer'], has_updated_at=false) }}

),

final as (

    select
        md5(
            cast(deduplicated.snapshot_date as varchar) || '#' || deduplicated.community_raw
            || '#' || deduplicated.lawyer
        ) as advisor_snapshot_id,
        deduplicated.snapshot_date,
        deduplicated.community_raw,
        coalesce(community_keys.community_code, 'UNKNOWN') as community_code,
        deduplicated.law_firm,
        deduplicated.lawyer,
        deduplicated.licence_no_pid,
        deduplicated.appointed_from,
        deduplicated.appointed_until,
        deduplicated.version_id,
        deduplicated._file_name,
        deduplicated._row_number,
    from deduplicated
    left join community_keys
        on {{ community_key('deduplicated.community_raw') }} = community_keys.community_key

)

select * from final
