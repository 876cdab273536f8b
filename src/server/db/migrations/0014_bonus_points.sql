-- Bonus points (issue 8, docs/ARCHITECTURE.md «Bonus points»): earned on a loan repaid on time,
-- spent on interest or on a prolongation fee; 1 point = 1 ₽ off.
-- bonus_point_entries is the append-only ledger of points; a customer's balance is its sum.
-- bonus_accounts caches that sum per customer: its row is the lock every change takes first, and its
-- CHECK makes a negative balance impossible even if a check in the code were wrong.

CREATE TABLE bonus_accounts (
  customer_id     uuid PRIMARY KEY REFERENCES customers (id),
  balance_points  bigint NOT NULL DEFAULT 0 CHECK (balance_points >= 0)
);

CREATE TABLE bonus_point_entries (
  id               uuid PRIMARY KEY,
  customer_id      uuid NOT NULL REFERENCES customers (id),
  -- The loan the points were earned on or spent on (NULL for an expiry).
  loan_id          uuid REFERENCES loans (id),
  kind             text NOT NULL CHECK (kind IN ('earn', 'spend', 'expire')),
  -- Signed: earned points are positive, spent and expired ones negative.
  points           bigint NOT NULL CHECK (points <> 0),
  -- 'on_time_repayment', 'interest', 'prolongation', 'expiry'.
  reason           text NOT NULL,
  -- One row per event: a redelivered job or a repeated request finds the row already there.
  idempotency_key  text NOT NULL UNIQUE,
  -- A customer's spend request under their Idempotency-Key: what it asked, so the same key with
  -- another body is refused (NULL on rows made by the system).
  request_sha256   text,
  created_at       timestamptz NOT NULL,
  -- Earned points lapse at this moment if still unspent (NULL on spend and expire rows).
  expires_at       timestamptz,
  CHECK ((kind = 'earn') = (points > 0)),
  CHECK ((kind = 'earn') = (expires_at IS NOT NULL))
);
CREATE INDEX bonus_point_entries_customer ON bonus_point_entries (customer_id, created_at);
CREATE INDEX bonus_point_entries_expiring ON bonus_point_entries (expires_at) WHERE kind = 'earn';

CREATE FUNCTION bonus_points_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bonus points are append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER bonus_point_entries_append_only BEFORE UPDATE OR DELETE ON bonus_point_entries
  FOR EACH ROW EXECUTE FUNCTION bonus_points_refuse_change();

-- The operation history gets a «bonus» kind. Other migrations of the same release may widen this
-- list too, so the new list is the one in force plus 'bonus', not a list copied from 0007.
DO $$
DECLARE
  allowed text[];
BEGIN
  SELECT array_agg(DISTINCT m[1]) INTO allowed
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') AS m
   WHERE c.conrelid = 'operations'::regclass AND c.conname = 'operations_type_check';
  ALTER TABLE operations DROP CONSTRAINT operations_type_check;
  EXECUTE format('ALTER TABLE operations ADD CONSTRAINT operations_type_check CHECK (type = ANY (%L::text[]))', array_append(allowed, 'bonus'));
END $$;
