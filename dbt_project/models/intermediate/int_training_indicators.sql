-- Training measures per period for the whole subdistrict (community ALL only). The stock
-- measures read the roster snapshot with the latest export date <= end(P); none: NULL.

with study_sessions as (

    select * from {{ ref('stg_training__study_sessions') }}

),

exam_results as (

    select * from {{ ref('stg_training__exam_results') }}

),

officers as (

    select * from {{ ref('stg_training__enforcement_officers') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

sessions_per_period as (

    select
        periods.period,
        count(study_sessions.session_id) filter (where study_sessions.session_type = '会前学法') as tr_premeeting_study,
        count(study_sessions.session_id) filter (where study_sessions.session_type = '法治专题讲座') as tr_law_lectures,
        count(study_sessions.session_id) filter (where study_sessions.session_type = '理论学习中心组学习') as tr_group_study,
        coalesce(sum(study_sessions.attendees) filter (where study_sessions.session_type = '调解员轮训'), 0)
            as tr_mediator_training_pt,
    from periods
    left join study_sessions
        on study_sessions.session_date between periods.period_start and periods.period_end
    group by periods.period

),

exams_per_period as (

    select
        periods.period,
        count(exam_results.exam_result_id) filter (
            where exam_results.exam_category = '法治理论考试'
                and exam_results.is_required
                and exam_results.attendance_status <> '免考'
        ) as tr_exam_due,
        count(exam_results.exam_result_id) filter (
            where exam_results.exam_category = '法治理论考试'
                and exam_results.is_required
                and exam_results.attendance_status = '已参考'
        ) as tr_exam_attended,
        count(exam_results.exam_result_id) filter (
            where exam_results.exam_category = '法治理论考试'
                and exam_results.is_required
                and exam_results.attendance_status = '已参考'
                and exam_results.pass_status = '合格'
        ) as tr_exam_passed,
        count(distinct exam_results.person_pid) filter (
            where exam_results.exam_category = '行政执法资格考试' and exam_results.pass_status = '合格'
        ) as tr_enforcement_exam_passed,
    from periods
    left join exam_results
        on exam_results.exam_date between periods.period_start and periods.period_end
    group by periods.period

),

period_snapshots as (

    {{ period_snapshots('officers') }}

),

roster_per_period as (

    select
        period_snapshots.period,
        case when period_snapshots.snapshot_date is not null then
            count(distinct officers.person_pid) filter (
                where officers.is_enforcement_post
                    and officers.certificate_status = '有效'
                    and officers.certificate_issued_date <= period_snapshots.period_end
                    and officers.certificate_valid_until >= period_snapshots.period_end
            )
        end as tr_certified_officers,
        case when period_snapshots.snapshot_date is not null then
            count(distinct officers.person_pid) filter (where officers.is_enforcement_post)
        end as tr_enforcement_posts,
    from period_snapshots
    left join officers
        on officers.snapshot_date = period_snapshots.snapshot_date
    group by period_snapshots.period, period_snapshots.period_end, period_snapshots.snapshot_date

),

joined as (

    select
        sessions_per_period.period,
        'ALL' as community_code,
        sessions_per_period.tr_premeeting_study,
        sessions_per_period.tr_law_lectures,
        sessions_per_period.tr_group_study,
        sessions_per_period.tr_mediator_training_pt,
        exams_per_period.tr_exam_due,
        exams_per_period.tr_exam_attended,
        exams_per_period.tr_exam_passed,
        exams_per_period.tr_enforcement_exam_passed,
        roster_per_period.tr_certified_officers,
        roster_per_period.tr_enforcement_posts,
    from sessions_per_period
    inner join exams_per_period
        on sessions_per_period.period = exams_per_period.period
    inner join roster_per_period
        on sessions_per_period.period = roster_per_period.period

)

select * from joined
