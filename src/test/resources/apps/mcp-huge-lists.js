// A hand-written MCP server at /mcp whose tools/list pages never end: each page holds a tool with a 256 KiB description
// and a cursor to the next one. What Slipway must not keep in memory on the app's behalf.
const http = require("http");
http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const message = JSON.parse(body || "{}");
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const page = Number((message.params && message.params.cursor) || 0);
    const result = message.method === "initialize"
      ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "endless", version: "1" } }
      : { tools: [{ name: "t" + page, description: "x".repeat(256 * 1024), inputSchema: { type: "object" } }], nextCursor: String(page + 1) };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }));
  });
}).listen(Number(process.env.PORT), process.env.HOST);
