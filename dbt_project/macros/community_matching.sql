{#- Community matching (sources.md "Values"), driven by the vars in dbt_project.yml. -#}

{#- A community text as it is compared: no white space, configured prefixes and suffixes removed.
    NFKC is already applied at ingest. Blank -> NULL. -#}
{% macro community_key(expr) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace({{ expr }}, '\s+', '', 'g'),
                '^(?:{{ var("community_prefixes") | join("|") }})+', ''
            ),
            '(?:{{ var("community_suffixes") | join("|") }})+$', ''
        ),
        ''
    )
{%- endmacro %}

{#- The same key with one kind ending (社区 / 村) removed, so a name matches with or without it. -#}
{% macro strip_kind_suffix(expr) -%}
    regexp_replace({{ expr }}, '(?:{{ var("community_kind_suffixes") | join("|") }})$', '')
{%- endmacro %}

{#- The community part of a dispatch grid name: what comes before `第N网格` / `N网格`. -#}
{% macro grid_community(expr) -%}
    nullif(regexp_replace(regexp_replace({{ expr }}, '\s+', '', 'g'), '{{ var("grid_pattern") }}', ''), '')
{%- endmacro %}
