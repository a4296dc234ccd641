{#- The indicator dictionary's rows (indicator_code, unit, family_model, numerator_measure,
    denominator_measure) read from its seed table when a model is compiled for a run; empty while
    dbt parses. A family not in `families`, an indicator without a numerator, or a ratio without a
    denominator (a count with one) is a compile error naming the indicator. -#}
{% macro indicator_dictionary(dictionary, families) -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- set table = run_query(
            "select indicator_code, unit, family_model, numerator_measure, denominator_measure from "
            ~ dictionary ~ " order by family_model, indicator_code"
        ) -%}
        {%- for row in table.rows -%}
            {%- if row['family_model'] not in families or not row['numerator_measure']
                or (row['unit'] == 'ratio') != (row['denominator_measure'] not in (none, '')) -%}
                {{ exceptions.raise_compiler_error(
                    "indicator " ~ row['indicator_code'] ~ " in seeds/indicators.csv: family_model must be one of "
                    ~ families | join(', ') ~ " (listed in int_indicator_observations.sql), numerator_measure"
                    ~ " a column of it, and denominator_measure set for a ratio only"
                ) }}
            {%- endif -%}
            {%- do rows.append(row) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}
