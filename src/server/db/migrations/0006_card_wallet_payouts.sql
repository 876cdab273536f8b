-- Card and e-wallet payouts (issue 5).

-- How far the chosen payout method has been checked: a card needs the acquirer's page, then the
-- hold amount confirmed and the holder's name matched; СБП, wallet and cash are ready once chosen.
ALTER TABLE payout_methods
  ADD COLUMN state text NOT NULL DEFAULT 'ready'
  CHECK (state IN ('awaiting_card', 'awaiting_hold', 'ready'));

-- The sandbox acquirer's card bindings. Like a real acquirer it keeps the card itself: only a token,
-- the masked number and the name typed on its page are stored, never the number or the CVC.
CREATE TABLE sandbox_card_bindings (
  id               uuid PRIMARY KEY,
  reference        text NOT NULL UNIQUE,
  return_url       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'held', 'confirmed', 'declined', 'locked')),
  card_token       text UNIQUE,
  masked_pan       text,
  holder_name      text,
  hold_kopecks     integer CHECK (hold_kopecks BETWEEN 1 AND 1000),
  attempts_left    integer NOT NULL DEFAULT 3,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
