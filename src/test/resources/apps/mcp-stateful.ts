// A stateful MCP server on the official TypeScript SDK: sessions, the GET stream and DELETE on /mcp.
// An unknown session id gets 404, as the spec asks, so that clients re-initialize.
import express, { Request, Response } from "express";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const transports: Record<string, StreamableHTTPServerTransport> = {};

const app = express();
app.use(express.json());

app.post("/mcp", async (req: Request, res: Response) => {
  const sessionId = req.header("mcp-session-id");
  let transport = sessionId ? transports[sessionId] : undefined;
  if (!transport) {
    if (sessionId) {
      res.status(404).json({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null });
      return;
    }
    if (!isInitializeRequest(req.body)) {
      res.status(400).json({ jsonrpc: "2.0", error: { code: -32000, message: "No session: initialize first" }, id: null });
      return;
    }
    const created = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id: string) => { transports[id] = created; },
    });
    created.onclose = () => { if (created.sessionId) delete transports[created.sessionId]; };
    const server = new McpServer({ name: "slipway-stateful", version: "1.0.0" });
    server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
    await server.connect(created);
    transport = created;
  }
  await transport.handleRequest(req, res, req.body);
});

async function bySession(req: Request, res: Response) {
  const sessionId = req.header("mcp-session-id");
  const transport = sessionId ? transports[sessionId] : undefined;
  if (!transport) {
    res.status(sessionId ? 404 : 400).send(sessionId ? "Session not found" : "Missing session");
    return;
  }
  await transport.handleRequest(req, res);
}

app.get("/mcp", bySession);
app.delete("/mcp", bySession);
app.listen(Number(process.env.PORT));
