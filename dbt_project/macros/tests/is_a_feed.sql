{#- Generic test: the column holds names of feeds, the tables of source `raw` (_sources.yml, generated
    from rolwh/core/contracts.py FEEDS), so the accepted values follow the contract. -#}
{% test is_a_feed(model, column_name) %}
    {%- set feeds = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
            {%- do feeds.append(node.name) -%}
        {%- endfor -%}
    {%- endif %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} not in ('{{ feeds | join("', '") }}')
{% endtest %}
