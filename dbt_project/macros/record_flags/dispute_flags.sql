{#- Disputes per period: one row per (period, dispute) that counts in a measure, with the measure
    flags (named as the measures of int_dispute_indicators) and the record's lineage.
    Every (period, record) pair, flagged or not (the family
    counts its rows per community, so a community with records keeps its zero rows). -#}
{% macro dispute_flags() -%}
with disputes as (

    select * from {{ ref('stg_petition__disputes') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

dispute_periods as (

    select
        periods.period,
        disputes.community_code,
        disputes.dispute_id as record_key,
        disputes.registered_date as opened_date,
        disputes.resolved_date as closed_date,
        disputes.resolution_status as status,
        disputes._file_name as source_file,
        disputes._row_number as source_row,
        disputes.registered_date between periods.period_start and periods.period_end as is_registered,
        coalesce(
            disputes.resolution_status = '已化解'
            and disputes.resolved_date between periods.period_start and periods.period_end,
            false
        ) as is_resolved_in_period,
        coalesce(
            disputes.resolution_status = '已化解'
            and disputes.resolved_date <= periods.period_end
            and {{ days_between('disputes.registered_date', 'disputes.resolved_date') }} >= 0,
            false
        ) as is_resolved_by_end,
        disputes.dispute_source = '排查发现' and disputes.dispute_level in ('较大', '重大') as is_major_screened,
        disputes.has_dossier,
    from periods
    cross join disputes

),

flagged as (

    select
        dispute_periods.period,
        dispute_periods.community_code,
        dispute_periods.record_key,
        dispute_periods.opened_date,
        dispute_periods.closed_date,
        dispute_periods.status,
        dispute_periods.source_file,
        dispute_periods.source_row,
        coalesce(dispute_periods.is_registered, false) as ds_registered,
        dispute_periods.is_resolved_in_period as ds_resolved,
        coalesce(dispute_periods.is_registered and dispute_periods.is_resolved_by_end, false)
            as ds_registered_resolved_by_end,
        coalesce(dispute_periods.is_registered and dispute_periods.is_major_screened, false) as ds_major_screened,
        coalesce(dispute_periods.is_resolved_in_period and dispute_periods.has_dossier, false) as ds_dossiers,
    from dispute_periods

)

select * from flagged
{%- endmacro %}
