-- Each app process keeps a customer's session and most-read replies (the loan list and view, the
-- application list, the history pages) in memory (src/server/http/read-cache.ts). Whatever writes them — this process,
-- another one, a worker, a staff member, a migration by hand — says so here: a committed change
-- sends NOTIFY customer_changed with the customer's id, and every process forgets what it held for
-- that customer. PostgreSQL delivers a notification only after its transaction commits, in commit
-- order, and sends one per distinct payload per transaction however many rows changed.
--
-- TG_ARGV[0] says where the customer's id is: 'id' (customers), 'customer_id', 'loan_id' (the
-- loan's customer), 'owner_id' (a ledger account's owner: a loan, a customer, or NULL for the
-- lender's own accounts, which no customer reads).

CREATE OR REPLACE FUNCTION notify_customer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
  ref uuid;
  customer uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  ref := (to_jsonb(changed) ->> TG_ARGV[0])::uuid;
  IF ref IS NULL THEN RETURN NULL; END IF;
  IF TG_ARGV[0] IN ('loan_id', 'owner_id') THEN
    SELECT l.customer_id INTO customer FROM loans l WHERE l.id = ref;
  END IF;
  PERFORM pg_notify('customer_changed', coalesce(customer, ref)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER customers_notify AFTER UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('id');
-- Only what ends a session: its activity clock (last_seen_at) moves every 30 s and changes nothing held.
CREATE TRIGGER sessions_notify AFTER UPDATE OF revoked_at, token_hash, customer_id, created_at OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
CREATE TRIGGER loans_notify AFTER INSERT OR UPDATE OR DELETE ON loans
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
CREATE TRIGGER payouts_notify AFTER INSERT OR UPDATE OR DELETE ON payouts
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('loan_id');
CREATE TRIGGER ledger_accounts_notify AFTER INSERT OR UPDATE OR DELETE ON ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('owner_id');
CREATE TRIGGER operations_notify AFTER INSERT OR UPDATE OR DELETE ON operations
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
CREATE TRIGGER applications_notify AFTER INSERT OR UPDATE OR DELETE ON applications
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
CREATE TRIGGER consents_notify AFTER INSERT OR UPDATE OR DELETE ON consents
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
