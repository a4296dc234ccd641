-- Every version of every dispute of the ledger, typed and renamed; appended per new load.

{{ feed_versions('disputes', {
    'dispute_no': 'dispute_id',
    'party_id_pids': 'party_pids',
    'has_dossier': ["coalesce(has_dossier = '是', false) as has_dossier"],
    'record_status': [
        "coalesce(record_status, '正常') as record_status",
        "coalesce(record_status = '作废', false) as is_voided",
    ],
}) }}
