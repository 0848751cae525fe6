// Ignores SIGTERM, so that only SIGKILL stops it; GET /exit ends the process in the middle of the request.
process.on("SIGTERM", () => console.log("SIGTERM received, ignoring it"));
require("http").createServer((req, res) => {
  if (req.url === "/exit") {
    console.log("exiting before answering");
    setTimeout(() => process.exit(7), 50);
    return;
  }
  res.end("stubborn");
}).listen(Number(process.env.PORT), process.env.HOST);
