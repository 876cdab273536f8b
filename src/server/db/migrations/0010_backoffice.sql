-- Back office: staff with password + TOTP, their sessions, the append-only audit log, and support
-- requests (customer ↔ staff threads).

CREATE TABLE staff (
  id                 uuid PRIMARY KEY,
  -- Stored lower-cased; one account per address.
  email              text NOT NULL UNIQUE CHECK (email = lower(email)),
  full_name          text NOT NULL,
  roles              text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['support', 'underwriter', 'collections', 'admin']),
  -- scrypt$N$r$p$salt$hash (base64url): a memory-hard hash, never the password.
  password_hash      text NOT NULL,
  must_change_password boolean NOT NULL DEFAULT true,
  -- The TOTP secret, sealed like personal data; NULL until the first good code activates it.
  totp_secret_ct     bytea,
  -- The secret offered at enrollment, waiting for its first code.
  totp_pending_ct    bytea,
  -- The last 30-second step a code was accepted for: a code is never good twice (replay).
  totp_last_step     bigint,
  failed_logins      integer NOT NULL DEFAULT 0,
  locked_until       timestamptz,
  disabled_at        timestamptz,
  created_at         timestamptz NOT NULL,
  created_by         uuid REFERENCES staff (id)
);

CREATE TABLE staff_sessions (
  id            uuid PRIMARY KEY,
  token_hash    bytea NOT NULL UNIQUE,
  staff_id      uuid NOT NULL REFERENCES staff (id),
  -- 'password': the password was right, the TOTP code is still owed; opens only the code step.
  stage         text NOT NULL CHECK (stage IN ('password', 'active')),
  totp_failures integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  revoked_at    timestamptz,
  ip            text NOT NULL,
  user_agent    text NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Who did what to which record, when and from where. Rows are chained: hash = SHA-256(prev_hash ‖
-- canonical row), so an edit by anyone able to switch the trigger below off still shows.
CREATE TABLE audit_log (
  id           uuid PRIMARY KEY,
  seq          bigint NOT NULL UNIQUE,
  at           timestamptz NOT NULL,
  actor_type   text NOT NULL CHECK (actor_type IN ('staff', 'customer', 'system')),
  actor_id     uuid,
  action       text NOT NULL,
  entity_type  text NOT NULL,
  entity_id    text,
  reason       text,
  ip           text,
  user_agent   text,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, seq DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq DESC);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- A manual decision names the underwriter who made it.
ALTER TABLE applications ADD COLUMN decided_by uuid REFERENCES staff (id);

CREATE TABLE support_tickets (
  id           uuid PRIMARY KEY,
  customer_id  uuid NOT NULL REFERENCES customers (id),
  category     text NOT NULL CHECK (category IN ('sms', 'payment', 'loan', 'deletion', 'other')),
  subject      text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  -- new and in_progress: waiting for us; waiting_customer: for the customer; resolved (the
  -- customer may still write); closed (no more messages).
  status       text NOT NULL CHECK (status IN ('new', 'in_progress', 'waiting_customer', 'resolved', 'closed')),
  assigned_to  uuid REFERENCES staff (id),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX support_tickets_customer ON support_tickets (customer_id, created_at DESC);
CREATE INDEX support_tickets_inbox ON support_tickets (status, updated_at);

CREATE TABLE support_messages (
  id           uuid PRIMARY KEY,
  ticket_id    uuid NOT NULL REFERENCES support_tickets (id),
  author_type  text NOT NULL CHECK (author_type IN ('customer', 'staff')),
  staff_id     uuid REFERENCES staff (id),
  body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  created_at   timestamptz NOT NULL,
  CHECK ((author_type = 'staff') = (staff_id IS NOT NULL))
);
CREATE INDEX support_messages_ticket ON support_messages (ticket_id, created_at);
