-- Petitions per period: one row per (period, petition) that counts in a measure, with the measure
-- flags (named as the measures of int_petition_indicators) and the record's lineage.

select *
from ({{ petition_flags() }}) as flags
where {{ any_measure('int_petition_indicators') }}
