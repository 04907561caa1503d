-- Paging as durable jobs, per-role backups, and alert intake.
--
-- A page row is its own job: `pending` pages are due for delivery, and a delivered page with an
-- `escalate_at` is due for escalation at that time. Workers claim due rows with
-- FOR UPDATE SKIP LOCKED and hold a short lease (`claimed_until`), so with several bot processes
-- each delivery and each escalation runs once.

ALTER TABLE pages ADD COLUMN step integer NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN escalate_at timestamptz;
ALTER TABLE pages ADD COLUMN escalated_at timestamptz;
ALTER TABLE pages ADD COLUMN acknowledged_by text;
ALTER TABLE pages ADD COLUMN claimed_by text;
ALTER TABLE pages ADD COLUMN claimed_until timestamptz;
ALTER TABLE pages ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE pages DROP CONSTRAINT pages_status_check;
ALTER TABLE pages ADD CONSTRAINT pages_status_check
  CHECK (status IN ('pending', 'sent', 'failed', 'acknowledged', 'escalated', 'cancelled'));
CREATE INDEX pages_escalation_due ON pages (escalate_at) WHERE escalate_at IS NOT NULL;
CREATE INDEX pages_acknowledged ON pages (acknowledged_at) WHERE acknowledged_at IS NOT NULL;

-- The person paged after everyone in a role's roster has been tried.
CREATE TABLE roster_backups (
  role    text PRIMARY KEY,
  user_id text NOT NULL
);

-- Incidents raised at an external pager (PagerDuty), resolved there when the incident resolves.
CREATE TABLE pager_alerts (
  incident_id   integer NOT NULL REFERENCES incidents (id),
  role          text NOT NULL,
  pager         text NOT NULL,
  dedup_key     text NOT NULL,
  triggered_at  timestamptz NOT NULL,
  resolved_at   timestamptz,
  claimed_until timestamptz,
  PRIMARY KEY (incident_id, role, pager)
);
CREATE INDEX pager_alerts_open ON pager_alerts (incident_id) WHERE resolved_at IS NULL;

-- One row per alert from monitoring; repeats of the same key attach to the open one.
CREATE TABLE alerts (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id   integer NOT NULL REFERENCES incidents (id),
  format        text NOT NULL CHECK (format IN ('alertmanager', 'generic')),
  source        text NOT NULL,
  dedup_key     text NOT NULL,
  status        text NOT NULL CHECK (status IN ('firing', 'resolved')),
  triage        text NOT NULL DEFAULT 'pending' CHECK (triage IN ('pending', 'declared', 'dismissed')),
  labels        jsonb NOT NULL DEFAULT '{}',
  model         text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  fire_count    integer NOT NULL DEFAULT 1,
  resolved_at   timestamptz,
  triage_ref    jsonb
);
CREATE INDEX alerts_key ON alerts (dedup_key, id DESC);
CREATE UNIQUE INDEX alerts_incident ON alerts (incident_id);
