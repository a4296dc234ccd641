{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('activity_id', ref('stg_publicity__activity_versions')) }}",
) }}

-- Publicity activities in their latest version, voided records removed, community matched. An
-- activity of the whole street (所属社区 blank) or with an unmatched community is UNKNOWN: it
-- counts in the street total (ALL) only.

with versions as (

    select * from {{ ref('stg_publicity__activity_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('activity_id', ref('stg_publicity__activity_versions')) }}

),

community_keys as (

    select * from {{ ref('stg_config__community_keys') }}

),

latest as (

    select * from versions
    {{ latest_version_qualify(['activity_id']) }}

),

matched as (

    select
        latest.activity_id,
        latest.activity_date,
        latest.activity_type,
        latest.theme,
        latest.community_raw,
        coalesce(community_keys.community_code, 'UNKNOWN') as community_code,
        latest.audience,
        latest.quantity,
        latest.quantity_is_approx,
        latest.unit,
        latest.organiser,
        latest.updated_at,
        latest.version_id,
        latest._export_date,
        latest._file_name,
        latest._row_number,
        latest._loaded_at,
    from latest
    left join community_keys
        on {{ community_key('latest.community_raw') }} = community_keys.community_key
    where not latest.is_voided

)

select * from matched
