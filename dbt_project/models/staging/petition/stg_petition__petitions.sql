{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_records_with_new_versions('petition_id', ref('stg_petition__petition_versions')) }}",
) }}

-- Petitions in their latest version, voided records removed, community matched (else UNKNOWN).

with versions as (

    select * from {{ ref('stg_petition__petition_versions') }}
    {{ as_of_filter(var('as_of_date', none)) }}
    {{ only_records_with_new_versions('petition_id', ref('stg_petition__petition_versions')) }}

),

community_keys as (

    select * from {{ ref('stg_config__community_keys') }}

),

latest as (

    select * from versions
    {{ latest_version_qualify(['petition_id']) }}

),

matched as (

    select
        latest.petition_id,
        latest.registered_date,
        latest.petition_form,
        latest.petitioner_pid,
        latest.people_involved,
        latest.issue_category,
        latest.community_raw,
        coalesce(community_keys.community_code, 'UNKNOWN') as community_code,
        latest.acceptance_status,
        latest.notified_date,
        latest.closed_date,
        latest.handling_status,
        latest.satisfaction,
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
