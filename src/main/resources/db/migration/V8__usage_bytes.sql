-- Bytes metered per app and month: request bodies and WebSocket frames in, response bodies and frames out.
ALTER TABLE app_usage ADD COLUMN bytes_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE app_usage ADD COLUMN bytes_out BIGINT NOT NULL DEFAULT 0;
