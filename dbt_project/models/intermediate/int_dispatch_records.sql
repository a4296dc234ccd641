-- Command-centre events per period: one row per (period, event) that counts in a measure, with the
-- measure flags (named as the measures of int_dispatch_indicators) and the record's lineage.
-- Returned events (处置状态 = 已退回) count nowhere; durations run from 上报时间, in seconds.

select *
from ({{ dispatch_flags() }}) as flags
where {{ any_measure('int_dispatch_indicators') }}
