{#- `where` clause of the as-of filter: with var as_of_date set, only raw rows exported on or
    before that date are seen, so an indicator can be recomputed as known on that date. -#}
{#- Called as as_of_filter(var('as_of_date', none)) so unit tests can override the var. -#}
{% macro as_of_filter(as_of, export_date_column='_export_date') -%}
    {%- if as_of is not none and as_of | string | trim not in ('', 'none', 'None', 'null') -%}
        where {{ export_date_column }} <= cast('{{ as_of | string | trim }}' as date)
    {%- else -%}
        where true
    {%- endif -%}
{%- endmacro %}

{#- Seconds from one timestamp to another (NULL when either is NULL; negative when reversed). -#}
{% macro seconds_between(from_ts, to_ts) -%}
    (epoch({{ to_ts }}) - epoch({{ from_ts }}))
{%- endmacro %}

{#- Calendar days from one date to another. -#}
{% macro days_between(from_date, to_date) -%}
    date_diff('day', {{ from_date }}, {{ to_date }})
{%- endmacro %}

{#- True when a non-negative duration is within a limit: a negative duration (data error) never
    meets a target, so it stays in a denominator and never reaches a numerator. -#}
{% macro within_limit(duration, limit) -%}
    coalesce({{ duration }} between 0 and {{ limit }}, false)
{%- endmacro %}
