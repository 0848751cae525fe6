// A stdio MCP server that cannot start: it says why on stderr and exits with code 3, as one missing its configuration does.
console.error("stdio server cannot start: MCP_API_KEY is not set");
process.exit(3);
