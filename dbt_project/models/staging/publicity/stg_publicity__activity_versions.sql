-- Every version of every publicity activity of the ledger, typed and renamed; appended per new load.

{{ feed_versions('publicity_activities', {
    'activity_no': 'activity_id',
    'record_status': [
        "coalesce(record_status, '正常') as record_status",
        "coalesce(record_status = '作废', false) as is_voided",
    ],
}) }}
