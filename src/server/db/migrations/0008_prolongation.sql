-- Prolongation (пролонгация): an addendum signed by SMS code, in force once its interest is paid.

ALTER TABLE loans ADD COLUMN prolongations integer NOT NULL DEFAULT 0 CHECK (prolongations BETWEEN 0 AND 5);

CREATE TABLE addenda (
  id               uuid PRIMARY KEY,
  loan_id          uuid NOT NULL REFERENCES loans (id),
  -- Which prolongation of the contract this would be (1…5, R20).
  sequence         integer NOT NULL CHECK (sequence BETWEEN 1 AND 5),
  days             integer NOT NULL CHECK (days BETWEEN 7 AND 30),
  new_due_date     date NOT NULL,
  interest_kopecks bigint NOT NULL CHECK (interest_kopecks > 0),
  -- Evidence, as for the contract: the sealed text, its hash, the code and where it came from.
  document         bytea NOT NULL,
  document_sha256  text NOT NULL,
  phone            text NOT NULL,
  challenge_id     uuid NOT NULL,
  code_hash        bytea NOT NULL,
  session_id       uuid NOT NULL,
  ip               text NOT NULL,
  user_agent       text NOT NULL,
  signed_at        timestamptz NOT NULL,
  -- awaiting_payment → applied (the interest was paid) or void (the payment failed).
  status           text NOT NULL CHECK (status IN ('awaiting_payment', 'applied', 'void')),
  applied_at       timestamptz
);
CREATE INDEX addenda_loan ON addenda (loan_id, signed_at DESC);

-- The evidence never changes; only the status moves forward.
CREATE FUNCTION addenda_evidence_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'addenda are kept: DELETE is not allowed';
  END IF;
  IF (NEW.id, NEW.loan_id, NEW.sequence, NEW.days, NEW.new_due_date, NEW.interest_kopecks, NEW.document, NEW.document_sha256,
      NEW.phone, NEW.challenge_id, NEW.code_hash, NEW.session_id, NEW.ip, NEW.user_agent, NEW.signed_at)
     IS DISTINCT FROM
     (OLD.id, OLD.loan_id, OLD.sequence, OLD.days, OLD.new_due_date, OLD.interest_kopecks, OLD.document, OLD.document_sha256,
      OLD.phone, OLD.challenge_id, OLD.code_hash, OLD.session_id, OLD.ip, OLD.user_agent, OLD.signed_at)
     OR OLD.status <> 'awaiting_payment' THEN
    RAISE EXCEPTION 'addendum evidence is immutable';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER addenda_immutable BEFORE UPDATE OR DELETE ON addenda FOR EACH ROW EXECUTE FUNCTION addenda_evidence_fixed();

ALTER TABLE payments ADD COLUMN addendum_id uuid REFERENCES addenda (id);
