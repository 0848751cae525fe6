-- What each version of an app was built from (its uploaded file), for replicas sharing one database: a replica that
-- must start an app whose build it lacks (its holder died, or it never ran it) builds it again from this, to the same
-- files (the build's directory is named by the digest of the file's name, content, dependency set and transport).
-- Kept for the version serving and, during a redeploy, the one starting beside it.
CREATE TABLE app_sources (
    app_id    VARCHAR(64)  NOT NULL,
    owner     VARCHAR(255) NOT NULL,
    code_hash VARCHAR(64)  NOT NULL,
    file_name VARCHAR(255) NOT NULL,
    source    BYTEA        NOT NULL,
    PRIMARY KEY (app_id, code_hash)
);
