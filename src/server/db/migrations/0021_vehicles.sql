-- Issue 10, loans secured by a car (залог ПТС): the vehicle step of a `car` application.
--
-- One vehicle per application. What stays in clear, and why:
-- - VIN (normalised, 17 characters), make, model, year, mileage: they describe the car, not its
--   owner; the pledge registry (реестр уведомлений о залоге), the ГИБДД restriction check and the
--   valuation are all looked up by VIN, and the back office searches by VIN to find a double pledge.
-- - plate: shown on the street and in every photo of the car; the back office searches by it when a
--   customer calls about "my car". It identifies a person only together with the ГИБДД register,
--   like the VIN.
-- Sealed per field like the passport (AES-256-GCM, AAD `application_vehicles.<column>:<application
-- id>`, listed in src/server/pii-rekey.ts): the ПТС/ЭПТС number and the СТС number. They are the
-- numbers of documents issued to the owner (the СТС names the owner and the address), used only to
-- be compared with the paper at the pledge, never searched by.
CREATE TABLE application_vehicles (
  application_id  uuid PRIMARY KEY REFERENCES applications (id),
  customer_id     uuid NOT NULL REFERENCES customers (id),
  vin             text NOT NULL CHECK (vin ~ '^[0-9A-HJ-NPR-Z]{17}$'),
  make            text NOT NULL CHECK (length(make) BETWEEN 1 AND 60),
  model           text NOT NULL CHECK (length(model) BETWEEN 1 AND 60),
  year            integer NOT NULL CHECK (year BETWEEN 1980 AND 2200),
  mileage_km      integer NOT NULL CHECK (mileage_km BETWEEN 0 AND 2000000),
  plate           text NOT NULL CHECK (length(plate) BETWEEN 8 AND 9),
  pts_number_ct   bytea NOT NULL,
  sts_number_ct   bytea NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX application_vehicles_vin ON application_vehicles (vin);
CREATE INDEX application_vehicles_plate ON application_vehicles (plate);
CREATE INDEX application_vehicles_customer ON application_vehicles (customer_id);

-- The photos of the car. The bytes live in the blob store under DATA_DIR/blobs, named by their
-- SHA-256 (src/server/storage/blob-store.ts); a row keeps the hash, the type sniffed from the bytes
-- and the size. One photo of each side, the odometer and the VIN plate (a new upload of a kind
-- replaces the row); up to 6 pages of the ПТС (checked by the service under the application's row
-- lock). `customer_id` lets the change notification and the sweeps' snapshots find the owner.
CREATE TABLE application_vehicle_photos (
  id              uuid PRIMARY KEY,
  application_id  uuid NOT NULL REFERENCES applications (id),
  customer_id     uuid NOT NULL REFERENCES customers (id),
  kind            text NOT NULL CHECK (kind IN ('front', 'back', 'left', 'right', 'odometer', 'vin_plate', 'pts_page')),
  sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic')),
  size_bytes      integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
  uploaded_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX application_vehicle_photos_one_per_kind ON application_vehicle_photos (application_id, kind) WHERE kind <> 'pts_page';
CREATE INDEX application_vehicle_photos_application ON application_vehicle_photos (application_id, uploaded_at);
CREATE INDEX application_vehicle_photos_sha256 ON application_vehicle_photos (sha256);

-- The application's view carries whether the vehicle step is complete (0020: read cache).
CREATE TRIGGER application_vehicles_notify AFTER INSERT OR UPDATE OR DELETE ON application_vehicles
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
CREATE TRIGGER application_vehicle_photos_notify AFTER INSERT OR UPDATE OR DELETE ON application_vehicle_photos
  FOR EACH ROW EXECUTE FUNCTION notify_customer_changed('customer_id');
