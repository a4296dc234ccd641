-- ALL and UNKNOWN are reserved community codes of the marts; the configured list may not use them.
select community_code from {{ ref('communities') }} where upper(community_code) in ('ALL', 'UNKNOWN')
