-- PostgreSQL only: mcp_records is a tenant table, walled off as the others are (V8_1).
ALTER TABLE mcp_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE mcp_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON mcp_records USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));
