-- Metered use per app and month: active time in 10 ms units (from ready to stop) and requests.
CREATE TABLE app_usage (
    app_id       VARCHAR(64)  NOT NULL,
    owner        VARCHAR(255) NOT NULL,
    month        VARCHAR(7)   NOT NULL,
    active_units BIGINT       NOT NULL DEFAULT 0,
    requests     BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, month)
);

CREATE INDEX app_usage_owner_month ON app_usage (owner, month);
