-- Every version of every petition, typed and renamed; appended per new load.

{{ feed_versions('petitions', {
    'petition_no': 'petition_id',
    'petitioner_id_pid': 'petitioner_pid',
    'petitioner_id_valid': 'is_petitioner_id_valid',
    'people_involved': ['coalesce(people_involved, 1) as people_involved'],
    'record_status': [
        "coalesce(record_status, '正常') as record_status",
        "coalesce(record_status = '作废', false) as is_voided",
    ],
}) }}
