-- The recovery summary's SLA compliance reads each case's clocks through this index alone.
CREATE INDEX ix_case_clocks_outcome ON case_clocks (case_id, target, breached_at, stopped_at);
