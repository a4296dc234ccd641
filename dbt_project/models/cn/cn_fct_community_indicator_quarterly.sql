{{ config(alias='fct_community_indicator_quarterly') }}

-- 中文列名视图 / Chinese column names over marts.fct_community_indicator_quarterly.

{{ cn_facts('fct_community_indicator_quarterly') }}
