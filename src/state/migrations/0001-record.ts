/** The record of what was sent (issue #12): entities per source, key and language; media; full syncs. */
export const sql = `
CREATE TABLE sent_entities (
  deployment text NOT NULL,
  source text NOT NULL,
  key text NOT NULL,
  language text NOT NULL,
  kind text NOT NULL,
  bluestone_id text NOT NULL,
  properties text[] NOT NULL,
  hash text NOT NULL,
  last_update bigint,
  read_at bigint NOT NULL,
  run_id text NOT NULL,
  full_sync_run_id text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment, source, key, language)
);
CREATE INDEX sent_entities_bluestone_id ON sent_entities (deployment, bluestone_id);

CREATE TABLE uploaded_media (
  deployment text NOT NULL,
  unique_identifier text NOT NULL,
  asset_id text NOT NULL,
  file_id text NOT NULL,
  public_url text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment, unique_identifier)
);

CREATE TABLE full_syncs (
  deployment text NOT NULL,
  run_id text NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment, run_id)
);
`;
