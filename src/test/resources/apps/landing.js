// Redirects /go to /landed, an absolute path, as apps do; every other path answers what the app was asked and told:
// the path, the Host, the forwarding headers, the Authorization it got and its PUBLIC_URL.
require("http").createServer((req, res) => {
  if (req.url === "/go") {
    res.writeHead(302, { location: "/landed" });
    res.end();
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({
    path: req.url, host: req.headers.host, publicUrl: process.env.PUBLIC_URL,
    forwardedHost: req.headers["x-forwarded-host"] ?? null, forwardedPrefix: req.headers["x-forwarded-prefix"] ?? null,
    authorization: req.headers.authorization ?? null, httpVersion: req.httpVersion,
  }));
}).listen(Number(process.env.PORT), process.env.HOST);
