-- Dispute measures per period and community (plus ALL over every record): the flags of
-- macros/record_flags/dispute_flags.sql counted (int_dispute_records lists them).

{{ count_family_measures('int_dispute_indicators', dispute_flags()) }}
