-- Disputes per period: one row per (period, dispute) that counts in a measure, with the measure
-- flags (named as the measures of int_dispute_indicators) and the record's lineage.

select *
from ({{ dispute_flags() }}) as flags
where {{ any_measure('int_dispute_indicators') }}
