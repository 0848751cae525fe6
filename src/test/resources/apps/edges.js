// Endpoints for the proxy's edge cases; each says what the app saw.
const http = require("http");
let cancelled = 0;
let hanging = 0;
let download = null;
http.createServer((req, res) => {
  const url = new URL(req.url, "http://app");
  if (url.pathname === "/chunked") {
    res.writeHead(200, { "content-type": "text/plain" });
    let n = 0;
    const timer = setInterval(() => { res.write(`part${++n};`); if (n === 3) { clearInterval(timer); res.end(); } }, 50);
  } else if (url.pathname === "/silent-stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: hello\n\n");
  } else if (url.pathname === "/ticker") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    let n = 0;
    const total = Number(url.searchParams.get("n"));
    const timer = setInterval(() => { res.write(`data: ${++n}\n\n`); if (n === total) { clearInterval(timer); res.end(); } },
      Number(url.searchParams.get("ms")));
    req.on("close", () => clearInterval(timer));
  } else if (url.pathname === "/delay") {
    setTimeout(() => res.end("answered"), Number(url.searchParams.get("ms")));
  } else if (url.pathname === "/drop") {
    req.once("data", () => req.socket.destroy());
  } else if (url.pathname === "/hang") {
    hanging++;
    req.on("close", () => { if (!res.writableEnded) cancelled++; });
  } else if (url.pathname === "/cancelled") {
    res.end(JSON.stringify({ cancelled, hanging }));
  } else if (url.pathname.startsWith("/status/")) {
    const status = Number(url.pathname.split("/")[2]);
    const seen = {};
    for (const [k, v] of Object.entries(req.headers)) if (k.startsWith("mcp-") || k === "last-event-id") seen[k] = v;
    res.writeHead(status, { "content-type": "application/json", "mcp-session-id": req.headers["mcp-session-id"] || "none" });
    res.end(status === 202 ? undefined : JSON.stringify({ status, seen }));
  } else if (url.pathname === "/hop") {
    // Connection-scoped headers of the app's own: none may reach the client.
    res.writeHead(200, { "connection": "keep-alive, x-hop", "keep-alive": "timeout=5", "x-hop": "for Slipway only",
      "x-end-to-end": "kept", "content-type": "text/plain" });
    res.end("hop");
  } else if (url.pathname === "/download") {
    // mb MiB of 'x', written only as fast as the connection takes them; /download-state says how far it got.
    const total = Number(url.searchParams.get("mb")) * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "x");
    const d = download = { sent: 0, waiting: false, done: false };
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": total });
    const pump = () => {
      d.waiting = false;
      while (d.sent < total) {
        d.sent += chunk.length;
        if (!res.write(chunk)) { d.waiting = true; res.once("drain", pump); return; }
      }
      d.done = true;
      res.end();
    };
    pump();
  } else if (url.pathname === "/download-state") {
    res.end(JSON.stringify(download));
  } else if (url.pathname === "/broken") {
    // An answer that breaks off: part of a declared (or chunked) body, then the connection is gone.
    const chunked = url.searchParams.get("chunked") === "true";
    res.writeHead(200, chunked ? { "content-type": "text/plain" } : { "content-type": "text/plain", "content-length": 100000 });
    res.write("x".repeat(1000), () => setTimeout(() => res.socket.destroy(), 50));
  } else if (url.pathname === "/count") {
    let bytes = 0;
    req.on("data", (c) => { bytes += c.length; });
    req.on("end", () => res.end(JSON.stringify({ bytes })));
  } else {
    const body = JSON.stringify({ method: req.method, url: req.url });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  }
}).listen(Number(process.env.PORT), process.env.HOST);
