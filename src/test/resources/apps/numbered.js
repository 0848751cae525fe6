// Quiet until asked: GET /lines?count=N prints the next N numbered lines ("line 17 ....", about 90 bytes each) and
// answers with the number of the last once its output has taken them all (it waits for 'drain' when the pipe is full).
let next = 1;
const pad = ".".repeat(80);
require("http").createServer((req, res) => {
  const count = Number(new URL(req.url, "http://app").searchParams.get("count") || 0);
  const last = next + count - 1;
  (function write() {
    while (next <= last) {
      if (!process.stdout.write(`line ${next++} ${pad}\n`)) return process.stdout.once("drain", write);
    }
    res.end(String(last));
  })();
}).listen(Number(process.env.PORT), process.env.HOST);
