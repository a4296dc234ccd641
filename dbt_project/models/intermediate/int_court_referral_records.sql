-- Court referrals per period: one row per (period, referral) that counts in a measure, with the
-- measure flags (named as the measures of int_court_referral_indicators) and the record's lineage.

select *
from ({{ court_referral_flags() }}) as flags
where {{ any_measure('int_court_referral_indicators') }}
