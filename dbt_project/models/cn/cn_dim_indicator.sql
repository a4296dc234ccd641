{{ config(alias='dim_indicator') }}

-- 中文列名视图 / Chinese column names over marts.dim_indicator.

select
    indicators.indicator_code as "指标代码",
    indicators.name_zh as "指标名称",
    indicators.name_en as "英文名称",
    case indicators.unit when 'count' then '计数' when 'ratio' then '比率' end as "单位",
    case indicators.kind when 'flow' then '流量' when 'cohort' then '队列' when 'stock' then '存量' end as "类型",
    case indicators.scope when 'community' then '社区' when 'subdistrict' then '街道' end as "范围",
    indicators.source_feed as "来源数据",
    indicators.definition_zh as "口径",
    indicators.is_additive as "季度可加总",
from {{ mart('dim_indicator') }} as indicators
