-- Recovery cases: taxonomy, templates, SLA policies, compensation guidelines, guarantees,
-- cases with their clocks, history, messages and recovery actions, and notifications.

ALTER TABLE units ADD COLUMN currency TEXT NOT NULL DEFAULT 'KRW';

CREATE TABLE failure_categories (
    code TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('outcome', 'process')),
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE root_causes (
    code TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE response_templates (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    code TEXT NOT NULL,
    locale TEXT NOT NULL,
    part TEXT NOT NULL,
    kind TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT uq_response_templates_code UNIQUE (code, locale)
);

-- Matched in `position` order; NULL match lists match anything.
CREATE TABLE sla_policies (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    unit_id UUID REFERENCES units(id),
    severities TEXT,
    tiers TEXT,
    channels TEXT,
    basis TEXT NOT NULL CHECK (basis IN ('business_hours', 'calendar')),
    acknowledge_minutes BIGINT,
    first_response_minutes BIGINT,
    resolve_minutes BIGINT,
    follow_up_minutes BIGINT,
    follow_up_after_days BIGINT NOT NULL,
    warn_share DOUBLE PRECISION NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- tier '*' = any tier.
CREATE TABLE compensation_guidelines (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    category TEXT NOT NULL REFERENCES failure_categories(code),
    severity BIGINT NOT NULL,
    tier TEXT NOT NULL,
    currency TEXT NOT NULL,
    min_minor BIGINT NOT NULL,
    max_minor BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT uq_compensation_guidelines UNIQUE (category, severity, tier, currency)
);

CREATE TABLE service_guarantees (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    unit_id UUID REFERENCES units(id),
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    terms_ko TEXT NOT NULL,
    terms_en TEXT NOT NULL,
    payout_kind TEXT NOT NULL,
    payout_minor BIGINT,
    payout_currency TEXT,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE case_counters (
    year BIGINT PRIMARY KEY NOT NULL,
    last BIGINT NOT NULL
);

CREATE TABLE cases (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    channel TEXT NOT NULL,
    unit_id UUID NOT NULL REFERENCES units(id),
    touchpoint_id UUID REFERENCES touchpoints(id),
    customer_id UUID REFERENCES customers(id) ON DELETE SET NULL,
    encounter_id UUID,
    category TEXT NOT NULL REFERENCES failure_categories(code),
    severity BIGINT NOT NULL,
    tier TEXT NOT NULL,
    priority TEXT NOT NULL,
    priority_rank BIGINT NOT NULL,
    stage TEXT NOT NULL,
    waiting_on_customer BOOLEAN NOT NULL,
    assignee_id UUID REFERENCES employees(id),
    description TEXT NOT NULL,
    policy_id UUID REFERENCES sla_policies(id),
    follow_up_after_days BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    detected_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    first_response_at BIGINT,
    resolved_at BIGINT,
    follow_up_due_at BIGINT,
    follow_up_done_at BIGINT,
    closed_at BIGINT,
    reopened_count BIGINT NOT NULL,
    satisfaction BIGINT,
    root_cause TEXT REFERENCES root_causes(code),
    root_cause_note TEXT,
    next_deadline BIGINT NOT NULL, -- 9223372036854775807 when no clock runs (portable NULLS LAST)
    at_risk BOOLEAN NOT NULL,
    breached BOOLEAN NOT NULL,
    compensation_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_by UUID,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
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
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    basis TEXT NOT NULL,
    target_micros BIGINT NOT NULL,
    warn_micros BIGINT NOT NULL,
    elapsed_micros BIGINT NOT NULL,
    running_since BIGINT,
    due_at BIGINT,
    warn_at BIGINT,
    warned_at BIGINT,
    breached_at BIGINT,
    stopped_at BIGINT,
    next_check_at BIGINT,
    PRIMARY KEY (case_id, target)
);
-- The SLA sweep reads only clocks whose next warning or deadline has come.
CREATE INDEX ix_case_clocks_next_check ON case_clocks (next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE case_events (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor_id UUID,
    kind TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX ix_case_events_case ON case_events (case_id, id);

CREATE TABLE case_messages (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    author_id UUID,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'customer', 'note')),
    body TEXT NOT NULL
);
CREATE INDEX ix_case_messages_case ON case_messages (case_id, id);

CREATE TABLE recovery_actions (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    unit_id UUID NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    amount_minor BIGINT,
    currency TEXT,
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('effective', 'pending_approval', 'rejected')),
    requested_by UUID NOT NULL REFERENCES employees(id),
    requested_at BIGINT NOT NULL,
    decided_by UUID REFERENCES employees(id),
    decided_at BIGINT,
    decision_reason TEXT,
    guideline_min BIGINT,
    guideline_max BIGINT,
    outside_guideline BOOLEAN NOT NULL,
    guarantee_id UUID REFERENCES service_guarantees(id),
    -- Effective on the requester's own authority (counts against their limit).
    own_authority BOOLEAN NOT NULL
);
CREATE INDEX ix_recovery_actions_case ON recovery_actions (case_id, id);
CREATE INDEX ix_recovery_actions_pending ON recovery_actions (unit_id, id) WHERE status = 'pending_approval';
CREATE INDEX ix_recovery_actions_authority ON recovery_actions (requested_by, requested_at) WHERE own_authority;

CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    employee_id UUID NOT NULL REFERENCES employees(id),
    case_id UUID REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    details TEXT NOT NULL,
    read_at BIGINT
);
CREATE INDEX ix_notifications_employee ON notifications (employee_id, id);
