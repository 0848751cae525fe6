// Claims to be an MCP server at /mcp, written by hand without an SDK, and lists a tool with no inputSchema: what MCP
// clients refuse at their first tools/list. Everything else is a proper Streamable HTTP answer (JSON, stateless).
const http = require("http");
http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/mcp") {
    res.writeHead(req.url === "/mcp" ? 405 : 200).end();
    return;
  }
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const message = JSON.parse(body);
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const result = message.method === "initialize"
      ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "careless", version: "0.1" } }
      : message.method === "tools/list" ? { tools: [{ name: "lookup", description: "looks things up" }] } : {};
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }));
  });
}).listen(Number(process.env.PORT), process.env.HOST);
