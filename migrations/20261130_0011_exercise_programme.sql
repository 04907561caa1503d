-- Tabletop exercises as exercise programmes run them (issue 11): an exercise plays an authored
-- HSEEP scenario (playbooks/exercises/*.yaml) or, as before, an ATLAS case study; it can be
-- paused; the facilitator's private view is one direct message updated in place.
ALTER TABLE exercises ADD COLUMN authored_id text;
ALTER TABLE exercises ADD COLUMN authored_version integer;
ALTER TABLE exercises ADD COLUMN paused_at timestamptz;
ALTER TABLE exercises ADD COLUMN facilitator_platform text;
ALTER TABLE exercises ADD COLUMN facilitator_view jsonb;
ALTER TABLE exercises ADD COLUMN aar_posted_at timestamptz;

-- Injects, decision and action limits (a missed action fires its contingency) and the end of the hot wash are durable
-- timers, claimed FOR UPDATE SKIP LOCKED under a lease and settled once like pages and reminders:
-- a restart neither loses nor repeats one, and two replicas fire each once. A paused exercise's
-- timers wait as 'paused' and are pushed back by the pause when it resumes.
CREATE TABLE exercise_timers (
  id            serial PRIMARY KEY,
  exercise_id   integer NOT NULL REFERENCES exercises (id),
  incident_id   integer NOT NULL REFERENCES incidents (id),
  kind          text NOT NULL CHECK (kind IN ('inject', 'decision_limit', 'action_limit', 'hot_wash_end')),
  subject       text NOT NULL,
  due_at        timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paused', 'fired', 'skipped', 'cancelled')),
  fired_at      timestamptz,
  claimed_by    text,
  claimed_until timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  UNIQUE (exercise_id, kind, subject)
);
CREATE INDEX exercise_timers_due ON exercise_timers (due_at) WHERE status = 'pending';
