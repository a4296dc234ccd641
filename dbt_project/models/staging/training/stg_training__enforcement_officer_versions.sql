-- Every roster snapshot row of the enforcement officers, typed and renamed; appended per new load.

{{ feed_versions('enforcement_officers', {
    'person_pid': ['_export_date as snapshot_date', 'person_pid'],
    'person_id_valid': 'is_person_id_valid',
    'is_enforcement_post': ["is_enforcement_post = '是' as is_enforcement_post"],
}) }}
