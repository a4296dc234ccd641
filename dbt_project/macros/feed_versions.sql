{#- The `*_versions` model of a feed: every version of every record of raw.<feed>, appended per new
    load (incremental on _load_id, so the nightly build takes in only new loads, and rolwh.transform.build can
    tell which feeds have loads the model has not seen). Its columns: version_id (file content hash +
    row number), then the raw table's columns in order, lineage columns last (as
    models/staging/_sources.yml lists them, generated from rolwh/core/contracts.py).

    `columns` says what becomes of a raw column, in its place:
      'new_name'                   renamed;
      ['expr as name', ...]        replaced by these select expressions (a list may keep the column
                                   itself, add derived columns around it, or be empty to drop it).
    Raw columns not named pass through unchanged. Naming a column the raw table does not have is an
    error at compile time. -#}
{% macro feed_versions(feed, columns={}) -%}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = feed_raw_columns(feed) %}
{%- for name in columns if execute and name not in raw_columns %}
    {{ exceptions.raise_compiler_error(
        "feed_versions('" ~ feed ~ "'): raw." ~ feed ~ " has no column '" ~ name ~ "' (its columns: "
        ~ raw_columns | join(', ') ~ "); regenerate _sources.yml with `python -m rolwh.report.specdocs --write`"
    ) }}
{%- endfor %}

with source as (

    {{ new_raw_rows(feed) }}

),

renamed as (

    select
        md5(_file_sha256 || '#' || cast(_row_number as varchar)) as version_id,
        {%- for name in raw_columns %}
        {%- set target = columns.get(name, name) %}
        {%- if target is string %}
        {{ name }}{{ ' as ' ~ target if target != name else '' }},
        {%- else %}
        {%- for expression in target %}
        {{ expression }},
        {%- endfor %}
        {%- endif %}
        {%- endfor %}
    from source

)

select * from renamed
{%- endmacro %}

{#- The columns of raw.<feed> in order, as _sources.yml lists them. Empty while dbt parses (the
    graph is not built yet; nothing runs then). -#}
{% macro feed_raw_columns(feed) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- set node = graph.sources.get('source.' ~ project_name ~ '.raw.' ~ feed) -%}
        {%- if node is none -%}
            {{ exceptions.raise_compiler_error("no source raw." ~ feed ~ " in _sources.yml") }}
        {%- endif -%}
        {%- for name in node.columns -%}
            {%- do names.append(name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
