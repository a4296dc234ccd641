{#- Measure flags: a family's macros/record_flags/<family>_flags macro flags, per (period, record),
    which measures the record counts in (one boolean column per measure, named as the measure). The
    family's int_*_indicators model counts the flags; its int_*_records model keeps the flagged rows
    with their lineage, which marts.fct_indicator_records lists: one set of predicates for both. -#}

{#- The record-based families: their records model and measures (read by the families, their
    records models, fct_indicator_records and its test). -#}
{% macro record_families() -%}
    {{ return({
        'int_court_referral_indicators': {'records': 'int_court_referral_records', 'measures': [
            'cr_received', 'cr_concluded', 'cr_success', 'cr_timely', 'cr_online',
            'cr_judicially_confirmed', 'cr_data_reviewed', 'cr_pending_end']},
        'int_dispute_indicators': {'records': 'int_dispute_records', 'measures': [
            'ds_registered', 'ds_resolved', 'ds_registered_resolved_by_end', 'ds_major_screened', 'ds_dossiers']},
        'int_petition_indicators': {'records': 'int_petition_records', 'measures': [
            'pt_received', 'pt_notice_due', 'pt_notified_timely', 'pt_close_due', 'pt_closed_timely',
            'pt_rated', 'pt_satisfied', 'pt_repeat']},
        'int_dispatch_indicators': {'records': 'int_dispatch_records', 'measures': [
            'dp_events', 'dp_dispatched_1min', 'dp_needs_arrival', 'dp_arrived_5min', 'dp_handled_10min']},
    }) }}
{%- endmacro %}

{#- The family model: its measures counted from the flags (the rendered macros/record_flags macro). -#}
{% macro count_family_measures(family, flags_sql) -%}
    {{ count_measure_flags('(' ~ flags_sql ~ ')', record_families()[family].measures) }}
{%- endmacro %}

{#- Keep the (period, record) rows that count in at least one of the family's measures. -#}
{% macro any_measure(family) -%}
    {%- for measure in record_families()[family].measures %}coalesce({{ measure }}, false){% if not loop.last %} or {% endif %}{% endfor -%}
{%- endmacro %}

{#- The family's measures per period and community, plus ALL over every record: the flags counted. -#}
{% macro count_measure_flags(records, measures) -%}
select
    records.period,
    case when grouping(records.community_code) = 1 then 'ALL' else records.community_code end as community_code,
    {%- for measure in measures %}
    count(*) filter (where records.{{ measure }}) as {{ measure }},
    {%- endfor %}
from {{ records }} as records
group by grouping sets ((records.period), (records.period, records.community_code))
{%- endmacro %}
