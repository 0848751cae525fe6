// WebSocket echo on /ws with the ws package; plain HTTP elsewhere.
const http = require("http");
const { WebSocketServer } = require("ws");
const server = http.createServer((req, res) => res.end("http ok"));
const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (socket) => socket.on("message", (data) => socket.send("echo:" + data)));
server.listen(Number(process.env.PORT));
