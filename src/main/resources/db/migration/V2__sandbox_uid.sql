-- Each app runs as a host uid of its own; the unique index makes a shared uid impossible.
ALTER TABLE mcp_servers ADD COLUMN sandbox_uid INTEGER;
CREATE UNIQUE INDEX mcp_servers_sandbox_uid ON mcp_servers (sandbox_uid);
