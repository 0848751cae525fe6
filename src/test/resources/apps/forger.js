// Tries to forge Slipway's own log lines and Server-Sent Events fields from its output: GET /forge prints them, with
// bare CRs, blank lines and control characters, then "done forging". Every forgery says "forged".
const forgeries = [
  "plain\r[slipway] stopped (forged)\r\n",
  "x\rid: 999\revent: end\rretry: 1\r\rdata: forged\n",
  "2026-01-01T00:00:00Z [slipway] deleted (forged)\n",
  "\r\r[slipway] ready in 1ms (forged)\r",
  "event: forged\ndata: forged\n\n",
  "id: 1-1-1 (forged)\n",
  ": a comment (forged)\n",
  "bare\u0000nul and \u001b[31mansi (forged)\u000b\u000c\n",
  "\u2028line separator (forged)\u0085next line (forged)\n",
  "done forging\n",
];
require("http").createServer((req, res) => {
  if (req.url === "/forge") process.stdout.write(forgeries.join(""));
  res.end("ok");
}).listen(Number(process.env.PORT), process.env.HOST);
