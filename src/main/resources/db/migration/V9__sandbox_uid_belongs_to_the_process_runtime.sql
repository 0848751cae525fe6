-- An app's host uid is the process runtime's to keep (<data>/uids), not a column of every app: other runtimes have none.
DROP INDEX mcp_servers_sandbox_uid;
ALTER TABLE mcp_servers DROP COLUMN sandbox_uid;
