// Slipway's bridge for a stdio MCP server: it serves the server as Streamable HTTP at /mcp on $HOST:$PORT, each MCP
// session with a process of the server of its own, spawned by the SDK's StdioClientTransport, whose messages it relays
// both ways through the SDK's StreamableHTTPServerTransport. Slipway writes this file next to the server and runs it
// instead, in the app's sandbox; the SDK is the app's own (@modelcontextprotocol/sdk in its requirements).
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const SERVER = "__SLIPWAY_SERVER__";
// Each session is a process of the server, and so is the spare: there are never more processes than this, and past
// this many sessions the one unused the longest (with no request open) goes.
const MAX_SESSIONS = Math.max(1, Math.floor(Number(process.env.MCP_STDIO_MAX_SESSIONS))) || 4;
const MAX_BODY = 4 * 1024 * 1024;
const port = Number(process.env.PORT);
const host = process.env.HOST || "0.0.0.0";
const serverPath = fileURLToPath(new URL(SERVER, import.meta.url));
// The server speaks on stdin/stdout; $PORT is the bridge's, so the server does not see it (nor $HOST).
const serverEnv = { ...process.env };
delete serverEnv.PORT;
delete serverEnv.HOST;

const say = (line) => process.stderr.write(`slipway: ${line}\n`);

/** The SDK's module named, or the bridge exits saying which SDK it needs. */
async function sdk(module) {
  try {
    return await import(`@modelcontextprotocol/sdk/${module}`);
  } catch (error) {
    say(`the stdio bridge needs @modelcontextprotocol/sdk 1.10 or later in requirements (its StreamableHTTPServerTransport `
      + `and StdioClientTransport): ${error.message}`);
    process.exit(1);
  }
}

const { StdioClientTransport } = await sdk("client/stdio.js");
const { StreamableHTTPServerTransport } = await sdk("server/streamableHttp.js");

// How many processes of the server run; the spare, a promise of one started ahead of the next session (so that its
// initialize need not wait for one to start); whether the first has answered; whether the bridge is stopping.
let live = 0;
let spare;
let serving = false;
let stopping = false;

/** A process of the server, started; its `exit` settles with how it ended, once its output is read. */
async function spawnServer() {
  const child = new StdioClientTransport({ command: process.execPath, args: [...process.execArgv, serverPath], env: serverEnv, stderr: "inherit" });
  await child.start();
  live++;
  // The SDK keeps the child process to itself; its exit code is what the app's log needs when it fails.
  const process_ = child._process;
  child.exit = new Promise((resolve) => {
    if (process_) process_.once("close", (code, signal) => resolve({ code, signal }));
    else child.onclose = () => resolve({ code: null, signal: null });
  });
  child.exit.then((how) => {
    live--;
    child.ended = true;
    if (!child.session && serving && !stopping) say(`a process of the stdio server, started for the next session, ${ended(how)}`);
    replenish();
  });
  return child;
}

const ended = ({ code, signal }) => signal ? `was killed by ${signal}` : code === null ? "ended" : `exited with code ${code}`;

/** Resolves once the server answers a ping (which MCP allows before initialize); exits the bridge as it if it ends first. */
function answered(child) {
  return new Promise((resolve) => {
    const id = `slipway-${randomUUID()}`;
    let done = false;
    setTimeout(() => done || say(`the stdio server ${SERVER} has not answered a ping in 5 s`), 5000).unref();
    child.onmessage = (message) => {
      if (message.id !== id) return;
      done = true;
      child.onmessage = undefined;
      resolve();
    };
    child.exit.then((how) => {
      if (done) return;
      say(`the stdio server ${SERVER} ${ended(how)} before it answered a ping`);
      process.exit(how.signal ? 128 + (constants.signals[how.signal] ?? 0) : how.code || 1);
    });
    child.send({ jsonrpc: "2.0", id, method: "ping" }).catch(() => {});
  });
}

// The first process starts with the bridge, which listens only once it answers: a server that cannot start fails the
// app's start, with its own exit code and its stderr in the app's log. It is the spare, for the first session.
const first = await spawnServer();
await answered(first);
serving = true;
spare = Promise.resolve(first);

const sessions = new Map();

/** Starts the next spare, once the last was taken, while there is room for a process. */
function replenish() {
  if (spare !== undefined || !serving || stopping || live >= MAX_SESSIONS) return;
  spare = spawnServer().catch((error) => {
    say(`cannot start a process of the stdio server: ${error.message}`);
    return undefined;
  });
}

async function takeProcess() {
  const taken = spare;
  spare = undefined;
  const ready = await taken;
  return ready && !ready.ended ? ready : spawnServer();
}

async function openSession() {
  const child = await takeProcess();
  const session = { child, open: 0, lastUsed: Date.now(), closed: false };
  child.session = session;
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => sessions.set(id, session) });
  session.transport = transport;
  // The client's requests the server has not answered, each with its progress token: progress notifications go with
  // the request that asked for them (all else the server sends unasked goes to the GET stream), and if the server ends,
  // each is answered with an error at once.
  const pending = new Map();
  transport.onmessage = (message) => {
    if (message.method !== undefined && message.id !== undefined) pending.set(message.id, message.params?._meta?.progressToken);
    child.send(message).catch((error) => say(`cannot write to the stdio server of session ${transport.sessionId}: ${error.message}`));
  };
  const relay = (message, relatedRequestId) => transport.send(message, relatedRequestId === undefined ? undefined : { relatedRequestId })
    .catch(() => {
      // The request it answers is gone (its client went away): nothing is waiting for it.
    });
  child.onmessage = (message) => {
    let relatedRequestId;
    if (message.method === "notifications/progress") {
      relatedRequestId = [...pending].find(([, token]) => token !== undefined && token === message.params?.progressToken)?.[0];
    }
    if (message.method === undefined) pending.delete(message.id);
    relay(message, relatedRequestId);
  };
  child.exit.then(async (how) => {
    if (!session.closed) {
      say(`the stdio server of session ${transport.sessionId ?? "(opening)"} ${ended(how)}; the session ends`);
      const error = { code: -32603, message: `the stdio server ${ended(how)}` };
      await Promise.all([...pending.keys()].map((id) => relay({ jsonrpc: "2.0", id, error })));
    }
    close(session);
  });
  transport.onclose = () => close(session);
  await transport.start();
  return session;
}

/** Ends a session and its process (stdin closed, then SIGTERM, then SIGKILL, as the SDK does); settles once it has. */
function close(session) {
  if (session.closed) return Promise.resolve();
  session.closed = true;
  if (session.transport.sessionId) sessions.delete(session.transport.sessionId);
  session.transport.close().catch(() => {});
  return session.child.close().catch(() => {});
}

/** Room for one more session: true once the one unused the longest, with no request open, has gone. */
function room() {
  if (sessions.size < MAX_SESSIONS) return true;
  const idle = [...sessions.values()].filter((s) => s.open === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
  if (!idle) return false;
  say(`session ${idle.transport.sessionId} ends, unused the longest, to make room for a new one (at most ${MAX_SESSIONS} at once)`);
  close(idle);
  return true;
}

async function serve(session, req, res, body) {
  session.open++;
  res.once("close", () => {
    session.open--;
    session.lastUsed = Date.now();
  });
  await session.transport.handleRequest(req, res, body);
}

function answer(res, status, contentType, text) {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) }).end(text);
}

const rpcError = (res, status, code, message) =>
  answer(res, status, "application/json", JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return { tooLarge: true };
    chunks.push(chunk);
  }
  try {
    return { body: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { invalid: true };
  }
}

const isInitialize = (body) => Array.isArray(body) ? body.some(isInitialize) : body?.method === "initialize";
// Answers what reaches /mcp without a session and is no initialize as the SDK does (400), with no process behind it.
const sessionless = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });

async function handle(req, res) {
  const { pathname } = new URL(req.url, "http://bridge");
  if (pathname !== "/mcp" && pathname !== "/mcp/") {
    if (pathname === "/") return answer(res, 200, "text/plain; charset=utf-8", `${SERVER}: a stdio MCP server, served by Slipway at /mcp\n`);
    return answer(res, 404, "text/plain; charset=utf-8", "Not Found: this MCP server is at /mcp\n");
  }
  const id = req.headers["mcp-session-id"];
  if (id !== undefined) {
    const session = sessions.get(id);
    if (!session) return rpcError(res, 404, -32001, "Session not found");
    return serve(session, req, res);
  }
  if (req.method !== "POST") return sessionless.handleRequest(req, res);
  const { body, tooLarge, invalid } = await readJson(req);
  if (tooLarge) return rpcError(res, 413, -32600, `Request body larger than ${MAX_BODY} bytes`);
  if (invalid) return rpcError(res, 400, -32700, "Parse error: Invalid JSON");
  if (!isInitialize(body)) return sessionless.handleRequest(req, res, body);
  if (!room()) return rpcError(res, 503, -32000, `Too many open sessions: at most ${MAX_SESSIONS}, each a process of the server`);
  const session = await openSession();
  await serve(session, req, res, body);
  // Refused (a bad initialize): nothing was established, and its process goes.
  if (!session.transport.sessionId || res.statusCode >= 400) close(session);
  // The next spare starts once this session's initialize is answered, not while it waits on its own process.
  replenish();
}

const http = createServer({ requestTimeout: 0 }, (req, res) => {
  handle(req, res).catch((error) => {
    say(`${req.method} ${req.url} failed: ${error.stack ?? error}`);
    if (!res.headersSent) rpcError(res, 500, -32603, "Internal error");
    else res.destroy();
  });
});
http.listen(port, host, () => {
  say(`serving the stdio MCP server ${SERVER} as Streamable HTTP at /mcp on ${host}:${http.address().port}, a process of it per session`);
});
process.on("SIGTERM", () => {
  stopping = true;
  http.close();
  http.closeAllConnections();
  Promise.allSettled([spare?.then((child) => child?.close()), ...[...sessions.values()].map(close)]).then(() => process.exit(0));
});
