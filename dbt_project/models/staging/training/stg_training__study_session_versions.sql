-- Every version of every study session, typed and renamed; appended per new load.

{{ feed_versions('study_sessions', {'session_no': 'session_id'}) }}
