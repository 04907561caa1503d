-- The durable inbox: every chat request the bot acknowledges is stored here before the
-- acknowledgement goes out, and deleted once its work is done. A row that is still here belongs to
-- the process named in `worker`; when that process is gone (its advisory lock is free), another
-- takes the row over and runs the request again.
CREATE TABLE inbox (
  id bigserial PRIMARY KEY,
  edge text NOT NULL,
  content_type text,
  body bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  worker text NOT NULL,
  attempts integer NOT NULL DEFAULT 1
);
CREATE INDEX inbox_by_worker ON inbox (worker);
