-- Loan applications, their consents and the scoring record.
--
-- Personal data (passport, ИНН, birth date and place, addresses, email, names) is encrypted per
-- field with AES-256-GCM (application code; `pii_key_id` says which key), bound to its row and
-- column; `*_hash` columns are keyed HMACs for lookups (repeat customers, duplicates).

CREATE TABLE applications (
  id               uuid PRIMARY KEY,
  customer_id      uuid NOT NULL REFERENCES customers (id),
  status           text NOT NULL CHECK (status IN ('draft', 'scoring', 'approved', 'declined', 'manual_review')),
  product_code     text NOT NULL,
  amount_rubles    integer NOT NULL CHECK (amount_rubles > 0),
  term             integer NOT NULL CHECK (term > 0),
  -- Encrypted questionnaire fields: one ciphertext per field.
  pii_key_id       smallint NOT NULL,
  last_name_ct     bytea,
  first_name_ct    bytea,
  middle_name_ct   bytea,
  birth_date_ct    bytea,
  birth_place_ct   bytea,
  passport_ct      bytea,
  registration_address_ct bytea,
  actual_address_ct bytea,
  inn_ct           bytea,
  email_ct         bytea,
  -- Not personal data on their own: kept in clear for scoring and reports.
  employment_type  text CHECK (employment_type IN ('employed', 'self_employed', 'pensioner', 'student', 'unemployed')),
  employer_ct      bytea,
  monthly_income_rubles integer CHECK (monthly_income_rubles > 0),
  income_source    text,
  passport_hash    bytea,
  inn_hash         bytea,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  submitted_at     timestamptz,
  decided_at       timestamptz,
  -- The decision. Reasons are for staff only; the borrower sees the status and reapply date.
  offer_amount_rubles integer,
  offer_term       integer,
  reapply_after    date,
  pdn_percent      numeric(7, 2),
  decision_reasons jsonb,
  scoring_attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX applications_customer ON applications (customer_id, created_at DESC);
CREATE INDEX applications_inn_hash ON applications (inn_hash);
CREATE INDEX applications_passport_hash ON applications (passport_hash);
-- One application in progress per customer: a second draft or a parallel submit is refused.
CREATE UNIQUE INDEX applications_one_open ON applications (customer_id) WHERE status IN ('draft', 'scoring');

-- Consents: one row per grant, append-only; the text is identified by its version (hash).
CREATE TABLE consents (
  id              uuid PRIMARY KEY,
  customer_id     uuid NOT NULL REFERENCES customers (id),
  application_id  uuid REFERENCES applications (id),
  kind            text NOT NULL CHECK (kind IN ('personal_data', 'credit_history', 'simple_signature', 'marketing')),
  document_version text NOT NULL,
  granted_at      timestamptz NOT NULL,
  ip              text NOT NULL,
  user_agent      text NOT NULL,
  withdrawn_at    timestamptz
);
CREATE INDEX consents_customer ON consents (customer_id, kind, granted_at DESC);
CREATE INDEX consents_application ON consents (application_id);

-- What each scoring check answered, for staff (never shown to the borrower).
CREATE TABLE scoring_checks (
  id              bigserial PRIMARY KEY,
  application_id  uuid NOT NULL REFERENCES applications (id),
  attempt         integer NOT NULL,
  check_name      text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('pass', 'fail', 'refer', 'error')),
  details         jsonb NOT NULL,
  checked_at      timestamptz NOT NULL
);
CREATE INDEX scoring_checks_application ON scoring_checks (application_id, id);
