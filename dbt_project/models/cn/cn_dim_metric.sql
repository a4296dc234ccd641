{{ config(alias='dim_metric') }}

-- 中文列名视图 / Chinese column names over marts.dim_metric.

select
    metrics.metric_code as "指标代码",
    metrics.name_zh as "指标名称",
    metrics.name_en as "英文名称",
    metrics.numerator_measure as "分子度量",
    metrics.denominator_measure as "分母度量",
    metrics.numerator_indicator_code as "分子指标代码",
    metrics.denominator_indicator_code as "分母指标代码",
    metrics.expression_sql as "计算公式",
    metrics.expression_zh as "中文公式",
    metrics.definition_zh as "口径",
from {{ mart('dim_metric') }} as metrics
