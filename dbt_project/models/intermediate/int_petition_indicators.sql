-- Petition measures per period and community (plus ALL over every record): the flags of
-- macros/record_flags/petition_flags.sql counted (int_petition_records lists them).

{{ count_family_measures('int_petition_indicators', petition_flags()) }}
