-- Metered use of each MCP server's tools per app and month: calls, calls that erred, and the microseconds from each
-- call sent to its response seen, summed. At most io.slipway.metering.ToolMeter.MAX_TOOLS names per app and month;
-- calls of any other name are counted under '(other)'.
CREATE TABLE tool_usage (
    app_id  VARCHAR(64)  NOT NULL,
    owner   VARCHAR(255) NOT NULL,
    month   VARCHAR(7)   NOT NULL,
    tool    VARCHAR(512) NOT NULL,
    calls   BIGINT       NOT NULL DEFAULT 0,
    errors  BIGINT       NOT NULL DEFAULT 0,
    micros  BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, month, tool)
);

CREATE INDEX tool_usage_owner_month ON tool_usage (owner, month);
