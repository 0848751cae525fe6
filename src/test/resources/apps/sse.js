// Server-Sent Events: one event every 300 ms, each flushed on its own.
const http = require("http");
http.createServer((req, res) => {
  if (req.url !== "/events") { res.end("ok"); return; }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    res.write(`id: ${n}\ndata: {"n":${n},"at":${Date.now()}}\n\n`);
    if (n === 5) { clearInterval(timer); res.end(); }
  }, 300);
  req.on("close", () => clearInterval(timer));
}).listen(Number(process.env.PORT));
