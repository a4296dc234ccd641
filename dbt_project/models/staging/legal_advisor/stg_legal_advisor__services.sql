{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('service_id', ref('stg_legal_advisor__service_versions')) }}",
) }}

-- Legal advisor services in their latest version, voided records removed, community matched.
-- A service to the street (服务对象 = 街道, 所属社区 blank) or with an unmatched community is
-- UNKNOWN: it counts in the street total (ALL) only.

with versions as (

    select * from {{ ref('stg_legal_advisor__service_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('service_id', ref('stg_legal_advisor__service_versions')) }}

),

community_keys as (

    select * from {{ ref('stg_config__community_keys') }}

),

latest as (

    select * from versions
    {{ latest_version_qualify(['service_id']) }}

),

matched as (

    select
        latest.service_id,
        latest.service_date,
        latest.client_level,
        latest.community_raw,
        coalesce(community_keys.community_code, 'UNKNOWN') as community_code,
        latest.service_type,
        latest.quantity,
        latest.quantity_is_approx,
        latest.law_firm,
        latest.lawyer,
        latest.client_phone_pid,
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
