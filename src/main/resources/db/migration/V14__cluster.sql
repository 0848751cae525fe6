-- What replicas of Slipway sharing one database share beside the apps (DESIGN §5, "Several replicas").
-- Named secrets: 'jwt' is the local token secret, so that a token one replica signs every replica accepts.
CREATE TABLE cluster_secrets (
    name  VARCHAR(64)  PRIMARY KEY,
    value VARCHAR(512) NOT NULL
);

-- The lease on each app's instance: the replica that runs it (holder, reached at holder_url) until expires_at (epoch
-- milliseconds), renewed while it runs. fence grows by one each time another replica takes the lease over.
CREATE TABLE app_leases (
    app_id     VARCHAR(64)   PRIMARY KEY,
    holder     VARCHAR(64)   NOT NULL,
    holder_url VARCHAR(2048) NOT NULL,
    fence      BIGINT        NOT NULL,
    expires_at BIGINT        NOT NULL
);

CREATE INDEX app_leases_holder ON app_leases (holder);
