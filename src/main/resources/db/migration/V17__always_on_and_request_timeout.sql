-- Whether an app is always on (never put to sleep for idleness; its plan's alwaysOn bounds how many), and how long the
-- proxy waits for an answer's headers before it answers 504 request-timeout (NULL: no timeout, the default). Every app
-- so far slept when idle and had no timeout. mcp_servers already has its row-level security policy (V8_1).
ALTER TABLE mcp_servers ADD COLUMN always_on BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE mcp_servers ADD COLUMN request_timeout_ms BIGINT;
