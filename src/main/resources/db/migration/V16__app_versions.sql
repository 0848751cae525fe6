-- Every successful deploy of an app (its upload, each redeploy) is a numbered version: what it ran, by its build's
-- digest, so that it can be activated again (a rollback, or forward) while its build is kept. Settings (env, sleepAfter,
-- private, internet, healthPath) are the app's, not a version's: activating a version keeps them. Times are epoch ms.
CREATE TABLE app_versions (
    app_id       VARCHAR(64)  NOT NULL,
    owner        VARCHAR(255) NOT NULL,
    version      INTEGER      NOT NULL,
    created_at   BIGINT       NOT NULL,
    runtime      VARCHAR(16)  NOT NULL,
    entry_file   VARCHAR(255) NOT NULL,
    requirements TEXT         NOT NULL,
    code_hash    VARCHAR(64)  NOT NULL,
    deps_key     VARCHAR(64),
    transport    VARCHAR(16)  NOT NULL,
    mcp          VARCHAR(300) NOT NULL,
    active       BOOLEAN      NOT NULL,
    PRIMARY KEY (app_id, version)
);
