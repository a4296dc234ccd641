-- value = numerator for counts (denominator NULL); numerator / denominator for ratios, NULL
-- when the denominator is 0 or NULL; never NaN; numerators never exceed ratio denominators.

with facts as (

    select period, community_code, indicator_code, numerator, denominator, value
    from {{ ref('fct_indicator_quarterly') }}
    union all
    select period, community_code, indicator_code, numerator, denominator, value
    from {{ ref('fct_indicator_annual') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

)

select facts.*
from facts
inner join indicators
    on facts.indicator_code = indicators.indicator_code
where isnan(coalesce(facts.value, 0))
    or (indicators.unit = 'count' and (facts.denominator is not null or facts.value is distinct from facts.numerator))
    or (indicators.unit = 'ratio' and coalesce(facts.denominator, 0) = 0 and facts.value is not null)
    or (indicators.unit = 'ratio' and facts.denominator > 0
        and (abs(facts.value - facts.numerator / facts.denominator) > 1e-12 or facts.numerator > facts.denominator))
