-- The indicator dictionary (seeds/indicators.csv): names, unit, kind, scope and definition.

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
    from indicators

)

select * from final
