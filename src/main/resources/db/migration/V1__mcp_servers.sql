-- Deployed apps. Times are epoch milliseconds so that SQLite and PostgreSQL share one schema.
CREATE TABLE mcp_servers (
    id             VARCHAR(64)  NOT NULL PRIMARY KEY,
    owner          VARCHAR(255) NOT NULL,
    name           VARCHAR(63)  NOT NULL,
    runtime        VARCHAR(16)  NOT NULL,
    entry_file     VARCHAR(255) NOT NULL,
    requirements   TEXT         NOT NULL,
    sleep_after_ms BIGINT       NOT NULL,
    env            TEXT         NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    error          TEXT,
    code_hash      VARCHAR(64)  NOT NULL,
    deps_key       VARCHAR(64),
    created_at     BIGINT       NOT NULL,
    updated_at     BIGINT       NOT NULL,
    last_active_at BIGINT
);

CREATE INDEX mcp_servers_owner_created ON mcp_servers (owner, created_at);
