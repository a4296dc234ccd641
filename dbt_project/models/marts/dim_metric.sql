-- One reusable definition per ratio indicator: the figure is sum(numerator) / sum(denominator)
-- over any set of rows of one period (communities, a street, several streets), never an average
-- of ratios. Names the count indicators whose values are the numerator and the denominator,
-- where the dictionary has one with the same measure.

with indicators as (

    select * from {{ ref('indicators') }}

),

counts as (

    select
        indicators.numerator_measure as measure,
        min(indicators.indicator_code) as indicator_code,
    from indicators
    where indicators.unit = 'count'
    group by indicators.numerator_measure

),

final as (

    select
        indicators.indicator_code as metric_code,
        indicators.name_zh,
        indicators.name_en,
        indicators.numerator_measure,
        indicators.denominator_measure,
        numerators.indicator_code as numerator_indicator_code,
        denominators.indicator_code as denominator_indicator_code,
        'sum(numerator) / nullif(sum(denominator), 0)' as expression_sql,
        'sum(分子) / sum(分母)' as expression_zh,
        indicators.definition_zh,
    from indicators
    left join counts as numerators
        on indicators.numerator_measure = numerators.measure
    left join counts as denominators
        on indicators.denominator_measure = denominators.measure
    where indicators.unit = 'ratio'

)

select * from final
