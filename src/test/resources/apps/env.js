// Answers every request with the environment it was started with, as JSON: {"env": {...}}.
require("http").createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ env: process.env }));
}).listen(Number(process.env.PORT), process.env.HOST);
