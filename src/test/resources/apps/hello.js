// A CommonJS app with no dependencies: tells who it is and what it received.
const http = require("http");
const startedAt = Date.now();
http.createServer((req, res) => {
  if (req.url.startsWith("/slow")) {
    const ms = Number(new URL(req.url, "http://x").searchParams.get("ms") || 1000);
    console.log(`slow request: answering in ${ms} ms`);
    setTimeout(() => res.end("slow done"), ms);
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({
    app: "hello-js", pid: process.pid, startedAt, url: req.url, method: req.method,
    greeting: process.env.GREETING || null, nodeEnv: process.env.NODE_ENV,
    forwardedPrefix: req.headers["x-forwarded-prefix"] || null,
    forwardedFor: req.headers["x-forwarded-for"] || null,
    authorization: req.headers["authorization"] || null,
    // Every header as sent, repeats included (Node keeps only the first Authorization in req.headers).
    rawHeaders: req.rawHeaders,
  }));
}).listen(Number(process.env.PORT), process.env.HOST);
