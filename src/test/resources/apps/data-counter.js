// Keeps a counter in its persistent /data; /fill writes until the file system is full, then frees the room again.
const http = require("http");
const fs = require("fs");
const COUNTER = "/data/counter";
const bootId = Math.random().toString(36).slice(2);

function count() {
  let n = 0;
  try {
    n = Number(fs.readFileSync(COUNTER, "utf8")) || 0;
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  n++;
  fs.writeFileSync(COUNTER + ".tmp", String(n));
  fs.renameSync(COUNTER + ".tmp", COUNTER);
  return n;
}

function fill() {
  const fd = fs.openSync("/data/filler", "w");
  const block = Buffer.alloc(1 << 20, 7);
  let written = 0;
  let code = "none";
  try {
    for (let i = 0; i < 4096; i++) written += fs.writeSync(fd, block);
    fs.fsyncSync(fd);
  } catch (e) {
    code = e.code;
  }
  fs.closeSync(fd);
  fs.unlinkSync("/data/filler");
  return { code, written };
}

http.createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  res.setHeader("content-type", "application/json");
  try {
    if (path === "/count") return res.end(JSON.stringify({ count: count(), bootId }));
    if (path === "/fill") return res.end(JSON.stringify({ ...fill(), bootId }));
    const stat = fs.statSync("/data");
    res.end(JSON.stringify({ bootId, uid: process.getuid(), mode: (stat.mode & 0o777).toString(8), owner: stat.uid, entries: fs.readdirSync("/data") }));
  } catch (e) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: e.code || String(e), bootId }));
  }
}).listen(Number(process.env.PORT), process.env.HOST);
