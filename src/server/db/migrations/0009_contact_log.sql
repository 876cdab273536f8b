-- Messages about a loan: due-date reminders and collection contacts (230-ФЗ limits, R19). Kept as
-- the record of communications (R20: at least 6 months).
CREATE TABLE contact_log (
  id           uuid PRIMARY KEY,
  customer_id  uuid NOT NULL REFERENCES customers (id),
  loan_id      uuid REFERENCES loans (id),
  channel      text NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
  kind         text NOT NULL CHECK (kind IN ('due_reminder', 'collection')),
  -- What the message is for (loan, due date, day): one message per reason.
  ref          text NOT NULL UNIQUE,
  at           timestamptz NOT NULL
);
CREATE INDEX contact_log_customer ON contact_log (customer_id, kind, at DESC);
