-- PostgreSQL only: app_sources is a tenant table, walled off as the others are (V8_1).
ALTER TABLE app_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON app_sources USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));
