// A stdio MCP server on the official TypeScript SDK: JSON-RPC on stdin/stdout, a line of its own on stderr.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "slipway-stdio-ts", version: "1.0.0" });
server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => ({
  content: [{ type: "text", text: String(a + b) }],
}));

await server.connect(new StdioServerTransport());
console.error(`stdio server ${process.pid} ready, PORT=${process.env.PORT ?? "unset"}`);
