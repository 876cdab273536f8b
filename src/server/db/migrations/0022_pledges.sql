-- Issue 10, loans secured by a car: what the checks said about the car at the decision, the pledge
-- of a signed car loan in the notaries' registry, and the registry sandbox's own store.

-- The valuation the decision used (the approved amount is at most a share of it). Kept on the
-- vehicle row because the pledge agreement states it (ГК РФ ст. 339: the value of the pledged
-- thing as the parties agree it) and staff read it with the checks. Null until scored.
ALTER TABLE application_vehicles
  ADD COLUMN valuation_kopecks bigint CHECK (valuation_kopecks > 0),
  ADD COLUMN valuation_source text,
  ADD COLUMN valued_at timestamptz,
  ADD COLUMN valuation_share_percent integer CHECK (valuation_share_percent BETWEEN 1 AND 100);

-- One pledge per signed car loan, from signing to the release notice (DOMAIN.md R24).
--   registering → registered → releasing → released, or registering → cancelled when the loan
--   ended (cooling-off refusal, failed payout) before any filing was attempted.
-- A filing is idempotent at the registry by key (`<loan id>:pledge`, `<loan id>:release`), so the
-- job may repeat an attempt whose answer was lost; `*_attempts` count the attempts and the lease
-- (`claimed_until`) keeps two workers from filing at once.
-- `ended_on`: the Moscow day the loan was repaid in full (or refused); the release is due
-- `release_due_on`, the 3rd working day after it (core/vehicle/pledge-release.ts).
CREATE TABLE loan_pledges (
  loan_id            uuid PRIMARY KEY REFERENCES loans (id),
  customer_id        uuid NOT NULL REFERENCES customers (id),
  application_id     uuid NOT NULL REFERENCES application_vehicles (application_id),
  vin                text NOT NULL,
  status             text NOT NULL CHECK (status IN ('registering', 'registered', 'releasing', 'released', 'cancelled')),
  notice_number      text,
  registered_at      timestamptz,
  ended_on           date,
  release_due_on     date,
  release_number     text,
  released_at        timestamptz,
  register_attempts  integer NOT NULL DEFAULT 0,
  release_attempts   integer NOT NULL DEFAULT 0,
  claimed_until      timestamptz,
  last_error         text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  CHECK ((status IN ('registering', 'cancelled')) = (notice_number IS NULL)),
  CHECK ((status IN ('releasing', 'released')) = (release_due_on IS NOT NULL)),
  CHECK ((status = 'released') = (release_number IS NOT NULL))
);
CREATE INDEX loan_pledges_customer ON loan_pledges (customer_id);
CREATE INDEX loan_pledges_vin ON loan_pledges (vin);
CREATE INDEX loan_pledges_pending ON loan_pledges (status) WHERE status IN ('registering', 'registered', 'releasing');
CREATE INDEX loan_pledges_release_due ON loan_pledges (release_due_on) WHERE status = 'releasing';

CREATE TRIGGER loan_pledges_notify AFTER INSERT OR UPDATE OR DELETE ON loan_pledges
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');

-- The sandbox pledge registry (providers/vehicle/sandbox.ts) keeps its notices here, so that a web
-- process, a worker and a restart all see the same registry, as they would the real one. It keeps
-- the pledgor only inside a fingerprint (the SHA-256 of the request's fields).
CREATE TABLE sandbox_pledge_notices (
  notice_number      text PRIMARY KEY,
  idempotency_key    text NOT NULL UNIQUE,
  fingerprint        text NOT NULL,
  vin                text NOT NULL,
  pledgee            text NOT NULL,
  contract_number    text NOT NULL,
  registered_at      timestamptz NOT NULL,
  release_key        text UNIQUE,
  release_number     text UNIQUE,
  released_at        timestamptz
);
CREATE INDEX sandbox_pledge_notices_vin ON sandbox_pledge_notices (vin, registered_at);

-- The operation history gets a «pledge» kind (registered, released). 0014's way of reading the
-- list in force back from the constraint does not parse the form PostgreSQL stores it in since
-- ('{a,b}'::text[]), so the whole list is stated: core/operations.ts OPERATION_TYPES.
ALTER TABLE operations DROP CONSTRAINT operations_type_check;
ALTER TABLE operations ADD CONSTRAINT operations_type_check CHECK (type IN (
  'application', 'decision', 'signing', 'payout', 'refusal', 'accrual', 'payment', 'prolongation', 'closing', 'support', 'bonus', 'pledge'
));
