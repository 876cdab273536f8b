-- Support, issue 8: the date an answer is due, files attached to messages, and requests from the
-- public «Не приходит SMS» form (no login), with their durable rate-limit log.

-- The last day of the answer: the Moscow date of receipt + 15 working days (DOMAIN.md R20), computed
-- by the application from the production calendar (src/core/calendar/working-days.ts). A customer
-- writing again after our answer starts a new term. NULL only for rows written by hand.
ALTER TABLE support_tickets ADD COLUMN due_date date;
-- Requests made before this migration: 15 weekdays after the Moscow date (SQL knows no holidays).
UPDATE support_tickets t
   SET due_date = (
     SELECT d::date
       FROM generate_series(((t.created_at AT TIME ZONE 'UTC') + interval '3 hours')::date + 1,
                            ((t.created_at AT TIME ZONE 'UTC') + interval '3 hours')::date + 40,
                            interval '1 day') AS d
      WHERE extract(isodow FROM d) < 6
      ORDER BY d
     OFFSET 14 LIMIT 1);
CREATE INDEX support_tickets_due ON support_tickets (due_date, id);

-- A request from the public form has no customer: the phone it is about (and an optional way to
-- reach the person) are kept sealed like other personal data. It is never linked to the account
-- with that phone, so the form cannot tell whether one exists, and nobody can write into someone
-- else's cabinet by typing their number.
ALTER TABLE support_tickets ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE support_tickets ADD COLUMN public_phone_ct bytea;
ALTER TABLE support_tickets ADD COLUMN public_contact_ct bytea;
ALTER TABLE support_tickets ADD CONSTRAINT support_tickets_owner CHECK ((customer_id IS NULL) = (public_phone_ct IS NOT NULL));
ALTER TABLE support_tickets ADD CONSTRAINT support_tickets_public_contact CHECK (public_contact_ct IS NULL OR customer_id IS NULL);

-- Every accepted public request, for the sliding-window limits (per phone, per IP), counted in the
-- database so that they hold across processes and restarts. The phone only as a keyed hash.
CREATE TABLE support_public_log (
  id          bigserial PRIMARY KEY,
  phone_hash  bytea NOT NULL,
  ip          text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX support_public_log_phone ON support_public_log (phone_hash, at);
CREATE INDEX support_public_log_ip ON support_public_log (ip, at);
CREATE INDEX support_public_log_at ON support_public_log (at);

-- Files attached to a message (photos, scans). The type is the one sniffed from the bytes, never the
-- one the sender claimed; the name is the sender's, cleaned, with the extension of that type. The
-- bytes are kept in the row for now (≤ 5 MiB, a few per message); files that outgrow rows (the car
-- pledge documents) belong on disk under DATA_DIR or in object storage.
CREATE TABLE support_attachments (
  id          uuid PRIMARY KEY,
  ticket_id   uuid NOT NULL REFERENCES support_tickets (id),
  message_id  uuid NOT NULL REFERENCES support_messages (id),
  file_name   text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 120),
  mime_type   text NOT NULL CHECK (mime_type IN ('image/jpeg', 'image/png', 'application/pdf', 'image/webp', 'image/heic')),
  size_bytes  integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
  sha256      bytea NOT NULL CHECK (length(sha256) = 32),
  content     bytea NOT NULL CHECK (length(content) = size_bytes),
  created_at  timestamptz NOT NULL
);
CREATE INDEX support_attachments_message ON support_attachments (message_id, created_at);
CREATE INDEX support_attachments_ticket ON support_attachments (ticket_id);
