-- Users known to Slipway: a row exists once an admin has set something about the user. A null plan defers to the
-- token's plan claim, then to the default plan.
CREATE TABLE users (
    id         VARCHAR(255) NOT NULL PRIMARY KEY,
    plan       VARCHAR(32),
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL,
    updated_by VARCHAR(255) NOT NULL
);
