-- Private apps answer only their owner's token or one of their API keys.
ALTER TABLE mcp_servers ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT FALSE;

-- App-scoped API keys; only a SHA-256 of the secret is kept.
CREATE TABLE app_api_keys (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    app_id      VARCHAR(64)  NOT NULL,
    owner       VARCHAR(255) NOT NULL,
    name        VARCHAR(63)  NOT NULL,
    secret_hash VARCHAR(64)  NOT NULL UNIQUE,
    created_at  BIGINT       NOT NULL
);

CREATE INDEX app_api_keys_app ON app_api_keys (app_id);
