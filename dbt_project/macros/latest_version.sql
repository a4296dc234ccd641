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

{#- Incremental latest-version tables. On an incremental run only the records that received a
    version loaded after the table's newest row are recomputed, each from all its versions: the
    pre-hook deletes them, the model appends them again (a record voided in its latest version
    stays out). The newest row may lag (its record voided since): that only recomputes more
    records, never fewer. A change of the project, its vars or dbt is rebuilt in full
    (rolwh.transform.build passes --full-refresh when the fingerprint differs from the last build's). -#}
{% macro keys_with_new_versions(key, versions) -%}
    select {{ key }} from {{ versions }}
    where _loaded_at > (select coalesce(max(_loaded_at), timestamp '-infinity') from {{ this }})
{%- endmacro %}

{% macro delete_records_with_new_versions(key, versions) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key }} in ({{ keys_with_new_versions(key, versions) }})
    {%- endif -%}
{%- endmacro %}

{#- `and ...` after the as-of `where`: on an incremental run, the versions of the records that
    the pre-hook deleted (and of new records). -#}
{% macro only_records_with_new_versions(key, versions) -%}
    {%- if is_incremental() %}
    and {{ key }} in ({{ keys_with_new_versions(key, versions) }})
    and {{ key }} not in (select {{ key }} from {{ this }} where {{ key }} is not null)
    {%- endif -%}
{%- endmacro %}
