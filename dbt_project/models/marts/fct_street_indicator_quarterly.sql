-- BI star schema: the quarterly indicators of the whole subdistrict (the ALL rows), one row per
-- indicator and period: the figure of a period is its one row.

{{ star_facts('fct_indicator_quarterly', 'street') }}
