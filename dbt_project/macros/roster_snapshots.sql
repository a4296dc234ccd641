{#- The roster snapshot a stock indicator reads for each period of `periods`: the one with the
    latest export date <= end(P) (none yet: NULL). `roster` names a relation or CTE with a
    snapshot_date column (the export date of each roster row). Columns: period, period_end,
    snapshot_date. -#}
{% macro period_snapshots(roster, periods='periods') -%}
    select
        {{ periods }}.period,
        {{ periods }}.period_end,
        max(snapshot_dates.snapshot_date) as snapshot_date,
    from {{ periods }}
    left join (select distinct {{ roster }}.snapshot_date from {{ roster }}) as snapshot_dates
        on snapshot_dates.snapshot_date <= {{ periods }}.period_end
    group by {{ periods }}.period, {{ periods }}.period_end
{%- endmacro %}
