-- What each version of an app answered to Slipway's MCP discovery (io.slipway.mcp.McpRecord as JSON; '' when the
-- version is not an MCP server), by the version's key (its code digest and MCP path): answered from while it sleeps.
CREATE TABLE mcp_records (
    app_id      VARCHAR(64)  NOT NULL,
    owner       VARCHAR(256) NOT NULL,
    version_key VARCHAR(400) NOT NULL,
    record      TEXT         NOT NULL,
    checked_at  BIGINT       NOT NULL,
    PRIMARY KEY (app_id, version_key)
);
