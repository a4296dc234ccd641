-- BI star schema: the annual indicators of the whole subdistrict (the ALL rows), one row per
-- indicator and period: the figure of a period is its one row.

{{ star_facts('fct_indicator_annual', 'street') }}
