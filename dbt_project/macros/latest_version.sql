{#- Keep the latest version of each record (sources.md "Versions of a record", the rule in the
    rolwh.core.contracts docstring): by 更新时间 where the feed has it, then by export date, then by
    delivery order (_loaded_at: the order ingest committed the files, so a corrected export
    delivered again under the same export date wins whatever its name), then by file name and row
    order. `relation` qualifies the columns when the select joins several relations. -#}
{% macro latest_version_qualify(key_columns, has_updated_at=true, relation=none) -%}
    {%- set p = (relation ~ '.') if relation else '' %}
    qualify row_number() over (
        partition by {% for k in key_columns %}{{ p }}{{ k }}{{ ', ' if not loop.last }}{% endfor %}
        order by
            {%- if has_updated_at %}
            {{ p }}updated_at desc nulls last,
            {%- endif %}
            {{ p }}_export_date desc,
            {{ p }}_loaded_at desc,
            {{ p }}_file_name desc,
            {{ p }}_row_number desc
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
