{#- The rows of a raw table that an incremental versions model has not seen yet (new loads). -#}
{% macro new_raw_rows(table_name) %}
    select * from {{ source('raw', table_name) }}
    {% if is_incremental() %}
    where _load_id not in (select this._load_id from {{ this }} as this where this._load_id is not null)
    {% endif %}
{% endmacro %}
