-- Taxonomy tags (issue 10): MITRE ATLAS technique ids and OWASP LLM Top 10 (2025) ids per incident.
-- Each row is explained by a tag_added event written in the same transaction (tag_removed deletes it).
CREATE TABLE incident_tags (
  incident_id integer NOT NULL REFERENCES incidents (id),
  tag         text NOT NULL,
  source      text NOT NULL CHECK (source IN ('suggested', 'manual')),
  added_at    timestamptz NOT NULL,
  added_by    text NOT NULL,
  PRIMARY KEY (incident_id, tag)
);
CREATE INDEX incident_tags_tag ON incident_tags (tag);

-- The header card shows the tags: a change bumps the incident's card version like steps and roles (0007).
CREATE TRIGGER incident_tags_card_version_ins AFTER INSERT ON incident_tags
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER incident_tags_card_version_upd AFTER UPDATE ON incident_tags
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER incident_tags_card_version_del AFTER DELETE ON incident_tags
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_old_rows();
