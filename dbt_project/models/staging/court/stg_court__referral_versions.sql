-- Every version of every court referral, typed and renamed; appended per new load.

{{ feed_versions('court_referrals', {
    'case_no': 'referral_id',
    'applicant_id_pid': 'applicant_pid',
    'applicant_id_valid': 'is_applicant_id_valid',
    'data_review': [
        "coalesce(data_review, '否') as data_review",
        "mediation_status <> '调解中' as is_concluded",
        "mediation_status = '调解成功' as is_successful",
        "mediation_mode = '线上调解' as is_online",
        "coalesce(judicial_confirmation = '是', false) as is_judicially_confirmed",
        "coalesce(data_review = '是', false) as is_data_reviewed",
    ],
}) }}
