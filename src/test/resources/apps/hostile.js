// Tries, on request, what a hostile app would try, and reports what happened: {ok, code, ...}.
const http = require("http");
const fs = require("fs");
const net = require("net");
const { spawn } = require("child_process");

function attempt(fn) {
  try { return { ok: true, ...(fn() || {}) }; } catch (e) { return { ok: false, code: e.code || String(e) }; }
}

function connect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.on("connect", () => { socket.destroy(); resolve({ ok: true }); });
    socket.on("timeout", () => { socket.destroy(); resolve({ ok: false, code: "TIMEOUT" }); });
    socket.on("error", (e) => resolve({ ok: false, code: e.code }));
  });
}

async function forks(n) {
  const children = [];
  let failed = 0;
  for (let i = 0; i < n; i++) {
    try {
      const child = spawn("/bin/sleep", ["5"], { stdio: "ignore" });
      const ok = await new Promise((resolve) => { child.on("spawn", () => resolve(true)); child.on("error", () => resolve(false)); });
      if (ok) children.push(child); else failed++;
    } catch (e) { failed++; }
  }
  children.forEach((c) => c.kill("SIGKILL"));
  return { ok: true, spawned: children.length, failed };
}

const handlers = {
  read: (q) => attempt(() => {
    const p = q.get("path");
    const stat = fs.statSync(p);
    return stat.isDirectory() ? { entries: fs.readdirSync(p) } : { bytes: fs.readFileSync(p).length };
  }),
  write: (q) => attempt(() => fs.writeFileSync(q.get("path"), "pwned")),
  fill: (q) => attempt(() => {
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const fd = fs.openSync(q.get("path"), "w");
    let written = 0;
    try { for (let i = 0; i < Number(q.get("mb")); i++) { fs.writeSync(fd, chunk); written++; } } finally { fs.closeSync(fd); fs.unlinkSync(q.get("path")); }
    return { written };
  }),
  procs: () => ({ ok: true, pids: fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n)) }),
  whoami: () => ({ ok: true, uid: process.getuid(), status: fs.readFileSync("/proc/self/status", "utf8") }),
  connect: (q) => connect(q.get("host"), Number(q.get("port"))),
  addresses: () => ({ ok: true, ipv4: Object.values(require("os").networkInterfaces()).flat()
    .filter((a) => a.family === "IPv4").map((a) => a.address) }),
  fork: (q) => forks(Number(q.get("n"))),
  alloc: (q) => {
    const held = [];
    for (let i = 0; i < Number(q.get("mb")) / 64; i++) held.push(Buffer.alloc(64 * 1024 * 1024, i));
    return { ok: true, held: held.length };
  },
  spin: (q) => {
    // Two busy processes, to try to take both cores of the machine.
    for (let i = 0; i < 2; i++) spawn(process.execPath, ["-e", `const end = Date.now() + ${Number(q.get("ms"))}; while (Date.now() < end) {}`], { stdio: "ignore" });
    return { ok: true };
  },
};

http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://app");
  const handler = handlers[url.pathname.slice(1)];
  const result = handler ? await handler(url.searchParams) : { ok: true, app: "hostile" };
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(result));
}).listen(Number(process.env.PORT), process.env.HOST);
