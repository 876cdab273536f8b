-- Customers, one-time codes, sessions and the durable counters behind the login limits.
-- All times are UTC (timestamptz) and come from the application's injected clock.

CREATE TABLE customers (
  id          uuid PRIMARY KEY,
  phone       text NOT NULL UNIQUE CHECK (phone ~ '^\+79[0-9]{9}$'),
  created_at  timestamptz NOT NULL
);

-- One row per code sent. The code itself is never stored: only HMAC(pepper, id:code).
CREATE TABLE otp_challenges (
  id           uuid PRIMARY KEY,
  phone        text NOT NULL,
  purpose      text NOT NULL CHECK (purpose IN ('login', 'sign_contract', 'change_phone', 'delete_account')),
  -- Binds step-up codes to the session that asked for them; NULL for login.
  session_id   uuid,
  code_hash    bytea NOT NULL,
  status       text NOT NULL CHECK (status IN ('active', 'used', 'dead', 'replaced')),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  request_ip   text NOT NULL
);
CREATE INDEX otp_challenges_phone_created ON otp_challenges (phone, created_at DESC);
-- At most one live code per phone and purpose: a resend replaces the previous one.
CREATE UNIQUE INDEX otp_challenges_one_active ON otp_challenges (phone, purpose) WHERE status = 'active';

-- Every accepted send, for the sliding-window limits (per phone, per IP, per number prefix, global).
CREATE TABLE otp_send_log (
  id            bigserial PRIMARY KEY,
  phone         text NOT NULL,
  phone_prefix  text NOT NULL,
  ip            text NOT NULL,
  sent_at       timestamptz NOT NULL
);
CREATE INDEX otp_send_log_phone ON otp_send_log (phone, sent_at);
CREATE INDEX otp_send_log_prefix ON otp_send_log (phone_prefix, sent_at);
CREATE INDEX otp_send_log_ip ON otp_send_log (ip, sent_at);
CREATE INDEX otp_send_log_sent ON otp_send_log (sent_at);

-- Wrong-code history per phone across codes (reset on success): cool-down and lock-out.
CREATE TABLE phone_auth_state (
  phone            text PRIMARY KEY,
  failed_attempts  integer NOT NULL DEFAULT 0,
  cooldown_until   timestamptz,
  locked_at        timestamptz,
  updated_at       timestamptz NOT NULL
);

-- Sessions: the browser holds a random token; the database only its SHA-256.
CREATE TABLE sessions (
  id            uuid PRIMARY KEY,
  token_hash    bytea NOT NULL UNIQUE,
  customer_id   uuid NOT NULL REFERENCES customers (id),
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  revoked_at    timestamptz,
  ip            text NOT NULL,
  user_agent    text NOT NULL
);
CREATE INDEX sessions_customer ON sessions (customer_id);

-- Messages accepted by the sandbox SMS gateway (the dev SMS page reads them). Encrypted like the
-- outbox, so a database dump never shows a login code in clear, even in development.
CREATE TABLE sandbox_sms (
  id                   uuid PRIMARY KEY,
  -- Acceptance order: several messages can share one sent_at (a fake clock, a batch of jobs).
  seq                  bigserial NOT NULL,
  idempotency_key      text NOT NULL UNIQUE,
  to_phone             text NOT NULL,
  text_ciphertext      bytea NOT NULL,
  sent_at              timestamptz NOT NULL
);
CREATE INDEX sandbox_sms_seq ON sandbox_sms (seq DESC);
CREATE INDEX sandbox_sms_phone ON sandbox_sms (to_phone, seq DESC);

-- Outgoing SMS (the outbox). Written in the transaction that decides to send; a job delivers it.
CREATE TABLE sms_outbox (
  id                   uuid PRIMARY KEY,
  to_phone             text NOT NULL,
  -- Texts with secrets (codes) are stored encrypted and wiped once delivered.
  text_ciphertext      bytea NOT NULL,
  kind                 text NOT NULL,
  created_at           timestamptz NOT NULL,
  delivered_at         timestamptz,
  provider_message_id  text,
  failed_at            timestamptz,
  last_error           text
);
