-- Consents centre, sessions and devices (issue 8; SECURITY.md PD-7, SES-7, OTP-12).
--
-- A withdrawal is recorded on the grant it ends — when, from which IP and browser — and the grant
-- row itself is never deleted: the rows of one customer read as the history of grants and
-- withdrawals. Giving a consent again is a new row with the document version of that day.
ALTER TABLE consents ADD COLUMN withdrawn_ip text;
ALTER TABLE consents ADD COLUMN withdrawn_user_agent text;
ALTER TABLE consents ADD CONSTRAINT consents_withdrawal_place CHECK (withdrawn_at IS NOT NULL OR (withdrawn_ip IS NULL AND withdrawn_user_agent IS NULL));
-- The consents centre reads a customer's live grants of one kind.
CREATE INDEX consents_customer_live ON consents (customer_id, kind) WHERE withdrawn_at IS NULL;

-- Browsers a customer has logged in from. The browser keeps a random 32-byte token in a long-lived
-- HttpOnly cookie; only its SHA-256 is stored. A login from a browser not listed for the customer
-- sends an SMS notice (except the very first login of the customer).
CREATE TABLE customer_devices (
  id             uuid PRIMARY KEY,
  customer_id    uuid NOT NULL REFERENCES customers (id),
  device_hash    bytea NOT NULL,
  user_agent     text NOT NULL,
  first_seen_at  timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  UNIQUE (customer_id, device_hash)
);
