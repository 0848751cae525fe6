// Answers until SIGTERM, then says so and exits cleanly (code 0), as a well-behaved server does.
const server = require("http").createServer((req, res) => res.end("graceful"));
process.on("SIGTERM", () => {
  console.log("SIGTERM received, shutting down");
  server.close();
  process.exit(0);
});
server.listen(Number(process.env.PORT), process.env.HOST);
