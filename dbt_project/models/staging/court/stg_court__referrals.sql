{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('referral_id', ref('stg_court__referral_versions')) }}",
) }}

-- Court referrals in their latest version (更新时间, export date, delivery order, file name, row), with
-- the community matched against the configured list (no match: UNKNOWN).

with versions as (

    select * from {{ ref('stg_court__referral_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('referral_id', ref('stg_court__referral_versions')) }}

),

community_keys as (

    select * from {{ ref('stg_config__community_keys') }}

),

latest as (

    select
        versions.referral_id,
        versions.referred_date,
        versions.cause,
        versions.applicant_pid,
        versions.claim_amount,
        versions.community_raw,
        versions.mediator,
        versions.mediation_mode,
        versions.mediation_status,
        versions.closed_date,
        versions.is_concluded,
        versions.is_successful,
        versions.is_online,
        versions.is_judicially_confirmed,
        versions.is_data_reviewed,
        versions.updated_at,
        versions.version_id,
        versions._export_date,
        versions._file_name,
        versions._row_number,
        versions._loaded_at,
    from versions
    {{ latest_version_qualify(['referral_id'], relation='versions') }}

),

matched as (

    select
        latest.referral_id,
        latest.referred_date,
        latest.cause,
        latest.applicant_pid,
        latest.claim_amount,
        latest.community_raw,
        coalesce(community_keys.community_code, 'UNKNOWN') as community_code,
        latest.mediator,
        latest.mediation_mode,
        latest.mediation_status,
        latest.closed_date,
        latest.is_concluded,
        latest.is_successful,
        latest.is_online,
        latest.is_judicially_confirmed,
        latest.is_data_reviewed,
        latest.updated_at,
        latest.version_id,
        latest._export_date,
        latest._file_name,
        latest._row_number,
        latest._loaded_at,
    from latest
    left join community_keys
        on {{ community_key('latest.community_raw') }} = community_keys.community_key

)

select * from matched
