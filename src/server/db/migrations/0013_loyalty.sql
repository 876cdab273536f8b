-- Personal pricing on applications (issue 8, docs/ARCHITECTURE.md «Loyalty and personal pricing»).
-- The rate a borrower was offered (loyalty level, promotion or promo code) is stored with the
-- application when it is created or its loan changes, refreshed at submit, and fixed from the
-- decision on: every later quote of the application (offer, contract, signing) prices with it.
-- NULL: the product's own rate (applications made before this migration keep it).

ALTER TABLE applications
  ADD COLUMN offer_rate_ppm integer CHECK (offer_rate_ppm IS NULL OR offer_rate_ppm >= 0),
  ADD COLUMN offer_rate_per text CHECK (offer_rate_per IN ('day', 'month')),
  -- Why the rate is what it is: {level, levelName, discountPercent, source, promotion, promoCode}.
  ADD COLUMN pricing_basis jsonb CHECK (pricing_basis IS NULL OR jsonb_typeof(pricing_basis) = 'object'),
  -- The promo code the borrower entered (upper case), kept while they change the loan.
  ADD COLUMN promo_code text CHECK (promo_code IS NULL OR promo_code ~ '^[A-Z0-9]{1,40}$'),
  ADD CONSTRAINT applications_offer_rate_pair CHECK ((offer_rate_ppm IS NULL) = (offer_rate_per IS NULL));
