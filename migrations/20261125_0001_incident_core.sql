-- Incident core: incidents, the append-only event log, checklists, roles, pages, action items,
-- the messages bound to each incident, and tabletop exercises.

CREATE TABLE incidents (
  id                    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title                 text NOT NULL,
  description           text NOT NULL DEFAULT '',
  severity              text NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
  state                 text NOT NULL DEFAULT 'declared'
                        CHECK (state IN ('declared', 'triaged', 'contained', 'resolved', 'closed', 'false_positive')),
  playbook_id           text,
  playbook_reason       text NOT NULL DEFAULT '',
  private               boolean NOT NULL DEFAULT false,
  is_exercise           boolean NOT NULL DEFAULT false,
  platform              text NOT NULL,
  channel_id            text,
  channel_name          text,
  declared_by           text NOT NULL,
  source                text NOT NULL DEFAULT 'manual',
  impact_started_at     timestamptz NOT NULL,
  detected_at           timestamptz NOT NULL,
  declared_at           timestamptz NOT NULL,
  triaged_at            timestamptz,
  contained_at          timestamptz,
  resolved_at           timestamptz,
  closed_at             timestamptz,
  false_positive_at     timestamptz,
  false_positive_reason text,
  CHECK (detected_at >= impact_started_at)
);
CREATE UNIQUE INDEX incidents_channel ON incidents (platform, channel_id) WHERE channel_id IS NOT NULL;
CREATE INDEX incidents_declared_at ON incidents (declared_at);
CREATE INDEX incidents_open ON incidents (state, declared_at) WHERE state NOT IN ('closed', 'false_positive');

CREATE TABLE events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id     integer REFERENCES incidents (id),
  kind            text NOT NULL,
  payload         jsonb NOT NULL DEFAULT '{}',
  actor           text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  idempotency_key text UNIQUE
);
CREATE INDEX events_incident ON events (incident_id, occurred_at, id);
CREATE INDEX events_kind ON events (kind, occurred_at);

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

CREATE TABLE checklist_steps (
  incident_id integer NOT NULL REFERENCES incidents (id),
  number      integer NOT NULL CHECK (number > 0),
  phase       text NOT NULL,
  title       text NOT NULL,
  detail      text,
  role        text,
  done_at     timestamptz,
  done_by     text,
  PRIMARY KEY (incident_id, number)
);

CREATE TABLE incident_roles (
  incident_id integer NOT NULL REFERENCES incidents (id),
  role        text NOT NULL,
  user_id     text NOT NULL,
  assigned_at timestamptz NOT NULL,
  PRIMARY KEY (incident_id, role)
);

-- The on-call escalation order per role: position 0 is primary.
CREATE TABLE roster (
  role     text NOT NULL,
  position integer NOT NULL,
  user_id  text NOT NULL,
  PRIMARY KEY (role, position)
);

CREATE TABLE pages (
  id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id     integer NOT NULL REFERENCES incidents (id),
  role            text NOT NULL,
  user_id         text NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'failed', 'acknowledged', 'escalated')),
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  acknowledged_at timestamptz,
  error           text
);
CREATE INDEX pages_incident ON pages (incident_id, id);
CREATE INDEX pages_pending ON pages (status) WHERE status = 'pending';

CREATE TABLE action_items (
  incident_id integer NOT NULL REFERENCES incidents (id),
  number      integer NOT NULL,
  text        text NOT NULL,
  owner       text NOT NULL,
  due_on      date NOT NULL,
  created_at  timestamptz NOT NULL,
  created_by  text NOT NULL,
  done_at     timestamptz,
  done_by     text,
  PRIMARY KEY (incident_id, number)
);
CREATE INDEX action_items_due ON action_items (due_on) WHERE done_at IS NULL;

CREATE TABLE incident_messages (
  incident_id integer NOT NULL REFERENCES incidents (id),
  purpose     text NOT NULL,
  part        integer NOT NULL,
  channel_id  text NOT NULL,
  ref         jsonb NOT NULL,
  PRIMARY KEY (incident_id, purpose, part)
);

CREATE TABLE exercises (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scenario_id  text NOT NULL,
  title        text NOT NULL,
  incident_id  integer REFERENCES incidents (id),
  facilitator  text NOT NULL,
  started_at   timestamptz NOT NULL,
  completed_at timestamptz
);
CREATE INDEX exercises_completed ON exercises (completed_at);
