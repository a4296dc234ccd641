{#- Post-hook of rpt_quarterly_scorecard: its indicator columns come from the dictionary, so their
    comments do too ("name_zh / name_en (unit)"); persist_docs describes the fixed columns. -#}
{% macro comment_indicator_columns(relation) -%}
{%- if execute %}
    {%- set rows = run_query('select indicator_code, name_zh, name_en, unit from ' ~ ref('dim_indicator')) %}
    {%- for row in rows.rows %}
comment on column {{ relation }}.{{ row[0] | lower }} is {{ duckdb_escape_comment(row[1] ~ '(' ~ ('计数' if row[3] == 'count' else '比率') ~ ')/ ' ~ row[2] ~ ' (' ~ row[3] ~ ')') }};
    {%- endfor %}
{%- endif %}
{%- endmacro %}
