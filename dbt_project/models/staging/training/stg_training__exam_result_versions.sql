-- Every version of every exam result, typed and renamed; appended per new load.

{{ feed_versions('exam_results', {
    'exam_name': ["md5(exam_name || '#' || person_pid) as exam_result_id", 'exam_name'],
    'person_id_valid': 'is_person_id_valid',
    'is_required': ["is_required = '是' as is_required"],
}) }}
