-- Every text that identifies a configured community: its name and each alias, cleaned like the
-- source values (prefixes/suffixes from vars), with and without its 社区/村 ending. A key that
-- would point at two communities is dropped (the value then stays UNKNOWN).

with communities as (

    select * from {{ ref('communities') }}

),

names as (

    select
        communities.community_code,
        communities.kind,
        unnest(
            list_concat(
                [communities.name_zh],
                coalesce(string_split_regex(communities.aliases, '[|;；、,，/]'), [])
            )
        ) as name_text,
    from communities

),

cleaned as (

    select
        names.community_code,
        names.kind,
        {{ community_key('names.name_text') }} as full_key,
    from names

),

variants as (

    select community_code, full_key as community_key from cleaned
    union
    select community_code, {{ strip_kind_suffix('full_key') }} as community_key from cleaned
    union
    select community_code, {{ strip_kind_suffix('full_key') }} || kind as community_key from cleaned

),

unambiguous as (

    select
        variants.community_key,
        min(variants.community_code) as community_code,
    from variants
    where variants.community_key is not null and variants.community_key <> ''
    group by variants.community_key
    having count(distinct variants.community_code) = 1

)

select * from unambiguous
