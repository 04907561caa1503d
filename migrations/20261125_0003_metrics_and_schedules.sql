-- Metrics and schedules: indexes the metric queries lean on, and the tables that make each
-- scheduled post happen exactly once across bot processes and catch up a run missed while down.

-- action_item_completion reads items by due date whether done or not.
CREATE INDEX action_items_due_on ON action_items (due_on);

-- One row per job the first time any process schedules it: runs before this are not "missed".
CREATE TABLE schedule_jobs (
  job           text PRIMARY KEY,
  registered_at timestamptz NOT NULL
);

-- One row per job and slot (the scheduled time, or a period such as 2026-Q4-start). The process
-- whose INSERT … ON CONFLICT DO NOTHING returns the row does the run; the others skip it.
CREATE TABLE schedule_claims (
  job        text NOT NULL,
  slot       text NOT NULL,
  slot_at    timestamptz NOT NULL,
  claimed_by text NOT NULL,
  claimed_at timestamptz NOT NULL,
  PRIMARY KEY (job, slot)
);
CREATE INDEX schedule_claims_latest ON schedule_claims (job, slot_at DESC);
