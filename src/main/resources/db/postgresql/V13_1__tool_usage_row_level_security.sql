-- PostgreSQL only: tool_usage is a tenant table, walled off as the others are (V8_1).
ALTER TABLE tool_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE tool_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON tool_usage USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));
