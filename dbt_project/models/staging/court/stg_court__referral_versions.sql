{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Every version of every court referral, typed and renamed; appended per new load.

with source as (

    {{ new_raw_rows('court_referrals') }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        case_no as referral_id,
        referred_date,
        cause,
        applicant_id_pid as applicant_pid,
        applicant_id_valid as is_applicant_id_valid,
        applicant_phone_pid,
        claim_amount,
        community_raw,
        mediator,
        mediation_mode,
        mediation_status,
        closed_date,
        judicial_confirmation,
        coalesce(data_review, '否') as data_review,
        mediation_status <> '调解中' as is_concluded,
        mediation_status = '调解成功' as is_successful,
        mediation_mode = '线上调解' as is_online,
        coalesce(judicial_confirmation = '是', false) as is_judicially_confirmed,
        coalesce(data_review = '是', false) as is_data_reviewed,
        updated_at,
        _file_name,
        _file_sha256,
        _export_date,
        _row_number,
        _load_id,
        _loaded_at,
    from source

)

select * from renamed
