{{ config(alias='fct_street_indicator_quarterly') }}

-- 中文列名视图 / Chinese column names over marts.fct_street_indicator_quarterly.

{{ cn_facts('fct_street_indicator_quarterly') }}
