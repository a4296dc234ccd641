{#- The `cn` views read the marts schema without naming the database, so rolwh.serving.publish can
    recreate them unchanged in the serving file (a DuckDB view binds in its own catalog). -#}
{% macro mart(name) -%}
{{ ref(name).include(database=False) }}
{%- endmacro %}

{#- A `cn` view of a star fact table: Chinese column names, with the names of the community, the
    indicator and the period joined in. -#}
{% macro cn_facts(fact_model) -%}
{%- set quarterly = fact_model.endswith('quarterly') %}
{%- set community = fact_model.startswith('fct_community') %}
select
    facts.year as "年份",
    {%- if quarterly %}
    facts.quarter as "季度",
    {%- endif %}
    facts.period as "期间",
    periods.label_zh as "期间名称",
    {%- if community %}
    facts.community_code as "社区代码",
    communities.name_zh as "社区名称",
    {%- endif %}
    facts.indicator_code as "指标代码",
    indicators.name_zh as "指标名称",
    case indicators.unit when 'count' then '计数' when 'ratio' then '比率' end as "单位",
    facts.numerator as "分子",
    facts.denominator as "分母",
    facts.count_value as "计数值",
    facts.ratio_value as "比率值",
from {{ mart(fact_model) }} as facts
inner join {{ mart('dim_period') }} as periods
    on facts.period = periods.period
inner join {{ mart('dim_indicator') }} as indicators
    on facts.indicator_code = indicators.indicator_code
{%- if community %}
inner join {{ mart('dim_community') }} as communities
    on facts.community_code = communities.community_code
{%- endif %}
{%- endmacro %}
