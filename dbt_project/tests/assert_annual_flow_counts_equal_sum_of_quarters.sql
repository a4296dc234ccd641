-- A flow count over a year equals the sum of its quarters (indicators.md). Only additive counts
-- (dim_indicator.is_additive): a distinct-person count such as TR_ENFORCEMENT_EXAM_PASSED counts a
-- person passing in two quarters once in the year.

with quarterly as (

    select * from {{ ref('fct_indicator_quarterly') }}

),

annual as (

    select * from {{ ref('fct_indicator_annual') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

quarter_sums as (

    select
        quarterly.year,
        quarterly.community_code,
        quarterly.indicator_code,
        sum(quarterly.numerator) as numerator,
    from quarterly
    group by quarterly.year, quarterly.community_code, quarterly.indicator_code

)

select
    annual.year,
    annual.community_code,
    annual.indicator_code,
    annual.numerator as annual_numerator,
    quarter_sums.numerator as sum_of_quarters,
from annual
inner join indicators
    on annual.indicator_code = indicators.indicator_code
left join quarter_sums
    on annual.year = quarter_sums.year
    and annual.community_code = quarter_sums.community_code
    and annual.indicator_code = quarter_sums.indicator_code
where indicators.is_additive
    and coalesce(annual.numerator, 0) <> coalesce(quarter_sums.numerator, 0)
