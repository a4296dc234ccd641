-- The family measures as one row per (period, community, indicator): which measure is the
-- numerator and which the denominator of each indicator code (counts: no denominator), as the
-- indicator dictionary (seeds/indicators.csv: family_model, numerator_measure,
-- denominator_measure) says. The dictionary is read when the model is compiled for a run (it is
-- a parent, so it is built first; a nightly build that skips seeds reads the unchanged table).

-- The indicator families: dbt must know a model's parents before it reads any data, so they are
-- listed here; the dictionary may only name these (a compile error says otherwise).
{%- set families = [
    'int_court_referral_indicators',
    'int_dispute_indicators',
    'int_petition_indicators',
    'int_dispatch_indicators',
    'int_training_indicators',
    'int_legal_advisor_indicators',
    'int_publicity_indicators',
] %}
{%- set indicators = indicator_dictionary(ref('indicators'), families) %}

with
{% for family in families %}
{{ family }} as (

    select * from {{ ref(family) }}

),
{% endfor %}

observations as (
{% for indicator in indicators %}
    {%- set family = indicator.family_model %}
    select
        {{ family }}.period,
        {{ family }}.community_code,
        '{{ indicator.indicator_code }}' as indicator_code,
        cast({{ family }}.{{ indicator.numerator_measure }} as double) as numerator,
        cast({{ family ~ '.' ~ indicator.denominator_measure if indicator.denominator_measure else 'null' }} as double) as denominator,
    from {{ family }}
    {% if not loop.last %}union all{% endif %}
{% else %}
    select
        cast(null as varchar) as period,
        cast(null as varchar) as community_code,
        cast(null as varchar) as indicator_code,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
    where false
{% endfor %}
)

select * from observations
