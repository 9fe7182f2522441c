-- Data steps that run in Rust once, after the migrations, on whichever node gets there
-- first: a step's row is claimed by setting done_at inside the step's transaction.
CREATE TABLE store_backfills (
    name TEXT PRIMARY KEY,
    done_at BIGINT
);

-- Survey statistics gain one roll-up row per instrument, grain, period and unit (tier '*',
-- touchpoint ffffffff-ffff-ffff-ffff-ffffffffffff) that merges the unit's other rows, and
-- one per instrument, grain and period for the whole organisation (unit ffffffff-...); the
-- store builds them for the responses already recorded.
INSERT INTO store_backfills (name) VALUES ('survey_rollups');
