// An app that dies on request: /die exits while the request waits for its answer; /oom allocates until the kernel kills
// it; / answers with a number drawn at start, so that a test can tell a restarted app from the one before (pids repeat:
// each sandbox has a pid namespace of its own).
const http = require("http");
const run = String(Math.random());
http.createServer((req, res) => {
  if (req.url === "/die") {
    console.log("dying on request");
    process.exit(3);
  } else if (req.url === "/oom") {
    console.log("allocating until killed");
    const held = [];
    for (;;) held.push(Buffer.alloc(16 * 1024 * 1024, 1));
  } else {
    res.end(run);
  }
}).listen(Number(process.env.PORT), process.env.HOST);
