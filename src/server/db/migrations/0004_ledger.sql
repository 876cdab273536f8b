-- Double-entry ledger: append-only, integer kopecks, one posting per external event.

CREATE TABLE ledger_accounts (
  id              text PRIMARY KEY,
  kind            text NOT NULL,
  -- The loan or customer the account belongs to (NULL for the lender's own accounts).
  owner_id        uuid,
  -- Assets (receivables) grow with debits, liabilities and income with credits.
  normal_side     text NOT NULL CHECK (normal_side IN ('debit', 'credit')),
  -- Receivables and overpayments may never go below zero; clearing accounts may.
  allow_negative  boolean NOT NULL DEFAULT false,
  -- Cached balance on the normal side (debits − credits for a debit account); ledger_check() recomputes it.
  balance_kopecks bigint NOT NULL DEFAULT 0,
  CONSTRAINT ledger_accounts_no_forbidden_negative CHECK (allow_negative OR balance_kopecks >= 0)
);

CREATE TABLE ledger_transactions (
  id           uuid PRIMARY KEY,
  -- What caused it ('payout', 'payment', 'accrual', …) and that event's id: one posting per event.
  source       text NOT NULL,
  external_id  text NOT NULL,
  description  text NOT NULL,
  posted_at    timestamptz NOT NULL,
  UNIQUE (source, external_id)
);

CREATE TABLE ledger_entries (
  id              bigserial PRIMARY KEY,
  transaction_id  uuid NOT NULL REFERENCES ledger_transactions (id),
  account_id      text NOT NULL REFERENCES ledger_accounts (id),
  debit_kopecks   bigint NOT NULL DEFAULT 0 CHECK (debit_kopecks >= 0),
  credit_kopecks  bigint NOT NULL DEFAULT 0 CHECK (credit_kopecks >= 0),
  CHECK ((debit_kopecks = 0) <> (credit_kopecks = 0))
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);

-- Append-only: history is corrected by new postings, never edited.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Every transaction balances: checked when the database transaction commits.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  difference bigint;
BEGIN
  SELECT COALESCE(SUM(debit_kopecks - credit_kopecks), 0) INTO difference
    FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
  IF difference <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (difference % kopecks)', NEW.transaction_id, difference;
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
