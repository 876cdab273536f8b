-- Email (issue 8): an outbox like sms_outbox, the sandbox mailbox, and each customer's address,
-- which is used only after the customer confirms it by a link.

-- Outgoing email. Written in the transaction that decides to send; a job delivers it at least once.
-- The whole message (address, subject, text) is sealed and wiped once delivered or refused.
CREATE TABLE email_outbox (
  id                   uuid PRIMARY KEY,
  -- `{to, subject, text}` as JSON, AES-GCM sealed (the address is personal data, the text may hold a link).
  message_ciphertext   bytea NOT NULL,
  kind                 text NOT NULL,
  created_at           timestamptz NOT NULL,
  delivered_at         timestamptz,
  provider_message_id  text,
  failed_at            timestamptz,
  last_error           text
);
CREATE INDEX email_outbox_created ON email_outbox (created_at);

-- The sandbox email provider's mailbox (development and tests; production refuses the sandbox).
CREATE TABLE sandbox_email (
  id                   uuid PRIMARY KEY,
  -- Acceptance order: several messages can share one sent_at (a fake clock, a batch of jobs).
  seq                  bigserial NOT NULL,
  idempotency_key      text NOT NULL UNIQUE,
  -- `{to, subject, text}` as JSON, sealed like sandbox_sms.text_ciphertext.
  message_ciphertext   bytea NOT NULL,
  sent_at              timestamptz NOT NULL
);
CREATE INDEX sandbox_email_seq ON sandbox_email (seq DESC);

-- A customer's email address: sealed, found by a keyed hash; usable once confirmed_at is set.
CREATE TABLE customer_emails (
  customer_id   uuid PRIMARY KEY REFERENCES customers (id),
  email_ct      bytea NOT NULL,
  -- HMAC(lookupKey, 'email:' || lower(address)): binds a confirmation token to the address it was sent to.
  email_hash    bytea NOT NULL,
  confirmed_at  timestamptz,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX customer_emails_hash ON customer_emails (email_hash);

-- Confirmation links sent. Only SHA-256 of the 32-byte token is kept; single use; 24 h.
CREATE TABLE email_confirmations (
  id           uuid PRIMARY KEY,
  customer_id  uuid NOT NULL REFERENCES customers (id),
  -- The address this link confirms: a link sent to an older address cannot confirm a newer one.
  email_hash   bytea NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  status       text NOT NULL CHECK (status IN ('active', 'used', 'replaced')),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  CHECK ((status = 'used') = (used_at IS NOT NULL))
);
-- A new request replaces the previous link: at most one live link per customer.
CREATE UNIQUE INDEX email_confirmations_one_active ON email_confirmations (customer_id) WHERE status = 'active';
-- The per-customer send limit counts the links created in the last hour.
CREATE INDEX email_confirmations_customer_created ON email_confirmations (customer_id, created_at DESC);
