-- Matching engine journal (issue 11): every input the engine accepted, in the order it applied
-- them. The books are never stored: a restart replays this log (the engine is deterministic) and
-- arrives at the same books, fills included.
CREATE TABLE exchange_journal (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  command jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
