// Writes its log as fast as it can, forever, while still answering requests.
const line = "flood ".repeat(170) + "\n";
function burst() {
  for (let i = 0; i < 64; i++) process.stdout.write(line);
  setImmediate(burst);
}
require("http").createServer((req, res) => res.end("still answering")).listen(Number(process.env.PORT), process.env.HOST, burst);
