-- Every version of every command-centre event, typed and renamed; appended per new load.

{{ feed_versions('dispatch_events', {
    'event_no': 'event_id',
    'needs_arrival': ["needs_arrival = '是' as needs_arrival"],
    'handling_status': ['handling_status', "handling_status = '已退回' as is_returned"],
}) }}
