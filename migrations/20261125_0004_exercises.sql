-- Tabletop exercises run in chat: which ATLAS case study an exercise plays (scenario_id stays the
-- playbook it exercises, which the quarterly reminder reads), and how many injects are revealed.
ALTER TABLE exercises ADD COLUMN case_study_id text;
ALTER TABLE exercises ADD COLUMN injects_revealed integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX exercises_incident ON exercises (incident_id);
