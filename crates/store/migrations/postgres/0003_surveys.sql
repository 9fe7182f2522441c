-- Surveys: instruments, invitations with hashed tokens, responses, and additive sufficient
-- statistics per (instrument, grain, period, tier, unit, touchpoint) for reports that never
-- rescan the responses.

CREATE TABLE survey_instruments (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    definition TEXT NOT NULL,
    recovery_rule TEXT,
    builtin BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE survey_invitations (
    id UUID PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    instrument_id UUID NOT NULL REFERENCES survey_instruments(id),
    unit_id UUID NOT NULL REFERENCES units(id),
    touchpoint_id UUID REFERENCES touchpoints(id),
    customer_id UUID REFERENCES customers(id) ON DELETE SET NULL,
    encounter_id UUID,
    case_id UUID REFERENCES cases(id),
    locale TEXT NOT NULL,
    created_by UUID,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    responded_at BIGINT,
    response_id UUID,
    submission TEXT
);
CREATE INDEX survey_invitations_instrument ON survey_invitations (instrument_id, created_at);
CREATE INDEX survey_invitations_customer ON survey_invitations (customer_id);

CREATE TABLE survey_responses (
    id UUID PRIMARY KEY,
    instrument_id UUID NOT NULL REFERENCES survey_instruments(id),
    invitation_id UUID UNIQUE,
    unit_id UUID NOT NULL REFERENCES units(id),
    touchpoint_id UUID REFERENCES touchpoints(id),
    customer_id UUID REFERENCES customers(id) ON DELETE SET NULL,
    encounter_id UUID,
    case_id UUID,
    recovery_case_id UUID,
    tier TEXT NOT NULL,
    locale TEXT,
    source TEXT NOT NULL,
    external_id TEXT,
    submitted_at BIGINT NOT NULL,
    local_day BIGINT NOT NULL,
    answers TEXT NOT NULL,
    importance TEXT,
    comment TEXT,
    created_by UUID,
    created_at BIGINT NOT NULL,
    UNIQUE (instrument_id, external_id)
);
CREATE INDEX survey_responses_instrument ON survey_responses (instrument_id, submitted_at);
CREATE INDEX survey_responses_touchpoint ON survey_responses (touchpoint_id, submitted_at);
CREATE INDEX survey_responses_customer ON survey_responses (customer_id, submitted_at);

-- grain: 'd' (local day number), 'w' (Monday-based week: day number of its Monday),
-- 'm' (year * 12 + month - 1). tier: the customer's tier, or 'none' without a customer.
-- touchpoint_id: the nil UUID when the responses name no touchpoint.
CREATE TABLE survey_stats (
    instrument_id UUID NOT NULL,
    tier TEXT NOT NULL,
    grain TEXT NOT NULL,
    period BIGINT NOT NULL,
    unit_id UUID NOT NULL,
    touchpoint_id UUID NOT NULL,
    respondents BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (instrument_id, grain, period, tier, unit_id, touchpoint_id)
);
