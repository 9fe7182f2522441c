-- Surveys: instruments, invitations with hashed tokens, responses, and additive sufficient
-- statistics per (instrument, grain, period, tier, unit, touchpoint) for reports that never
-- rescan the responses.

CREATE TABLE survey_instruments (
    id BLOB PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    definition TEXT NOT NULL,
    recovery_rule TEXT,
    builtin BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE survey_invitations (
    id BLOB PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    instrument_id BLOB NOT NULL REFERENCES survey_instruments(id),
    unit_id BLOB NOT NULL REFERENCES units(id),
    touchpoint_id BLOB REFERENCES touchpoints(id),
    customer_id BLOB REFERENCES customers(id) ON DELETE SET NULL,
    encounter_id BLOB,
    case_id BLOB REFERENCES cases(id),
    locale TEXT NOT NULL,
    created_by BLOB,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    responded_at INTEGER,
    response_id BLOB,
    submission TEXT
);
CREATE INDEX survey_invitations_instrument ON survey_invitations (instrument_id, created_at);
CREATE INDEX survey_invitations_customer ON survey_invitations (customer_id);

CREATE TABLE survey_responses (
    id BLOB PRIMARY KEY NOT NULL,
    instrument_id BLOB NOT NULL REFERENCES survey_instruments(id),
    invitation_id BLOB UNIQUE,
    unit_id BLOB NOT NULL REFERENCES units(id),
    touchpoint_id BLOB REFERENCES touchpoints(id),
    customer_id BLOB REFERENCES customers(id) ON DELETE SET NULL,
    encounter_id BLOB,
    case_id BLOB,
    recovery_case_id BLOB,
    tier TEXT NOT NULL,
    locale TEXT,
    source TEXT NOT NULL,
    external_id TEXT,
    submitted_at INTEGER NOT NULL,
    local_day INTEGER NOT NULL,
    answers TEXT NOT NULL,
    importance TEXT,
    comment TEXT,
    created_by BLOB,
    created_at INTEGER NOT NULL,
    UNIQUE (instrument_id, external_id)
);
CREATE INDEX survey_responses_instrument ON survey_responses (instrument_id, submitted_at);
CREATE INDEX survey_responses_touchpoint ON survey_responses (touchpoint_id, submitted_at);
CREATE INDEX survey_responses_customer ON survey_responses (customer_id, submitted_at);

-- grain: 'd' (local day number), 'w' (Monday-based week: day number of its Monday),
-- 'm' (year * 12 + month - 1). tier: the customer's tier, or 'none' without a customer.
-- touchpoint_id: the nil UUID when the responses name no touchpoint.
CREATE TABLE survey_stats (
    instrument_id BLOB NOT NULL,
    tier TEXT NOT NULL,
    grain TEXT NOT NULL,
    period INTEGER NOT NULL,
    unit_id BLOB NOT NULL,
    touchpoint_id BLOB NOT NULL,
    respondents INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (instrument_id, grain, period, tier, unit_id, touchpoint_id)
) WITHOUT ROWID;
