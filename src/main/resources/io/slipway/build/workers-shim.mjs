// Slipway's server for a module whose default export has fetch(request, env, ctx), as a Cloudflare Worker's has.
// Slipway writes this file next to the module and runs it instead; it needs node 18+ and no npm package.
import { createServer } from "node:http";
import { Server } from "node:net";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const MODULE = "__SLIPWAY_MODULE__";
const moduleUrl = new URL(MODULE, import.meta.url);
const port = Number(process.env.PORT);
const host = process.env.HOST || "0.0.0.0";

// The module runs as if node had been given it: "is this the main module?" checks compare argv[1].
process.argv[1] = fileURLToPath(moduleUrl);

// A module that listens on $PORT itself (a framework's own server) is left to serve; Slipway's server stands aside.
let ownServer = null;
let listensItself = false;
const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  if (this !== ownServer && listensOnPort(args)) {
    if (ownServer !== null) {
      console.error(`slipway: ${MODULE} listens on $PORT itself, but Slipway already serves its default export's fetch(): export fetch or listen, not both`);
    }
    listensItself = true;
  }
  return listen.apply(this, args);
};

function listensOnPort(args) {
  const first = args[0];
  const asked = first !== null && typeof first === "object" ? first.port : first;
  return asked !== undefined && Number(asked) === port;
}

const worker = (await import(moduleUrl.href)).default;
const env = { ...process.env };
const pending = new Set();

if (listensItself) {
  console.log(`slipway: ${MODULE} listens on $PORT itself; its default export is not served by Slipway`);
} else if (worker == null || typeof worker.fetch !== "function") {
  console.error(`slipway: the default export of ${MODULE} has no fetch(request, env, ctx) method, so Slipway does not serve it: the module must listen on $PORT (${port}) itself`);
} else {
  serve();
}

function serve() {
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    handle(req, res).catch((error) => fail(req, res, error));
  });
  ownServer = server;
  server.listen(port, host, () => {
    console.log(`slipway: serving the fetch() of ${MODULE}'s default export on ${host}:${server.address().port}`);
  });
  process.on("SIGTERM", () => {
    // As on Workers, what was handed to ctx.waitUntil() may finish; Slipway's SIGKILL bounds how long.
    server.close();
    server.closeIdleConnections();
    Promise.allSettled([...pending]).then(() => process.exit(0));
  });
}

async function handle(req, res) {
  // Without an "upgrade" listener node hands upgrade requests here, as ordinary requests.
  if (/\bwebsocket\b/i.test(req.headers.upgrade ?? "")) {
    refuseUpgrade(res);
    return;
  }
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  const request = toRequest(req, aborted.signal);
  const response = await worker.fetch(request, env, context());
  if (response === null || typeof response !== "object" || typeof response.status !== "number" || !response.headers) {
    throw new TypeError(`fetch() returned ${describe(response)}, not a Response`);
  }
  await send(response, req, res, aborted.signal);
}

function toRequest(req, signal) {
  // Slipway sets the forwarding headers (it replaces any a client sent); the path is the app's, without /containers/{id}.
  const proto = first(req.headers["x-forwarded-proto"]) || "http";
  const authority = first(req.headers["x-forwarded-host"]) || req.headers.host || `${host}:${port}`;
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const init = { method: req.method, headers, signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = Readable.toWeb(req);
    init.duplex = "half";
  }
  // Appended, not resolved against the origin: a path such as //evil.example/x stays a path, and never names the host.
  const path = req.url.startsWith("/") ? req.url : "/";
  return new Request(new URL(`${proto}://${authority}${path}`), init);
}

function context() {
  return {
    waitUntil(promise) {
      const settled = Promise.resolve(promise)
        .catch((error) => console.error("slipway: a promise given to ctx.waitUntil() failed:", error))
        .finally(() => pending.delete(settled));
      pending.add(settled);
    },
    // Workers would pass the request on to an origin; there is none here, so an exception is a 500.
    passThroughOnException() {},
    props: {},
  };
}

async function send(response, req, res, signal) {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (response.body === null || req.method === "HEAD") {
    response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  // Headers go at once, then each chunk as the body yields it: an event stream arrives event by event.
  res.flushHeaders();
  const reader = response.body.getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (signal.aborted) return;
    }
    res.end();
  } catch (error) {
    if (signal.aborted) return;
    console.error(`slipway: the body of the answer to ${req.method} ${req.url} failed:`, error);
    res.destroy();
  }
}

function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function fail(req, res, error) {
  console.error(`slipway: fetch() failed for ${req.method} ${req.url}:`, error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
  res.end("Internal Server Error\n");
}

function refuseUpgrade(res) {
  res.writeHead(501, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end("Slipway serves a Workers-style fetch() over HTTP only: WebSocketPair and 101 answers are not supported. "
    + "Listen on $PORT with a WebSocket server of your own (the ws package, say) instead.\n");
}

function first(value) {
  return typeof value === "string" ? value.split(",")[0].trim() : undefined;
}

function describe(value) {
  return value === null ? "null" : typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : typeof value;
}
