-- The indicator dictionary (seeds/indicators.csv): names, unit, kind, scope, definition and the
-- order the report lists the indicators in.

with indicators as (

    select * from {{ ref('indicators') }}

),

final as (

    select
        indicators.indicator_code,
        indicators.name_zh,
        indicators.name_en,
        indicators.unit,
        indicators.kind,
        indicators.scope,
        indicators.source_feed,
        indicators.definition_zh,
        indicators.is_additive,
        indicators.display_order,
    from indicators

)

select * from final
