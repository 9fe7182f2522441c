-- Staff web sessions: the cookie carries a random secret, only its SHA-256 is stored.
CREATE TABLE web_sessions (
    id_hash BYTEA PRIMARY KEY,
    employee_id UUID NOT NULL REFERENCES employees(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX ix_web_sessions_employee ON web_sessions (employee_id);
CREATE INDEX ix_web_sessions_expires ON web_sessions (expires_at);

-- The language an employee chose for the UI ('ko' or 'en'); NULL until they choose.
ALTER TABLE employees ADD COLUMN ui_locale TEXT;

-- Failed sign-ins per e-mail address, shared by every node.
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);
