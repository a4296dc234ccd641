-- Wide scorecard: one row per quarter and community, one column per indicator value
-- (columns named after the indicator codes in lower case, read from the dictionary).

-- depends_on: {{ ref('dim_indicator') }}
{%- set codes = [] %}
{%- set dictionary = adapter.get_relation(
    database=ref('dim_indicator').database, schema=ref('dim_indicator').schema, identifier=ref('dim_indicator').identifier
) if execute else none %}
{%- if dictionary is not none %}
    {%- set result = run_query('select indicator_code from ' ~ dictionary ~ ' order by indicator_code') %}
    {%- for row in result.rows %}
        {%- if not modules.re.match('^[A-Z][A-Z0-9_]*$', row[0]) %}{{ exceptions.raise_compiler_error('indicator code not usable as a column: ' ~ row[0]) }}{% endif %}
        {%- do codes.append(row[0]) %}
    {%- endfor %}
{%- endif %}

with quarterly as (

    select * from {{ ref('fct_indicator_quarterly') }}

),

scorecard as (

    select
        quarterly.year,
        quarterly.quarter,
        quarterly.period,
        quarterly.period_start,
        quarterly.period_end,
        quarterly.community_code,
        {%- for code in codes %}
        max(quarterly.value) filter (where quarterly.indicator_code = '{{ code }}') as {{ code | lower }},
        {%- endfor %}
    from quarterly
    group by
        quarterly.year,
        quarterly.quarter,
        quarterly.period,
        quarterly.period_start,
        quarterly.period_end,
        quarterly.community_code

)

select * from scorecard
