// A WebSocket app on the ws package that does what its client's messages say ("close <code> <reason>", "terminate",
// "kill"; anything else is echoed; /slow?ms=N takes the upgrade only after N ms), and two raw upgrade endpoints for
// back-pressure: /flood?mb=N sends N MiB of binary frames only as fast as its socket takes them, then closes; /sink
// reads nothing until GET /sink/resume. GET /state says what it saw.
const crypto = require("crypto");
const http = require("http");
const { WebSocketServer } = require("ws");

const wss = new WebSocketServer({ noServer: true });
const upgraded = new Set();
const state = { closes: [], flood: null, sink: null };
let sinkSocket = null;

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
  } else if (req.url === "/sink/resume") {
    if (sinkSocket) sinkSocket.resume();
    res.end("resumed");
  } else {
    res.end("http ok");
  }
});

server.on("upgrade", (req, socket, head) => {
  upgraded.add(socket);
  socket.on("close", () => upgraded.delete(socket));
  const url = new URL(req.url, "http://app");
  const take = () => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  if (url.pathname === "/flood") flood(req, socket);
  else if (url.pathname === "/sink") sink(req, socket, head);
  else if (url.pathname === "/slow") setTimeout(take, Number(url.searchParams.get("ms")));
  else take();
});

function accept(req, socket) {
  const key = crypto.createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    + `Sec-WebSocket-Accept: ${key}\r\n\r\n`);
}

// Unmasked binary frames of 64 KiB, each written once the socket has taken the one before ('drain'); a close frame
// (1000) ends them. sent counts the bytes the socket has handed to the kernel.
function flood(req, socket) {
  accept(req, socket);
  const payload = 64 * 1024;
  const frames = Number(new URL(req.url, "http://app").searchParams.get("mb")) * 16;
  const frame = Buffer.alloc(10 + payload, 0x78);
  frame[0] = 0x82;
  frame[1] = 127;
  frame.writeBigUInt64BE(BigInt(payload), 2);
  const close = Buffer.from([0x88, 0x02, 0x03, 0xe8]);
  const f = state.flood = { total: frames * frame.length + close.length, sent: 0, waiting: false, done: false };
  let written = 0;
  const pump = () => {
    f.waiting = false;
    while (written < frames) {
      written++;
      if (!socket.write(frame, () => { f.sent += frame.length; })) {
        f.waiting = true;
        socket.once("drain", pump);
        return;
      }
    }
    socket.end(close, () => { f.sent += close.length; f.done = true; });
  };
  pump();
}

// Takes the upgrade and then reads nothing, until /sink/resume: what the client sends waits in the buffers on the way.
function sink(req, socket, head) {
  accept(req, socket);
  socket.pause();
  sinkSocket = socket;
  const s = state.sink = { received: head.length, ended: false };
  socket.on("data", (chunk) => { s.received += chunk.length; });
  socket.on("end", () => { s.ended = true; });
}

server.listen(Number(process.env.PORT), process.env.HOST);
