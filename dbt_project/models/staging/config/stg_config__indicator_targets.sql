-- The district's targets (docs/targets.md): one row per (year, indicator, community, grain) of a
-- targets file; a blank community is every community and the street, a blank grain is years and
-- quarters; a row without thresholds sets no target.

with targets as (

    select * from {{ source('targets', 'indicator_targets') }}

),

final as (

    select
        targets.year,
        targets.indicator_code,
        targets.community_code,
        targets.grain,
        targets.direction,
        targets.green_threshold,
        targets.yellow_threshold,
        targets.source_file,
        targets.source_row,
    from targets

)

select * from final
