-- Several chat edges in one process (Slack and Teams): people and rosters are per platform, an
-- alert's triage card is posted on every edge that has a triage channel, and the Teams edge keeps
-- the conversation references and people it has seen so it can message them after a restart.

-- Rows written before this migration belong to the one edge that ran: the newest incident's.
ALTER TABLE roster ADD COLUMN platform text;
UPDATE roster SET platform = coalesce((SELECT platform FROM incidents ORDER BY id DESC LIMIT 1), 'slack');
ALTER TABLE roster ALTER COLUMN platform SET NOT NULL;
ALTER TABLE roster DROP CONSTRAINT roster_pkey;
ALTER TABLE roster ADD PRIMARY KEY (platform, role, position);

ALTER TABLE roster_backups ADD COLUMN platform text;
UPDATE roster_backups SET platform = coalesce((SELECT platform FROM incidents ORDER BY id DESC LIMIT 1), 'slack');
ALTER TABLE roster_backups ALTER COLUMN platform SET NOT NULL;
ALTER TABLE roster_backups DROP CONSTRAINT roster_backups_pkey;
ALTER TABLE roster_backups ADD PRIMARY KEY (platform, role);

-- One triage card per platform: { "<platform>": <message ref> }.
ALTER TABLE alerts ADD COLUMN triage_refs jsonb NOT NULL DEFAULT '{}';
UPDATE alerts SET triage_refs = jsonb_build_object(incidents.platform, alerts.triage_ref)
  FROM incidents WHERE incidents.id = alerts.incident_id AND alerts.triage_ref IS NOT NULL;

-- Where the incident was declared (a Teams incident's thread is started in that channel).
ALTER TABLE incidents ADD COLUMN origin_channel_id text;

-- What an edge needs to reach a person or a conversation proactively (Teams: the 29: id and the
-- conversation reference with its service URL and tenant), refreshed from every activity.
CREATE TABLE chat_people (
  platform   text NOT NULL,
  id         text NOT NULL,
  name       text NOT NULL,
  address    jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (platform, id)
);

CREATE TABLE chat_conversations (
  platform   text NOT NULL,
  id         text NOT NULL,
  reference  jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (platform, id)
);
