// Ignores $PORT and $HOST: listens on a port of its own choosing, on loopback only, as many a tutorial app does.
require("http").createServer((req, res) => res.end("unreachable")).listen(8080, "127.0.0.1", () => {
  console.log("listening on http://127.0.0.1:8080");
});
