// A version of an app, for redeploys: every answer is {"version": $VERSION, "instance": <random, per process>}. GET /slow?ms=N answers
// after N ms (a request in flight across a redeploy); START_DELAY_MS delays its listening (a version slow to start).
const http = require("http");
const version = process.env.VERSION || "unset";
const instance = Math.random().toString(36).slice(2);
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://app");
  const answer = () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ version, instance }));
  };
  if (url.pathname === "/slow") {
    console.log("version " + version + " received a slow request");
    setTimeout(answer, Number(url.searchParams.get("ms") || 1000));
  }
  else answer();
});
setTimeout(() => server.listen(Number(process.env.PORT), process.env.HOST), Number(process.env.START_DELAY_MS || 0));
