// Writes its log as fast as the pipe takes it, forever, while still answering requests. It waits for 'drain' when
// the pipe is full: node queues in memory whatever the pipe does not take at once, and a flood that ignored that would
// outgrow any reader and the app's memory limit (the app, not Slipway, would then be what fails).
const line = "flood ".repeat(170) + "\n";
function burst() {
  for (let i = 0; i < 64; i++) {
    if (!process.stdout.write(line)) return process.stdout.once("drain", burst);
  }
  setImmediate(burst);
}
require("http").createServer((req, res) => res.end("still answering")).listen(Number(process.env.PORT), process.env.HOST, burst);
