{{ config(alias='dim_period') }}

-- 中文列名视图 / Chinese column names over marts.dim_period.

select
    periods.period as "期间",
    case periods.grain when 'quarter' then '季度' when 'year' then '年度' end as "粒度",
    periods.year as "年份",
    periods.quarter as "季度",
    periods.label_zh as "期间名称",
    periods.period_start as "开始日期",
    periods.period_end as "结束日期",
    periods.is_complete as "是否完整",
    periods.latest_export_date as "最新导出日期",
from {{ mart('dim_period') }} as periods
