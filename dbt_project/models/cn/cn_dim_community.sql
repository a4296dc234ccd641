{{ config(alias='dim_community') }}

-- 中文列名视图 / Chinese column names over marts.dim_community.

select
    communities.community_code as "社区代码",
    communities.name_zh as "社区名称",
    communities.kind as "社区类型",
    communities.level as "层级",
    communities.sort_order as "排序",
from {{ mart('dim_community') }} as communities
