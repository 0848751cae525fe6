-- PostgreSQL only: what replicas share (V14) is no tenant's, so only the system scope (the lifecycle, the data plane,
-- start-up) may see or change it; a transaction scoped to a user sees no shared secret and no lease at all.
ALTER TABLE cluster_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE cluster_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON cluster_secrets USING (current_setting('slipway.system', true) = 'on')
    WITH CHECK (current_setting('slipway.system', true) = 'on');
ALTER TABLE app_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON app_leases USING (current_setting('slipway.system', true) = 'on')
    WITH CHECK (current_setting('slipway.system', true) = 'on');
