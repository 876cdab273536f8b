-- Loan servicing: accrual, payments, the customer's operation history (issue 6).

ALTER TABLE loans
  -- The current due date: the contract's return date until a prolongation moves it.
  ADD COLUMN due_date        date,
  -- The current principal accrues interest for each day after this date (the payout, then each
  -- payment that reduced the principal).
  ADD COLUMN interest_from   date,
  -- The last business day whose accrual is posted.
  ADD COLUMN accrued_through date,
  -- Interest and penalties charged since the start, paid or not: the overpayment cap's measure.
  ADD COLUMN charged_kopecks bigint NOT NULL DEFAULT 0 CHECK (charged_kopecks >= 0),
  ADD COLUMN closed_at       timestamptz;
UPDATE loans SET due_date = return_date;
ALTER TABLE loans ALTER COLUMN due_date SET NOT NULL;
CREATE INDEX loans_to_accrue ON loans (accrued_through) WHERE status = 'active';

-- A repayment: our intent, then the acquirer's payment. One row per Idempotency-Key of a customer.
CREATE TABLE payments (
  id                   uuid PRIMARY KEY,
  loan_id              uuid NOT NULL REFERENCES loans (id),
  customer_id          uuid NOT NULL REFERENCES customers (id),
  idempotency_key      text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  -- SHA-256 of the request that created it: the same key with another body is refused (422).
  request_sha256       text NOT NULL,
  amount_kopecks       bigint NOT NULL CHECK (amount_kopecks > 0),
  method               text NOT NULL CHECK (method IN ('card', 'sbp')),
  status               text NOT NULL CHECK (status IN ('created', 'pending', 'succeeded', 'canceled')),
  provider             text NOT NULL,
  provider_payment_id  text,
  confirmation_url     text,
  -- How the money paid the debt (interest, principal, penalty, overpayment), once applied.
  allocation           jsonb,
  -- Set when something needs a person: the acquirer reported another amount, etc.
  flag                 text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  paid_at              timestamptz,
  UNIQUE (customer_id, idempotency_key),
  UNIQUE (provider, provider_payment_id)
);
CREATE INDEX payments_loan ON payments (loan_id, created_at DESC);
CREATE INDEX payments_unsettled ON payments (created_at) WHERE status IN ('created', 'pending');

-- Acquirer notifications seen (PAY-6): a duplicate is answered 200 and changes nothing.
CREATE TABLE acquiring_events (
  provider     text NOT NULL,
  event_id     text NOT NULL,
  received_at  timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id)
);

-- The customer's operation history: one row per event, written in the event's own transaction.
CREATE TABLE operations (
  id              uuid PRIMARY KEY,
  customer_id     uuid NOT NULL REFERENCES customers (id),
  loan_id         uuid,
  at              timestamptz NOT NULL,
  type            text NOT NULL CHECK (type IN ('application', 'decision', 'signing', 'payout', 'refusal', 'accrual', 'payment', 'prolongation', 'closing', 'support')),
  title           text NOT NULL,
  amount_kopecks  bigint,
  status          text,
  -- What it is about (payment id, loan id + date…): writing the same event twice changes nothing.
  ref             text NOT NULL,
  UNIQUE (type, ref)
);
CREATE INDEX operations_timeline ON operations (customer_id, at DESC, id DESC);

-- What the sandbox acquirer holds (it dedupes by idempotency key, like a real one).
CREATE TABLE sandbox_acquiring_payments (
  id               uuid PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE,
  amount_kopecks   bigint NOT NULL,
  method           text NOT NULL,
  description      text NOT NULL,
  return_url       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'canceled')),
  created_at       timestamptz NOT NULL,
  paid_at          timestamptz
);

-- The request creating the acquirer's payment holds it until then; a same-key request meanwhile is
-- told it is in flight (409), a later one after a failure takes it over.
ALTER TABLE payments ADD COLUMN claimed_until timestamptz;
