-- The plan an app was deployed under: its sandbox limits come from it.
ALTER TABLE mcp_servers ADD COLUMN plan VARCHAR(32) NOT NULL DEFAULT 'free';
