-- The family measures as one row per (period, community, indicator): which measure is the
-- numerator and which the denominator of each indicator code (counts: no denominator).

{%- set indicators = [
    ('int_court_referral_indicators', 'CR_RECEIVED', 'cr_received', none),
    ('int_court_referral_indicators', 'CR_CONCLUDED', 'cr_concluded', none),
    ('int_court_referral_indicators', 'CR_SUCCESS', 'cr_success', none),
    ('int_court_referral_indicators', 'CR_SUCCESS_RATE', 'cr_success', 'cr_concluded'),
    ('int_court_referral_indicators', 'CR_TIMELY_RATE', 'cr_timely', 'cr_concluded'),
    ('int_court_referral_indicators', 'CR_ONLINE_SHARE', 'cr_online', 'cr_concluded'),
    ('int_court_referral_indicators', 'CR_JUDICIAL_CONFIRM_RATE', 'cr_judicially_confirmed', 'cr_success'),
    ('int_court_referral_indicators', 'CR_DATA_REVIEW_SHARE', 'cr_data_reviewed', 'cr_success'),
    ('int_court_referral_indicators', 'CR_PENDING_END', 'cr_pending_end', none),
    ('int_dispute_indicators', 'DS_REGISTERED', 'ds_registered', none),
    ('int_dispute_indicators', 'DS_RESOLVED', 'ds_resolved', none),
    ('int_dispute_indicators', 'DS_RESOLUTION_RATE', 'ds_registered_resolved_by_end', 'ds_registered'),
    ('int_dispute_indicators', 'DS_MAJOR_SCREENED', 'ds_major_screened', none),
    ('int_dispute_indicators', 'DS_DOSSIERS', 'ds_dossiers', none),
    ('int_petition_indicators', 'PT_RECEIVED', 'pt_received', none),
    ('int_petition_indicators', 'PT_TIMELY_NOTICE_RATE', 'pt_notified_timely', 'pt_notice_due'),
    ('int_petition_indicators', 'PT_TIMELY_CLOSE_RATE', 'pt_closed_timely', 'pt_close_due'),
    ('int_petition_indicators', 'PT_SATISFACTION_RATE', 'pt_satisfied', 'pt_rated'),
    ('int_petition_indicators', 'PT_REPEAT_RATE', 'pt_repeat', 'pt_received'),
    ('int_dispatch_indicators', 'DP_EVENTS', 'dp_events', none),
    ('int_dispatch_indicators', 'DP_DISPATCH_1MIN_RATE', 'dp_dispatched_1min', 'dp_events'),
    ('int_dispatch_indicators', 'DP_ARRIVE_5MIN_RATE', 'dp_arrived_5min', 'dp_needs_arrival'),
    ('int_dispatch_indicators', 'DP_HANDLE_10MIN_RATE', 'dp_handled_10min', 'dp_needs_arrival'),
    ('int_training_indicators', 'TR_PREMEETING_STUDY', 'tr_premeeting_study', none),
    ('int_training_indicators', 'TR_LAW_LECTURES', 'tr_law_lectures', none),
    ('int_training_indicators', 'TR_GROUP_STUDY', 'tr_group_study', none),
    ('int_training_indicators', 'TR_MEDIATOR_TRAINING_PT', 'tr_mediator_training_pt', none),
    ('int_training_indicators', 'TR_EXAM_PARTICIPATION_RATE', 'tr_exam_attended', 'tr_exam_due'),
    ('int_training_indicators', 'TR_EXAM_PASS_RATE', 'tr_exam_passed', 'tr_exam_attended'),
    ('int_training_indicators', 'TR_ENFORCEMENT_EXAM_PASSED', 'tr_enforcement_exam_passed', none),
    ('int_training_indicators', 'TR_CERTIFIED_OFFICERS', 'tr_certified_officers', none),
    ('int_training_indicators', 'TR_CERT_RATE', 'tr_certified_officers', 'tr_enforcement_posts'),
] %}
{%- set families = [] %}
{%- for family, _, _, _ in indicators %}{% if family not in families %}{% do families.append(family) %}{% endif %}{% endfor %}

with
{% for family in families %}
{{ family }} as (

    select * from {{ ref(family) }}

),
{% endfor %}

observations as (
{% for family, code, numerator, denominator in indicators %}
    select
        {{ family }}.period,
        {{ family }}.community_code,
        '{{ code }}' as indicator_code,
        cast({{ family }}.{{ numerator }} as double) as numerator,
        cast({{ family ~ '.' ~ denominator if denominator else 'null' }} as double) as denominator,
    from {{ family }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
)

select * from observations
