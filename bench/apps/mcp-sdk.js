// The benchmarks' real MCP server, the most common app here: the TypeScript SDK's McpServer over Streamable HTTP,
// stateless, on express with zod schemas. Its start is mostly loading the hundreds of module files these packages are.
const express = require("express");
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js");
const { z } = require("zod");

function buildServer() {
  const server = new McpServer({ name: "bench", version: "1.0.0" });
  server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
  return server;
}

const app = express();
app.use(express.json());
app.post("/mcp", async (req, res) => {
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
app.get("/", (_req, res) => res.type("text/plain").send("ok\n"));
app.listen(Number(process.env.PORT), process.env.HOST);
