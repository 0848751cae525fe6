-- PostgreSQL only (SQLite has no row-level security). Versions here are the common migration they follow plus a
-- fraction, so that db/migration keeps whole numbers; a new tenant table needs its policy here too (a test checks).
--
-- Every tenant table shows and accepts only the rows of the user named by the transaction's slipway.user setting,
-- or every row when the transaction set slipway.system (the data plane and the lifecycle). FORCE makes the policies
-- bind the tables' owner, which is the role Slipway connects as.
CREATE FUNCTION slipway_may_touch(row_user TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT row_user = current_setting('slipway.user', true) OR current_setting('slipway.system', true) = 'on'
$$;

ALTER TABLE mcp_servers ENABLE ROW LEVEL SECURITY;
ALTER TABLE mcp_servers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON mcp_servers USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));

ALTER TABLE app_api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON app_api_keys USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));

ALTER TABLE app_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON app_usage USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON users USING (slipway_may_touch(id)) WITH CHECK (slipway_may_touch(id));
