-- Regulatory clocks: GDPR Art. 33 (72 hours) and EU AI Act Art. 73 (2, 10 or 15 days) from awareness.

-- One row per flag. An unflagged clock keeps its row (stopped_at) and a new flag starts a new
-- one; at most one clock of a kind per incident is live (running or notified).
CREATE TABLE regulatory_clocks (
  id           serial PRIMARY KEY,
  incident_id  integer NOT NULL REFERENCES incidents (id),
  kind         text NOT NULL CHECK (kind IN ('gdpr-breach', 'ai-act-serious')),
  variant      text NOT NULL DEFAULT 'general' CHECK (variant IN ('general', 'widespread', 'death')),
  started_at   timestamptz NOT NULL,
  due_at       timestamptz NOT NULL,
  flagged_at   timestamptz NOT NULL,
  flagged_by   text NOT NULL,
  stopped_at   timestamptz,
  stop_reason  text,
  notified_at  timestamptz,
  notified_ref text,
  late_reasons text,
  -- The last reminder sent: a change of the row, so the header (time left) is rendered again.
  reminded_percent integer
);
CREATE UNIQUE INDEX regulatory_clocks_live ON regulatory_clocks (incident_id, kind) WHERE stopped_at IS NULL;
CREATE INDEX regulatory_clocks_due ON regulatory_clocks (due_at) WHERE stopped_at IS NULL;

-- Reminders are durable jobs like pages: each is claimed FOR UPDATE SKIP LOCKED under a lease
-- (claimed_by unique per claim) and settled once.
CREATE TABLE clock_reminders (
  id            serial PRIMARY KEY,
  clock_id      integer NOT NULL REFERENCES regulatory_clocks (id),
  incident_id   integer NOT NULL REFERENCES incidents (id),
  percent       integer NOT NULL,
  role          text NOT NULL,
  due_at        timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled', 'skipped')),
  user_id       text,
  sent_at       timestamptz,
  error         text,
  claimed_by    text,
  claimed_until timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  UNIQUE (clock_id, percent, role)
);
CREATE INDEX clock_reminders_due ON clock_reminders (due_at) WHERE status = 'pending';

-- The header shows the clocks: every change to them moves the incident's card version (0007).
CREATE TRIGGER regulatory_clocks_card_version_ins AFTER INSERT ON regulatory_clocks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER regulatory_clocks_card_version_upd AFTER UPDATE ON regulatory_clocks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER regulatory_clocks_card_version_del AFTER DELETE ON regulatory_clocks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_old_rows();
