-- Replicas: several bot processes on one database behave as one bot.

-- What the incident's cards show, as a number: bumped in the same transaction as every change to
-- the incident row, its checklist steps or its roles (the triggers below), so a change committed
-- after a render was read always moves it.
ALTER TABLE incidents ADD COLUMN card_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION incidents_bump_card_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.card_version := OLD.card_version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER incidents_card_version BEFORE UPDATE ON incidents
  FOR EACH ROW EXECUTE FUNCTION incidents_bump_card_version();

-- Statement-level, so replacing a 30-step checklist bumps the version once, not 30 times.
CREATE FUNCTION bump_card_version_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE incidents SET card_version = card_version + 1 WHERE id IN (SELECT DISTINCT incident_id FROM new_rows);
  RETURN NULL;
END $$;
CREATE FUNCTION bump_card_version_old_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE incidents SET card_version = card_version + 1 WHERE id IN (SELECT DISTINCT incident_id FROM old_rows);
  RETURN NULL;
END $$;

CREATE TRIGGER checklist_steps_card_version_ins AFTER INSERT ON checklist_steps
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER checklist_steps_card_version_upd AFTER UPDATE ON checklist_steps
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER checklist_steps_card_version_del AFTER DELETE ON checklist_steps
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_old_rows();
CREATE TRIGGER incident_roles_card_version_ins AFTER INSERT ON incident_roles
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER incident_roles_card_version_upd AFTER UPDATE ON incident_roles
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_new_rows();
CREATE TRIGGER incident_roles_card_version_del AFTER DELETE ON incident_roles
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_card_version_old_rows();

-- Who publishes an incident's cards right now. One holder at a time renders and sends; another
-- process that finds the lease held marks it dirty and leaves, and the holder renders again
-- before it lets go. Times are the database's clock, the one every replica shares. No foreign key:
-- its check would wait on the incident row a change holds FOR UPDATE.
CREATE TABLE publish_leases (
  incident_id integer PRIMARY KEY,
  holder      text,
  lease_until timestamptz,
  dirty       boolean NOT NULL DEFAULT false
);

-- What each bound message shows: the version it was rendered from and a digest of the card, so
-- an older render never replaces a newer one and an unchanged card is not sent again.
ALTER TABLE incident_messages ADD COLUMN shown_version bigint;
ALTER TABLE incident_messages ADD COLUMN shown_digest text;

-- A card post that was started: when a second attempt finds the row, the first may have reached
-- the platform without its answer reaching us, so the platform is asked for that card first.
CREATE TABLE card_post_attempts (
  incident_id  integer NOT NULL REFERENCES incidents (id),
  purpose      text NOT NULL,
  part         integer NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  attempted_at timestamptz NOT NULL,
  PRIMARY KEY (incident_id, purpose, part)
);
