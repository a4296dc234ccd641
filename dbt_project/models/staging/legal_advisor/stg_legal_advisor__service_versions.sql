-- Every version of every legal advisor service of the ledger, typed and renamed; appended per new load.

{{ feed_versions('legal_advisor_services', {
    'service_no': 'service_id',
    'record_status': [
        "coalesce(record_status, '正常') as record_status",
        "coalesce(record_status = '作废', false) as is_voided",
    ],
}) }}
