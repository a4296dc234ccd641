-- The configured villages and communities (seeds/communities.csv; a deployment replaces it).

with communities as (

    select * from {{ ref('communities') }}

),

final as (

    select
        communities.community_code,
        communities.name_zh,
        communities.kind,
    from communities

)

select * from final
