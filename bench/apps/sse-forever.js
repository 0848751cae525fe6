// An event stream per client that never ends on its own: one event at once, then one every 5 s.
require("http").createServer((req, res) => {
  if (req.url !== "/events") { res.end("ok"); return; }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let n = 0;
  const send = () => res.write(`id: ${++n}\ndata: {"n":${n}}\n\n`);
  send();
  const timer = setInterval(send, 5000);
  req.on("close", () => clearInterval(timer));
}).listen(Number(process.env.PORT), process.env.HOST);
