-- Signing, loans and payouts.

-- What a step-up code is for: for signing, the application and the SHA-256 of the exact document.
ALTER TABLE otp_challenges ADD COLUMN subject text;

ALTER TABLE applications DROP CONSTRAINT applications_status_check;
ALTER TABLE applications ADD CONSTRAINT applications_status_check
  CHECK (status IN ('draft', 'scoring', 'approved', 'declined', 'manual_review', 'signed'));

-- How the borrower wants the money. Only what is needed to pay out; no card numbers, ever.
CREATE TABLE payout_methods (
  application_id   uuid PRIMARY KEY REFERENCES applications (id),
  type             text NOT NULL CHECK (type IN ('card', 'sbp', 'wallet', 'cash')),
  -- Non-secret details: bank id and name for СБП, masked wallet, provider token references.
  details          jsonb NOT NULL,
  -- The recipient's name as the provider reported it matched the borrower's (R13).
  holder_matched   boolean NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);

CREATE TABLE loans (
  id               uuid PRIMARY KEY,
  customer_id      uuid NOT NULL REFERENCES customers (id),
  application_id   uuid NOT NULL UNIQUE REFERENCES applications (id),
  status           text NOT NULL CHECK (status IN ('cooling_off', 'disbursing', 'active', 'refused', 'payout_failed', 'closed')),
  product_code     text NOT NULL,
  amount_kopecks   bigint NOT NULL CHECK (amount_kopecks > 0),
  term             integer NOT NULL,
  contract_date    date NOT NULL,
  return_date      date NOT NULL,
  total_kopecks    bigint NOT NULL,
  psk_percent      numeric(8, 3) NOT NULL,
  -- The offer as signed (the pricing engine's quote): the contract's figures, frozen.
  quote            jsonb NOT NULL,
  payout_type      text NOT NULL,
  -- Money may leave from this moment (after the cooling-off period, 353-ФЗ ст. 7 ч. 9.3).
  payout_at        timestamptz NOT NULL,
  signed_at        timestamptz NOT NULL,
  activated_at     timestamptz,
  refused_at       timestamptz,
  created_at       timestamptz NOT NULL
);
CREATE INDEX loans_customer ON loans (customer_id, created_at DESC);
CREATE INDEX loans_cooling_off ON loans (payout_at) WHERE status = 'cooling_off';

-- Signing evidence (63-ФЗ ст. 9): immutable once written.
CREATE TABLE signatures (
  id                 uuid PRIMARY KEY,
  application_id     uuid NOT NULL UNIQUE REFERENCES applications (id),
  loan_id            uuid NOT NULL UNIQUE REFERENCES loans (id),
  document_sha256    text NOT NULL,
  document           bytea NOT NULL,
  agreement_version  text NOT NULL,
  phone              text NOT NULL,
  challenge_id       uuid NOT NULL,
  code_hash          bytea NOT NULL,
  session_id         uuid NOT NULL,
  ip                 text NOT NULL,
  user_agent         text NOT NULL,
  code_sent_at       timestamptz NOT NULL,
  signed_at          timestamptz NOT NULL
);
CREATE FUNCTION signatures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'signing evidence is immutable: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER signatures_immutable BEFORE UPDATE OR DELETE ON signatures
  FOR EACH ROW EXECUTE FUNCTION signatures_refuse_change();

-- One payout per loan, whatever the retries: the provider sees the same idempotency key.
CREATE TABLE payouts (
  id                  uuid PRIMARY KEY,
  loan_id             uuid NOT NULL UNIQUE REFERENCES loans (id),
  provider            text NOT NULL,
  idempotency_key     text NOT NULL UNIQUE,
  status              text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  amount_kopecks      bigint NOT NULL,
  provider_payout_id  text,
  -- For cash: the transfer code the borrower shows at a Золотая Корона point (sealed).
  cash_code_ct        bytea,
  attempts            integer NOT NULL DEFAULT 0,
  -- The run that may call the provider now; another run waits until this lease has passed.
  claimed_until       timestamptz,
  last_error          text,
  created_at          timestamptz NOT NULL,
  completed_at        timestamptz
);

-- What the sandbox payout provider accepted (it dedupes by idempotency key, like a real one).
CREATE TABLE sandbox_payouts (
  idempotency_key  text PRIMARY KEY,
  provider_id      text NOT NULL,
  type             text NOT NULL,
  amount_kopecks   bigint NOT NULL,
  cash_code        text,
  created_at       timestamptz NOT NULL
);
