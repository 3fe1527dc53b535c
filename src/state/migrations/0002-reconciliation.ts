/**
 * Reconciliation (issue #13): what a full sync did not see is found by a scan of one source's rows
 * in key order (the primary key); a dry run notes what it saw in a scratch table of its own,
 * keyed by its run id, instead of marking the record, and empties it when it ends.
 */
export const sql = `
CREATE TABLE dry_run_entities (
  deployment text NOT NULL,
  run_id text NOT NULL,
  source text NOT NULL,
  language text NOT NULL,
  key text NOT NULL,
  -- 'send': the run would send it (new or changed); 'seen': Bluestone serves it, nothing to send.
  action text NOT NULL,
  -- Vanished property slots the send would clear.
  clearing integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment, run_id, source, language, key)
);
CREATE INDEX dry_run_entities_created ON dry_run_entities (created_at);
CREATE INDEX uploaded_media_asset ON uploaded_media (deployment, asset_id);
`;
