-- SLA outcome bits per target on the case (acknowledge 1, first_response 2, resolve 4,
-- follow_up 8): measured when the clock stopped or missed its deadline, met when it did not
-- miss. The recovery summary reads compliance from here instead of joining every clock.
ALTER TABLE cases ADD COLUMN sla_measured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_met INTEGER NOT NULL DEFAULT 0;

UPDATE cases SET
    sla_measured = COALESCE((
        SELECT SUM(CASE k.target WHEN 'acknowledge' THEN 1 WHEN 'first_response' THEN 2
                   WHEN 'resolve' THEN 4 WHEN 'follow_up' THEN 8 ELSE 0 END)
        FROM case_clocks k
        WHERE k.case_id = cases.id AND (k.stopped_at IS NOT NULL OR k.breached_at IS NOT NULL)), 0),
    sla_met = COALESCE((
        SELECT SUM(CASE k.target WHEN 'acknowledge' THEN 1 WHEN 'first_response' THEN 2
                   WHEN 'resolve' THEN 4 WHEN 'follow_up' THEN 8 ELSE 0 END)
        FROM case_clocks k
        WHERE k.case_id = cases.id AND k.stopped_at IS NOT NULL AND k.breached_at IS NULL), 0);
