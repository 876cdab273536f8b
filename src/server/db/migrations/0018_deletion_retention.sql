-- The rest of account deletion (issue 8; SECURITY.md PD-7, PD-8, scenario 12; docs/backoffice.md
-- «Deletion requests»): the dated destruction task and the retention hold, the destruction acts,
-- a purge exception in the evidence triggers, the phone freed for a new registration, and the
-- `compliance` staff role that alone sees what is held.

-- Compliance officers see the retention holds and the acts; nobody else does.
ALTER TABLE staff DROP CONSTRAINT staff_roles_check;
ALTER TABLE staff ADD CONSTRAINT staff_roles_check
  CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['support', 'underwriter', 'collections', 'admin', 'compliance']);

-- A destroyed customer keeps its row (the anonymous owner of the loans and payments kept by law)
-- but not its phone: the number is free, and a new login with it makes a new, clean customer.
-- Until the destruction the phone stays, and a login with it is refused (account_deleted).
ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;
ALTER TABLE customers ADD CONSTRAINT customers_phone_kept_unless_deleted CHECK (phone IS NOT NULL OR deleted_at IS NOT NULL);

-- One row per confirmed deletion, written in the confirming transaction. First the dated
-- destruction task (PD-7: data without a legal basis destroyed by `destroy_by`, 30 days after the
-- confirmation; the job does it from `destroy_after` on), then the hold of what the law makes us keep
-- (PD-8: loans, identification, signatures, payments, the consents behind them) until `purge_after`.
CREATE TABLE retention_holds (
  customer_id          uuid PRIMARY KEY REFERENCES customers (id),
  deletion_request_id  uuid NOT NULL UNIQUE REFERENCES deletion_requests (id),
  -- The confirmation: sessions ended and login refused from this moment.
  deleted_at           timestamptz NOT NULL,
  destroy_after        timestamptz NOT NULL,
  destroy_by           timestamptz NOT NULL,
  destroyed_at         timestamptz,
  -- The later of the last loan's end and the confirmation (115-ФЗ, 402-ФЗ: 5 years after it).
  relationship_end     timestamptz NOT NULL,
  purge_after          timestamptz NOT NULL,
  -- HMAC(lookupKey, 'phone:' || phone): compliance finds the held records by the number once the
  -- customer row has lost it. Dropped at the purge.
  phone_hash           bytea,
  -- What the destruction left on hold: [{category, rows}] (NULL until the destruction).
  held                 jsonb CHECK (held IS NULL OR jsonb_typeof(held) = 'array'),
  purged_at            timestamptz,
  CHECK (deleted_at <= destroy_after AND destroy_after <= destroy_by),
  CHECK (relationship_end <= purge_after),
  CHECK ((destroyed_at IS NULL) = (held IS NULL)),
  CHECK (purged_at IS NULL OR destroyed_at IS NOT NULL),
  CHECK ((purged_at IS NULL) = (phone_hash IS NOT NULL))
);
CREATE INDEX retention_holds_destroy_due ON retention_holds (destroy_after) WHERE destroyed_at IS NULL;
CREATE INDEX retention_holds_purge_due ON retention_holds (purge_after) WHERE purged_at IS NULL;
CREATE INDEX retention_holds_phone ON retention_holds (phone_hash);
CREATE INDEX retention_holds_deleted ON retention_holds (deleted_at DESC);

-- The act of each destruction and each purge (Приказ РКН № 179: an act and an extract of the log):
-- what was destroyed, how many rows, the audit records written for it, when, by which job run.
-- One per customer and kind, so a rerun or a parallel run cannot write a second one.
CREATE TABLE deletion_acts (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL REFERENCES customers (id),
  kind          text NOT NULL CHECK (kind IN ('destruction', 'purge')),
  performed_at  timestamptz NOT NULL,
  -- The job run that did it (pg-boss job id).
  job_id        text NOT NULL CHECK (length(job_id) BETWEEN 1 AND 100),
  -- [{category, rows}], every category the run looked at, zero rows included.
  categories    jsonb NOT NULL CHECK (jsonb_typeof(categories) = 'array'),
  -- The audit_log ids of this act's records, one per category with rows.
  audit_ids     jsonb NOT NULL CHECK (jsonb_typeof(audit_ids) = 'array'),
  UNIQUE (customer_id, kind)
);
CREATE INDEX deletion_acts_performed ON deletion_acts (performed_at DESC, id DESC);

CREATE FUNCTION deletion_acts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'deletion acts are records: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER deletion_acts_no_change BEFORE UPDATE OR DELETE ON deletion_acts
  FOR EACH ROW EXECUTE FUNCTION deletion_acts_refuse_change();

-- Signing evidence stays immutable, with one exception at the end of the retention hold: the purge
-- may, once, blank the personal parts (the document, phone, IP, user agent) and set purged_at. It
-- can only destroy: every other column must stay as signed, blanks are the only values accepted,
-- and DELETE is still refused — the row (hash, agreement version, times) remains as the record that
-- a contract was signed.
ALTER TABLE signatures ADD COLUMN purged_at timestamptz;

CREATE OR REPLACE FUNCTION signatures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL
     AND NEW.document = ''::bytea AND NEW.phone = '' AND NEW.ip = '' AND NEW.user_agent = ''
     AND (NEW.id, NEW.application_id, NEW.loan_id, NEW.document_sha256, NEW.agreement_version, NEW.challenge_id,
          NEW.code_hash, NEW.session_id, NEW.code_sent_at, NEW.signed_at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.application_id, OLD.loan_id, OLD.document_sha256, OLD.agreement_version, OLD.challenge_id,
          OLD.code_hash, OLD.session_id, OLD.code_sent_at, OLD.signed_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'signing evidence is immutable: % is not allowed', TG_OP;
END $$;

-- The same exception for prolongation addenda; otherwise only the status moves forward, as before.
ALTER TABLE addenda ADD COLUMN purged_at timestamptz;

CREATE OR REPLACE FUNCTION addenda_evidence_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'addenda are kept: DELETE is not allowed';
  END IF;
  IF OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL
     AND NEW.document = ''::bytea AND NEW.phone = '' AND NEW.ip = '' AND NEW.user_agent = ''
     AND (NEW.id, NEW.loan_id, NEW.sequence, NEW.days, NEW.new_due_date, NEW.interest_kopecks, NEW.document_sha256,
          NEW.challenge_id, NEW.code_hash, NEW.session_id, NEW.signed_at, NEW.status, NEW.applied_at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.loan_id, OLD.sequence, OLD.days, OLD.new_due_date, OLD.interest_kopecks, OLD.document_sha256,
          OLD.challenge_id, OLD.code_hash, OLD.session_id, OLD.signed_at, OLD.status, OLD.applied_at) THEN
    RETURN NEW;
  END IF;
  IF (NEW.id, NEW.loan_id, NEW.sequence, NEW.days, NEW.new_due_date, NEW.interest_kopecks, NEW.document, NEW.document_sha256,
      NEW.phone, NEW.challenge_id, NEW.code_hash, NEW.session_id, NEW.ip, NEW.user_agent, NEW.signed_at, NEW.purged_at)
     IS DISTINCT FROM
     (OLD.id, OLD.loan_id, OLD.sequence, OLD.days, OLD.new_due_date, OLD.interest_kopecks, OLD.document, OLD.document_sha256,
      OLD.phone, OLD.challenge_id, OLD.code_hash, OLD.session_id, OLD.ip, OLD.user_agent, OLD.signed_at, OLD.purged_at)
     OR OLD.status <> 'awaiting_payment' THEN
    RAISE EXCEPTION 'addendum evidence is immutable';
  END IF;
  RETURN NEW;
END $$;
