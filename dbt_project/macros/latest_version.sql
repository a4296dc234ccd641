{#- Keep the latest version of each record (sources.md "Versions of a record"): by 更新时间 where
    the feed has it, then by export date, then by file name, then by row order. -#}
{% macro latest_version_qualify(key_columns, has_updated_at=true) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            {%- if has_updated_at %}
            updated_at desc nulls last,
            {%- endif %}
            _export_date desc,
            _file_name desc,
            _row_number desc
    ) = 1
{%- endmacro %}
