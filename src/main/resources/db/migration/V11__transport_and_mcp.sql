-- How an app talks (upload field transport: http, or stdio for a stdio MCP server) and where Slipway looks for its MCP
-- endpoint (upload field mcp: auto, off, or a path); every app so far served HTTP, and was looked at at /mcp.
ALTER TABLE mcp_servers ADD COLUMN transport VARCHAR(8) NOT NULL DEFAULT 'http';
ALTER TABLE mcp_servers ADD COLUMN mcp VARCHAR(256) NOT NULL DEFAULT 'auto';
