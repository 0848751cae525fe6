-- Whether the app may reach the internet (per app; only where the operator enabled egress).
ALTER TABLE mcp_servers ADD COLUMN internet BOOLEAN NOT NULL DEFAULT FALSE;
