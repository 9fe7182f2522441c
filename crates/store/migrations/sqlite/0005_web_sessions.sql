-- Staff web sessions: the cookie carries a random secret, only its SHA-256 is stored.
CREATE TABLE web_sessions (
    id_hash BLOB PRIMARY KEY NOT NULL,
    employee_id BLOB NOT NULL REFERENCES employees(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX ix_web_sessions_employee ON web_sessions (employee_id);
CREATE INDEX ix_web_sessions_expires ON web_sessions (expires_at);

-- The language an employee chose for the UI ('ko' or 'en'); NULL until they choose.
ALTER TABLE employees ADD COLUMN ui_locale TEXT;

-- Failed sign-ins per e-mail address, shared by every node.
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER
);
