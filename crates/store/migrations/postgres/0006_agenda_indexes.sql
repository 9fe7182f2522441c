-- The agenda asks, for the few hundred customers whose birthday or anniversary is coming up,
-- whether they visited a unit lately. With the unit included in the customer index that
-- question is answered by an index-only scan. The key (customer, time, id) is unchanged, so
-- the customer timeline reads it exactly as before, and encounters still keep one index per
-- customer, no more.
DROP INDEX ix_encounters_customer;
CREATE INDEX ix_encounters_customer ON encounters (customer_id, started_at, id) INCLUDE (unit_id) WHERE customer_id IS NOT NULL;

-- Follow-ups due of one unit, soonest first (the agenda). Only follow-ups not yet done are in
-- it, a few per unit at any time.
CREATE INDEX ix_cases_follow_up_unit ON cases (unit_id, follow_up_due_at, id) WHERE stage = 'follow_up' AND follow_up_done_at IS NULL;
