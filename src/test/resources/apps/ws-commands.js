// A WebSocket app on the ws package that does what its client's messages say ("close <code> <reason>", "terminate",
// "kill"; anything else is echoed); /slow?ms=N takes the upgrade only after N ms. GET /state says what it saw.
const http = require("http");
const { WebSocketServer } = require("ws");

const wss = new WebSocketServer({ noServer: true });
const upgraded = new Set();
const state = { closes: [] };

wss.on("connection", (socket) => {
  socket.on("message", (data) => {
    const text = String(data);
    const [command, code, ...reason] = text.split(" ");
    if (command === "close") socket.close(Number(code), reason.join(" "));
    else if (command === "terminate") socket.terminate();
    else if (command === "kill") process.kill(process.pid, "SIGKILL");
    else socket.send("echo:" + text);
  });
  socket.on("close", (code, reason) => state.closes.push({ code, reason: String(reason) }));
});

const server = http.createServer((req, res) => {
  if (req.url === "/state") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ...state, upgraded: upgraded.size }));
  } else {
    res.end("http ok");
  }
});

server.on("upgrade", (req, socket, head) => {
  upgraded.add(socket);
  socket.on("close", () => upgraded.delete(socket));
  const url = new URL(req.url, "http://app");
  const take = () => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  if (url.pathname === "/slow") setTimeout(take, Number(url.searchParams.get("ms")));
  else take();
});

server.listen(Number(process.env.PORT), process.env.HOST);
