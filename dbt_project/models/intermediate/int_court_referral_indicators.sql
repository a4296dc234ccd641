-- Court-referral measures per period and community (plus ALL over every record), computed from
-- the period's records for quarters and years alike: the flags of macros/record_flags/court_referral_flags.sql counted (int_court_referral_records lists them).

{{ count_family_measures('int_court_referral_indicators', court_referral_flags()) }}
