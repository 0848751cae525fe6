// A hand-written MCP server at /mcp (stateless, one tool) that also tells, at any other path, the Authorization header
// it was sent: {"authorization": …} — what shows that a credential meant for Slipway never reaches an app.
const http = require("http");
http.createServer((req, res) => {
  if (req.url !== "/mcp") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ authorization: req.headers.authorization || null }));
    return;
  }
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const message = JSON.parse(body || "{}");
    if (message.id === undefined) return res.writeHead(202).end();
    const result = message.method === "initialize"
      ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "echo", version: "1" } }
      : { tools: [{ name: "echo", inputSchema: { type: "object" } }] };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }));
  });
}).listen(Number(process.env.PORT), process.env.HOST);
