{#- A fact table of the BI star schema from a long mart (fct_indicator_quarterly / _annual):
    `level` 'community' keeps the community and UNKNOWN rows (never ALL), 'street' keeps only the
    ALL rows. Counts become BIGINT; a count indicator's figure is count_value, a ratio's is
    ratio_value, and a ratio keeps its numerator and denominator. -#}
{% macro star_facts(long_model, level) -%}
{%- set quarterly = long_model.endswith('quarterly') %}
with long as (

    select * from {{ ref(long_model) }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

final as (

    select
        long.year,
        {%- if quarterly %}
        long.quarter,
        {%- endif %}
        long.period,
        long.community_code,
        long.indicator_code,
        cast(long.numerator as bigint) as numerator,
        cast(long.denominator as bigint) as denominator,
        case when indicators.unit = 'count' then cast(long.numerator as bigint) end as count_value,
        case when indicators.unit = 'ratio' then long.value end as ratio_value,
    from long
    inner join indicators
        on long.indicator_code = indicators.indicator_code
    where long.community_code {{ "<> 'ALL'" if level == 'community' else "= 'ALL'" }}

)

select * from final
{%- endmacro %}
