-- Recovery cases: taxonomy, templates, SLA policies, compensation guidelines, guarantees,
-- cases with their clocks, history, messages and recovery actions, and notifications.

ALTER TABLE units ADD COLUMN currency TEXT NOT NULL DEFAULT 'KRW';

CREATE TABLE failure_categories (
    code TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('outcome', 'process')),
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE root_causes (
    code TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE response_templates (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    code TEXT NOT NULL,
    locale TEXT NOT NULL,
    part TEXT NOT NULL,
    kind TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT uq_response_templates_code UNIQUE (code, locale)
);

-- Matched in `position` order; NULL match lists match anything.
CREATE TABLE sla_policies (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    unit_id BLOB REFERENCES units(id),
    severities TEXT,
    tiers TEXT,
    channels TEXT,
    basis TEXT NOT NULL CHECK (basis IN ('business_hours', 'calendar')),
    acknowledge_minutes INTEGER,
    first_response_minutes INTEGER,
    resolve_minutes INTEGER,
    follow_up_minutes INTEGER,
    follow_up_after_days INTEGER NOT NULL,
    warn_share REAL NOT NULL,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- tier '*' = any tier.
CREATE TABLE compensation_guidelines (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    category TEXT NOT NULL REFERENCES failure_categories(code),
    severity INTEGER NOT NULL,
    tier TEXT NOT NULL,
    currency TEXT NOT NULL,
    min_minor INTEGER NOT NULL,
    max_minor INTEGER NOT NULL,
    note TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT uq_compensation_guidelines UNIQUE (category, severity, tier, currency)
);

CREATE TABLE service_guarantees (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    unit_id BLOB REFERENCES units(id),
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    terms_ko TEXT NOT NULL,
    terms_en TEXT NOT NULL,
    payout_kind TEXT NOT NULL,
    payout_minor INTEGER,
    payout_currency TEXT,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    channel TEXT NOT NULL,
    unit_id BLOB NOT NULL REFERENCES units(id),
    touchpoint_id BLOB REFERENCES touchpoints(id),
    customer_id BLOB REFERENCES customers(id) ON DELETE SET NULL,
    encounter_id BLOB,
    category TEXT NOT NULL REFERENCES failure_categories(code),
    severity INTEGER NOT NULL,
    tier TEXT NOT NULL,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    stage TEXT NOT NULL,
    waiting_on_customer BOOLEAN NOT NULL,
    assignee_id BLOB REFERENCES employees(id),
    description TEXT NOT NULL,
    policy_id BLOB REFERENCES sla_policies(id),
    follow_up_after_days INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    acknowledged_at INTEGER,
    first_response_at INTEGER,
    resolved_at INTEGER,
    follow_up_due_at INTEGER,
    follow_up_done_at INTEGER,
    closed_at INTEGER,
    reopened_count INTEGER NOT NULL,
    satisfaction INTEGER,
    root_cause TEXT REFERENCES root_causes(code),
    root_cause_note TEXT,
    next_deadline INTEGER NOT NULL, -- 9223372036854775807 when no clock runs (portable NULLS LAST)
    at_risk BOOLEAN NOT NULL,
    breached BOOLEAN NOT NULL,
    compensation_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    created_by BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT uq_cases_number UNIQUE (number)
);
-- Queues: open cases of a unit by nearest deadline.
CREATE INDEX ix_cases_open_unit ON cases (unit_id, next_deadline, id) WHERE stage <> 'closed';
CREATE INDEX ix_cases_open_assignee ON cases (assignee_id, next_deadline, id) WHERE stage <> 'closed';
CREATE INDEX ix_cases_detected ON cases (detected_at, id);
CREATE INDEX ix_cases_unit_detected ON cases (unit_id, detected_at, id);
CREATE INDEX ix_cases_customer ON cases (customer_id, detected_at) WHERE customer_id IS NOT NULL;
CREATE INDEX ix_cases_follow_up_due ON cases (follow_up_due_at) WHERE stage = 'follow_up' AND follow_up_done_at IS NULL;

CREATE TABLE case_clocks (
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    basis TEXT NOT NULL,
    target_micros INTEGER NOT NULL,
    warn_micros INTEGER NOT NULL,
    elapsed_micros INTEGER NOT NULL,
    running_since INTEGER,
    due_at INTEGER,
    warn_at INTEGER,
    warned_at INTEGER,
    breached_at INTEGER,
    stopped_at INTEGER,
    next_check_at INTEGER,
    PRIMARY KEY (case_id, target)
);
-- The SLA sweep reads only clocks whose next warning or deadline has come.
CREATE INDEX ix_case_clocks_next_check ON case_clocks (next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE case_events (
    id BLOB PRIMARY KEY NOT NULL,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor_id BLOB,
    kind TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX ix_case_events_case ON case_events (case_id, id);

CREATE TABLE case_messages (
    id BLOB PRIMARY KEY NOT NULL,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    author_id BLOB,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'customer', 'note')),
    body TEXT NOT NULL
);
CREATE INDEX ix_case_messages_case ON case_messages (case_id, id);

CREATE TABLE recovery_actions (
    id BLOB PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    unit_id BLOB NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    amount_minor INTEGER,
    currency TEXT,
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('effective', 'pending_approval', 'rejected')),
    requested_by BLOB NOT NULL REFERENCES employees(id),
    requested_at INTEGER NOT NULL,
    decided_by BLOB REFERENCES employees(id),
    decided_at INTEGER,
    decision_reason TEXT,
    guideline_min INTEGER,
    guideline_max INTEGER,
    outside_guideline BOOLEAN NOT NULL,
    guarantee_id BLOB REFERENCES service_guarantees(id),
    -- Effective on the requester's own authority (counts against their limit).
    own_authority BOOLEAN NOT NULL
);
CREATE INDEX ix_recovery_actions_case ON recovery_actions (case_id, id);
CREATE INDEX ix_recovery_actions_pending ON recovery_actions (unit_id, id) WHERE status = 'pending_approval';
CREATE INDEX ix_recovery_actions_authority ON recovery_actions (requested_by, requested_at) WHERE own_authority;

CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    employee_id BLOB NOT NULL REFERENCES employees(id),
    case_id BLOB REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    details TEXT NOT NULL,
    read_at INTEGER
);
CREATE INDEX ix_notifications_employee ON notifications (employee_id, id);
