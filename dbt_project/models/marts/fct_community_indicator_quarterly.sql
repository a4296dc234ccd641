-- BI star schema: the quarterly indicators per community and UNKNOWN, never the street total (ALL),
-- so a sum over every row of an additive count is the street figure.

{{ star_facts('fct_indicator_quarterly', 'community') }}
