// Counts the requests for / (a route with a side effect, as a page that sends a mail would be); /healthz is free.
let calls = 0;
require("http").createServer((req, res) => {
  if (req.url === "/healthz") return res.end("ok");
  if (req.url === "/") calls++;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ rootCalls: calls }));
}).listen(Number(process.env.PORT), process.env.HOST);
