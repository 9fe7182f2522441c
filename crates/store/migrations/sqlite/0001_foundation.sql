-- Foundation: organisation, access, touchpoints, customers, encounters, audit, jobs.
-- Times are BIGINT microseconds since the Unix epoch, UTC; ids are app-generated UUIDs.

CREATE TABLE units (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    calendar TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE employees (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    unit_id BLOB REFERENCES units(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'agent', 'manager', 'admin')),
    authority_limit_minor INTEGER NOT NULL,
    authority_currency TEXT NOT NULL,
    password_hash TEXT,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT uq_employees_email UNIQUE (email)
);
CREATE INDEX ix_employees_unit ON employees (unit_id, id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY NOT NULL,
    employee_id BLOB NOT NULL REFERENCES employees(id),
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    CONSTRAINT uq_api_tokens_hash UNIQUE (token_hash)
);
CREATE INDEX ix_api_tokens_employee ON api_tokens (employee_id);

CREATE TABLE touchpoints (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    unit_id BLOB NOT NULL REFERENCES units(id),
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    channel TEXT NOT NULL,
    journey_stage TEXT NOT NULL,
    presence_minutes REAL NOT NULL,
    creation_minutes REAL NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_touchpoints_unit ON touchpoints (unit_id, id);

CREATE TABLE customers (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    locale TEXT NOT NULL,
    tier TEXT NOT NULL,
    preferences TEXT NOT NULL,
    notes TEXT NOT NULL,
    marketing_consent BOOLEAN NOT NULL,
    consent_updated_at INTEGER,
    key_name TEXT NOT NULL,
    key_given_name TEXT NOT NULL,
    key_initials TEXT NOT NULL,
    key_email TEXT NOT NULL,
    key_phone TEXT NOT NULL,
    key_phone_last4 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_customers_key_name ON customers (key_name);
CREATE INDEX ix_customers_key_given_name ON customers (key_given_name);
CREATE INDEX ix_customers_key_initials ON customers (key_initials);
CREATE INDEX ix_customers_key_email ON customers (key_email);
CREATE INDEX ix_customers_key_phone ON customers (key_phone);
CREATE INDEX ix_customers_key_phone_last4 ON customers (key_phone_last4);

CREATE TABLE customer_dates (
    customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    year INTEGER,
    PRIMARY KEY (customer_id, position)
);
CREATE INDEX ix_customer_dates_month_day ON customer_dates (month, day);

CREATE TABLE encounters (
    id BLOB PRIMARY KEY NOT NULL,
    unit_id BLOB NOT NULL REFERENCES units(id),
    touchpoint_id BLOB NOT NULL REFERENCES touchpoints(id),
    customer_id BLOB REFERENCES customers(id),
    employee_id BLOB REFERENCES employees(id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    waiting_seconds INTEGER NOT NULL,
    presence_seconds INTEGER NOT NULL,
    revenue_minor INTEGER,
    revenue_currency TEXT,
    outcome TEXT NOT NULL,
    attributes TEXT,
    created_at INTEGER NOT NULL
) WITHOUT ROWID; -- the time-ordered UUID is the clustered key: one B-tree fewer per insert
CREATE INDEX ix_encounters_touchpoint ON encounters (touchpoint_id, started_at, id);
-- No index on unit_id: a unit's encounters are read per touchpoint and merged (see
-- list_encounters), which keeps ingest one B-tree lighter.
CREATE INDEX ix_encounters_customer ON encounters (customer_id, started_at, id) WHERE customer_id IS NOT NULL;

-- Per touchpoint and local day of its unit, updated with every encounter written.
CREATE TABLE encounter_daily (
    touchpoint_id BLOB NOT NULL REFERENCES touchpoints(id),
    day INTEGER NOT NULL,
    encounters INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    presence_seconds INTEGER NOT NULL,
    duration_seconds INTEGER NOT NULL,
    waiting_seconds INTEGER NOT NULL,
    PRIMARY KEY (touchpoint_id, day)
) WITHOUT ROWID;

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id BLOB PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL,
    actor_id BLOB,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BLOB,
    details TEXT NOT NULL
);
CREATE INDEX ix_audit_entity ON audit_log (entity, entity_id, id);
CREATE INDEX ix_audit_actor ON audit_log (actor_id, id);

CREATE TABLE jobs (
    id BLOB PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    locked_by TEXT,
    locked_until INTEGER,
    last_error TEXT,
    done_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_jobs_due ON jobs (run_at) WHERE done_at IS NULL;

CREATE TABLE schedules (
    name TEXT PRIMARY KEY NOT NULL,
    next_run_at INTEGER NOT NULL,
    last_run_at INTEGER,
    last_node TEXT
);
