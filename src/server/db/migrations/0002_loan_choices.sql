-- The loan a customer picked in the calculator before logging in, kept server-side once logged in
-- (one per customer; the next pick replaces it). Amount in whole rubles, term in the product's unit,
-- exactly as chosen: the figures are recomputed from the catalogue and rules whenever shown.
CREATE TABLE loan_choices (
  customer_id    uuid PRIMARY KEY REFERENCES customers (id),
  product_code   text NOT NULL,
  amount_rubles  integer NOT NULL CHECK (amount_rubles > 0),
  term           integer NOT NULL CHECK (term > 0),
  saved_at       timestamptz NOT NULL
);
