-- PostgreSQL only: app_versions is a tenant table, walled off as the others are (V8_1).
ALTER TABLE app_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON app_versions USING (slipway_may_touch(owner)) WITH CHECK (slipway_may_touch(owner));
