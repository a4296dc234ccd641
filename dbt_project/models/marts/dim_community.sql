-- The configured villages and communities (seeds/communities.csv; a deployment replaces it), plus
-- one dimension row for UNKNOWN (records not placed in a community) and one for ALL (the whole
-- subdistrict), so an inner join from any fact keeps every row. `level` tells them apart.

with communities as (

    select * from {{ ref('communities') }}

),

configured as (

    select
        communities.community_code,
        communities.name_zh,
        communities.kind,
        'community' as level,
        cast(row_number() over (order by communities.community_code) as integer) as sort_order,
    from communities

),

members as (

    select
        'UNKNOWN' as community_code,
        '未能归属' as name_zh,
        cast(null as varchar) as kind,
        'unknown' as level,
        cast((select count(*) from configured) + 1 as integer) as sort_order,

    union all

    select
        'ALL' as community_code,
        '全街道' as name_zh,
        cast(null as varchar) as kind,
        'street' as level,
        cast(0 as integer) as sort_order,

),

final as (

    select * from configured
    union all by name
    select * from members

)

select
    final.community_code,
    final.name_zh,
    final.kind,
    final.level,
    final.sort_order,
from final
