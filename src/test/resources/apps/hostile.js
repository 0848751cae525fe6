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

// What each fork runs: /bin/sleep where the sandbox has it (the host's /usr), else node itself, as small as it gets (a
// container image holds node and nothing else), so that the pids limit is what stops the forks, not a missing binary.
const SLEEPER = require("fs").existsSync("/bin/sleep") ? ["/bin/sleep", ["5"]]
  : [process.execPath, ["--single-threaded", "--max-old-space-size=8", "-e", "setTimeout(() => {}, 5000)"]];

async function forks(n) {
  const children = [];
  let failed = 0;
  for (let i = 0; i < n; i++) {
    try {
      const child = spawn(...SLEEPER, { stdio: "ignore" });
      const ok = await new Promise((resolve) => { child.on("spawn", () => resolve(true)); child.on("error", () => resolve(false)); });
      if (ok) children.push(child); else failed++;
    } catch (e) { failed++; }
  }
  children.forEach((c) => c.kill("SIGKILL"));
  return { ok: true, spawned: children.length, failed };
}

// What an app can learn of IPv6 around it: its own addresses (/proc/net/if_inet6, with DAD's "tentative" flag), its
// neighbours (/proc/net/arp), and the link-local address each MAC it sees or can guess would have (EUI-64).
function ipv6Facts() {
  const lines = (file) => { try { return fs.readFileSync(file, "utf8").trim().split("\n"); } catch (e) { return []; } };
  const addresses = lines("/proc/net/if_inet6").filter((l) => l.trim()).map((l) => {
    const [hex, , , scope, flags, iface] = l.trim().split(/\s+/);
    return { address: hex.match(/.{4}/g).join(":"), scope, tentative: (parseInt(flags, 16) & 0x40) !== 0, iface };
  });
  const neighbours = lines("/proc/net/arp").slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 6)
    .map((f) => ({ ip: f[0], mac: f[3], iface: f[5] }));
  const eui64 = (mac) => {
    const b = mac.split(":").map((x) => parseInt(x, 16));
    b[0] ^= 0x02;
    const words = [(b[0] << 8) | b[1], (b[2] << 8) | 0xff, 0xfe00 | b[3], (b[4] << 8) | b[5]];
    return "fe80::" + words.map((w) => w.toString(16)).join(":");
  };
  // Slipway's fixed MACs: 02:53:57:<end>:<slot hi>:<slot lo>, end 01 the host's, 02 a sandbox's.
  const macs = new Set(neighbours.map((n) => n.mac));
  for (let slot = 0; slot < 16; slot++) for (const end of ["01", "02"]) macs.add(`02:53:57:${end}:00:${slot.toString(16).padStart(2, "0")}`);
  const derived = [...macs].map((mac) => eui64(mac) + "%eth0");
  return { addresses, neighbours, derived };
}

const handlers = {
  read: (q) => attempt(() => {
    const p = q.get("path");
    const stat = fs.statSync(p);
    return stat.isDirectory() ? { entries: fs.readdirSync(p) } : { bytes: fs.readFileSync(p).length };
  }),
  text: (q) => attempt(() => ({ text: fs.readFileSync(q.get("path"), "utf8") })),
  write: (q) => attempt(() => fs.writeFileSync(q.get("path"), "pwned")),
  fill: (q) => attempt(() => {
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const fd = fs.openSync(q.get("path"), "w");
    let written = 0;
    try { for (let i = 0; i < Number(q.get("mb")); i++) { fs.writeSync(fd, chunk); written++; } } finally { fs.closeSync(fd); fs.unlinkSync(q.get("path")); }
    return { written };
  }),
  procs: () => ({ ok: true, pids: fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n)) }),
  env: () => ({ ok: true, env: process.env }),
  whoami: () => ({ ok: true, uid: process.getuid(), status: fs.readFileSync("/proc/self/status", "utf8") }),
  connect: (q) => connect(q.get("host"), Number(q.get("port"))),
  addresses: () => ({ ok: true, ipv4: Object.values(require("os").networkInterfaces()).flat()
    .filter((a) => a.family === "IPv4").map((a) => a.address) }),
  ipv6: () => ({ ok: true, ...ipv6Facts() }),
  // Dials every {host, port} of the JSON list POSTed, all at once; each result says whether it connected.
  dial: async (q, body) => ({ ok: true, results: await Promise.all(JSON.parse(body)
    .map((t) => connect(t.host, t.port).then((r) => ({ ...t, ...r })))) }),
  fork: (q) => forks(Number(q.get("n"))),
  alloc: (q) => {
    const held = [];
    for (let i = 0; i < Number(q.get("mb")) / 64; i++) held.push(Buffer.alloc(64 * 1024 * 1024, i));
    return { ok: true, held: held.length };
  },
  // What of its file system the app could abuse: setuid or setgid files, sockets (an engine's), directories it may
  // write (access(2) says EROFS for a read-only mount); /proc and /sys aside. And its process's status (capabilities).
  survey: () => {
    const found = { setuid: [], sockets: [], writable: [] };
    const walk = (dir) => {
      let entries;
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { return; }
      for (const e of entries) {
        const p = (dir === "/" ? "" : dir) + "/" + e.name;
        if (p === "/proc" || p === "/sys") continue;
        let st;
        try { st = fs.lstatSync(p); } catch (x) { continue; }
        if (st.mode & 0o6000) found.setuid.push(p);
        if (e.isSocket()) found.sockets.push(p);
        if (e.isDirectory()) {
          try { fs.accessSync(p, fs.constants.W_OK); found.writable.push(p); } catch (x) { /* not the app's */ }
          walk(p);
        }
      }
    };
    walk("/");
    return { ok: true, ...found, status: fs.readFileSync("/proc/self/status", "utf8") };
  },
  // A child in a session of its own that ignores SIGTERM and outlives its parent, as a daemon would.
  daemon: () => {
    const child = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    child.unref();
    return { ok: true, pid: child.pid };
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
  let body = "";
  for await (const chunk of req) body += chunk;
  const result = handler ? await handler(url.searchParams, body) : { ok: true, app: "hostile" };
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(result));
}).listen(Number(process.env.PORT), process.env.HOST);
