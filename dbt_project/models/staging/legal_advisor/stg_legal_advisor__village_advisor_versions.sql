-- Every roster snapshot row of the village legal advisors, typed and renamed; appended per new load.

{{ feed_versions('village_legal_advisors', {
    'community_raw': ['_export_date as snapshot_date', 'community_raw'],
}) }}
