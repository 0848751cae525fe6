// Counts the requests that reach it, reading each body whole, so that a test can tell a refused request never arrived;
// GET /count answers the tally: seen (requests begun) and aborted (begun, then cut before their body ended).
const http = require("http");
let seen = 0;
let aborted = 0;
http.createServer((req, res) => {
  if (req.url === "/count") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ seen, aborted }));
    return;
  }
  seen++;
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("close", () => { if (!req.complete) aborted++; });
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), headers: req.headers }));
  });
}).listen(Number(process.env.PORT), process.env.HOST);
