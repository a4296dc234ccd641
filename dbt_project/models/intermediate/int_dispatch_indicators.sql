-- Command-centre dispatch measures per period and community (plus ALL): the flags of
-- macros/record_flags/dispatch_flags.sql counted (int_dispatch_records lists them).

{{ count_family_measures('int_dispatch_indicators', dispatch_flags()) }}
