-- The latest SLA breaches of a unit (the manager's dashboard) are read newest first through
-- this index; only clocks that missed their deadline are in it.
CREATE INDEX ix_case_clocks_breached ON case_clocks (breached_at) WHERE breached_at IS NOT NULL;
