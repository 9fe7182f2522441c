-- Foundation: organisation, access, touchpoints, customers, encounters, audit, jobs.
-- Times are BIGINT microseconds since the Unix epoch, UTC; ids are app-generated UUIDs.

CREATE TABLE units (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    calendar TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE employees (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    unit_id UUID REFERENCES units(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'agent', 'manager', 'admin')),
    authority_limit_minor BIGINT NOT NULL,
    authority_currency TEXT NOT NULL,
    password_hash TEXT,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT uq_employees_email UNIQUE (email)
);
CREATE INDEX ix_employees_unit ON employees (unit_id, id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    employee_id UUID NOT NULL REFERENCES employees(id),
    name TEXT NOT NULL,
    token_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT uq_api_tokens_hash UNIQUE (token_hash)
);
CREATE INDEX ix_api_tokens_employee ON api_tokens (employee_id);

CREATE TABLE touchpoints (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    unit_id UUID NOT NULL REFERENCES units(id),
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    channel TEXT NOT NULL,
    journey_stage TEXT NOT NULL,
    presence_minutes DOUBLE PRECISION NOT NULL,
    creation_minutes DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ix_touchpoints_unit ON touchpoints (unit_id, id);

CREATE TABLE customers (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    locale TEXT NOT NULL,
    tier TEXT NOT NULL,
    preferences TEXT NOT NULL,
    notes TEXT NOT NULL,
    marketing_consent BOOLEAN NOT NULL,
    consent_updated_at BIGINT,
    key_name TEXT COLLATE "C" NOT NULL,
    key_given_name TEXT COLLATE "C" NOT NULL,
    key_initials TEXT COLLATE "C" NOT NULL,
    key_email TEXT COLLATE "C" NOT NULL,
    key_phone TEXT COLLATE "C" NOT NULL,
    key_phone_last4 TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ix_customers_key_name ON customers (key_name);
CREATE INDEX ix_customers_key_given_name ON customers (key_given_name);
CREATE INDEX ix_customers_key_initials ON customers (key_initials);
CREATE INDEX ix_customers_key_email ON customers (key_email);
CREATE INDEX ix_customers_key_phone ON customers (key_phone);
CREATE INDEX ix_customers_key_phone_last4 ON customers (key_phone_last4);

CREATE TABLE customer_dates (
    customer_id UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    month BIGINT NOT NULL,
    day BIGINT NOT NULL,
    year BIGINT,
    PRIMARY KEY (customer_id, position)
);
CREATE INDEX ix_customer_dates_month_day ON customer_dates (month, day);

CREATE TABLE encounters (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units(id),
    touchpoint_id UUID NOT NULL REFERENCES touchpoints(id),
    customer_id UUID REFERENCES customers(id),
    employee_id UUID REFERENCES employees(id),
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    waiting_seconds BIGINT NOT NULL,
    presence_seconds BIGINT NOT NULL,
    revenue_minor BIGINT,
    revenue_currency TEXT,
    outcome TEXT NOT NULL,
    attributes TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ix_encounters_touchpoint ON encounters (touchpoint_id, started_at, id);
-- No index on unit_id: a unit's encounters are read per touchpoint and merged (see
-- list_encounters), which keeps ingest one B-tree lighter.
CREATE INDEX ix_encounters_customer ON encounters (customer_id, started_at, id) WHERE customer_id IS NOT NULL;

-- Per touchpoint and local day of its unit, updated with every encounter written.
CREATE TABLE encounter_daily (
    touchpoint_id UUID NOT NULL REFERENCES touchpoints(id),
    day BIGINT NOT NULL,
    encounters BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    presence_seconds BIGINT NOT NULL,
    duration_seconds BIGINT NOT NULL,
    waiting_seconds BIGINT NOT NULL,
    PRIMARY KEY (touchpoint_id, day)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id UUID,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id UUID,
    details TEXT NOT NULL
);
CREATE INDEX ix_audit_entity ON audit_log (entity, entity_id, id);
CREATE INDEX ix_audit_actor ON audit_log (actor_id, id);

CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    done_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ix_jobs_due ON jobs (run_at) WHERE done_at IS NULL;

CREATE TABLE schedules (
    name TEXT PRIMARY KEY NOT NULL,
    next_run_at BIGINT NOT NULL,
    last_run_at BIGINT,
    last_node TEXT
);
