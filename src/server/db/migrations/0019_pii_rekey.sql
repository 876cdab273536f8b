-- Rotating the personal-data key (PII_FIELD_KEYS, `npm run pii:rekey`) re-seals every sealed value
-- with the current key. Signing evidence is otherwise immutable; this allows exactly that and
-- nothing else: the document's ciphertext may change to one under another key id (byte 1 of the
-- layout version ‖ key id ‖ nonce ‖ tag ‖ data), while every other column stays as it was. The
-- re-keying checks that the re-sealed text still hashes to document_sha256 before it writes.

CREATE OR REPLACE FUNCTION evidence_rekey_only(old_row jsonb, new_row jsonb, old_document bytea, new_document bytea)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT length(old_document) > 30 AND length(new_document) > 30
     AND get_byte(old_document, 0) = 1 AND get_byte(new_document, 0) = 1
     AND get_byte(new_document, 1) <> get_byte(old_document, 1)
     AND (old_row - 'document') = (new_row - 'document')
$$;

CREATE OR REPLACE FUNCTION signatures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND evidence_rekey_only(to_jsonb(OLD), to_jsonb(NEW), OLD.document, NEW.document) THEN
    RETURN NEW;
  END IF;
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

CREATE OR REPLACE FUNCTION addenda_evidence_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'addenda are kept: DELETE is not allowed';
  END IF;
  IF evidence_rekey_only(to_jsonb(OLD), to_jsonb(NEW), OLD.document, NEW.document) THEN
    RETURN NEW;
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
