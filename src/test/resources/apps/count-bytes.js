// Counts the bytes of each request body and answers the count and their SHA-256, so a test can tell the body arrived whole.
const http = require("http");
const crypto = require("crypto");
http.createServer((req, res) => {
  let bytes = 0;
  const hash = crypto.createHash("sha256");
  req.on("data", (chunk) => { bytes += chunk.length; hash.update(chunk); });
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ bytes, sha256: hash.digest("hex") }));
  });
}).listen(Number(process.env.PORT), process.env.HOST);
