-- The path a start's readiness probe sends GET to, per app (upload field healthPath); every app so far was probed at /.
ALTER TABLE mcp_servers ADD COLUMN health_path VARCHAR(256) NOT NULL DEFAULT '/';
