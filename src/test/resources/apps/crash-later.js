// Starts as asked until CRASH_AFTER (epoch milliseconds), then crashes at every start: an app whose outside world broke
// after its deploy (a database gone, a key expired).
if (Date.now() > Number(process.env.CRASH_AFTER)) {
  console.error("fatal: the database at DATABASE_URL is gone");
  process.exit(3);
}
require("http").createServer((req, res) => res.end(JSON.stringify({ ok: true }))).listen(Number(process.env.PORT), process.env.HOST);
