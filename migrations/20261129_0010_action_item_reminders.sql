-- Action items and corrective actions are one list (issue 11): each item says where it comes
-- from (a real incident's review or an exercise's improvement plan), and its owner is reminded
-- the day before and on the due date.

ALTER TABLE action_items ADD COLUMN source text NOT NULL DEFAULT 'incident' CHECK (source IN ('incident', 'exercise'));
UPDATE action_items AS a SET source = 'exercise' FROM incidents AS i WHERE i.id = a.incident_id AND i.is_exercise;

-- Reminders are durable jobs like pages and clock reminders: one row per reminder that is due,
-- claimed FOR UPDATE SKIP LOCKED under a lease (claimed_by unique per claim) and settled once, so
-- a restart neither loses nor repeats one and two replicas send it once.
CREATE TABLE action_item_reminders (
  id            serial PRIMARY KEY,
  incident_id   integer NOT NULL,
  number        integer NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('day_before', 'due_day')),
  due_at        timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled', 'skipped')),
  user_id       text,
  sent_at       timestamptz,
  error         text,
  claimed_by    text,
  claimed_until timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  FOREIGN KEY (incident_id, number) REFERENCES action_items (incident_id, number),
  UNIQUE (incident_id, number, kind)
);
CREATE INDEX action_item_reminders_due ON action_item_reminders (due_at) WHERE status = 'pending';
