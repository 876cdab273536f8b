-- Account deletion requests (SECURITY.md PD-7, PD-8; docs/backoffice.md «Deletion requests»): the
-- customer asks (a support request of category 'deletion' plus a row here), staff confirm or refuse.
-- A confirmed deletion marks the customer deleted: sessions revoked, login refused. Destroying the
-- data (30 days) and the 5-year retention hold come later (issue 8); deletion forgives no debt.

ALTER TABLE customers ADD COLUMN deleted_at timestamptz;

CREATE TABLE deletion_requests (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL REFERENCES customers (id),
  ticket_id     uuid NOT NULL UNIQUE REFERENCES support_tickets (id),
  status        text NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused')),
  requested_at  timestamptz NOT NULL,
  decided_at    timestamptz,
  decided_by    uuid REFERENCES staff (id),
  -- Why staff refused (posted to the customer in the ticket too).
  comment       text CHECK (length(comment) BETWEEN 1 AND 4000),
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK ((status = 'pending') = (decided_by IS NULL)),
  CHECK (status <> 'refused' OR comment IS NOT NULL)
);
-- One pending request per customer: asking again finds the first one.
CREATE UNIQUE INDEX deletion_requests_one_pending ON deletion_requests (customer_id) WHERE status = 'pending';
CREATE INDEX deletion_requests_status ON deletion_requests (status, requested_at);
