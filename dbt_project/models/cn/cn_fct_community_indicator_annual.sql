{{ config(alias='fct_community_indicator_annual') }}

-- 中文列名视图 / Chinese column names over marts.fct_community_indicator_annual.

{{ cn_facts('fct_community_indicator_annual') }}
