-- The product catalogue edited by staff (versioned), promotions and promo codes (issue 7).

-- Each save is a whole new catalogue: the latest seq is the one in force. No row is ever updated;
-- an empty table means the built-in catalogue (or CATALOGUE_FILE) is in force.
CREATE TABLE catalogue_versions (
  id          uuid PRIMARY KEY,
  seq         integer NOT NULL UNIQUE CHECK (seq > 0),
  products    jsonb NOT NULL CHECK (jsonb_typeof(products) = 'array'),
  created_at  timestamptz NOT NULL,
  created_by  uuid REFERENCES staff (id),
  note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500)
);

-- A lower rate on one product for a stretch of business dates and an audience. rate_per is the
-- product's unit when the promotion was made (per day or per month), so the number keeps its
-- meaning if the product's unit changes later.
CREATE TABLE promotions (
  id           uuid PRIMARY KEY,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  product_code text NOT NULL,
  rate_ppm     integer NOT NULL CHECK (rate_ppm >= 0),
  rate_per     text NOT NULL CHECK (rate_per IN ('day', 'month')),
  valid_from   date NOT NULL,
  valid_to     date NOT NULL,
  audience     text NOT NULL CHECK (audience IN ('all', 'first_loan', 'returning')),
  created_by   uuid NOT NULL REFERENCES staff (id),
  created_at   timestamptz NOT NULL,
  disabled_at  timestamptz,
  CHECK (valid_from <= valid_to)
);
CREATE INDEX promotions_product_dates ON promotions (product_code, valid_to);

-- A promotion that has codes is given only to a customer who enters one of them.
CREATE TABLE promo_codes (
  id           uuid PRIMARY KEY,
  code         text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{4,20}$'),
  promotion_id uuid NOT NULL REFERENCES promotions (id),
  -- NULL: no limit.
  max_uses     integer CHECK (max_uses IS NULL OR max_uses > 0),
  used_count   integer NOT NULL DEFAULT 0 CHECK (used_count >= 0 AND (max_uses IS NULL OR used_count <= max_uses)),
  created_by   uuid NOT NULL REFERENCES staff (id),
  created_at   timestamptz NOT NULL,
  disabled_at  timestamptz
);
CREATE INDEX promo_codes_promotion ON promo_codes (promotion_id);
