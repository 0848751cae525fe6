"""Slipway's bridge for a stdio MCP server.

It serves the server as Streamable HTTP at /mcp on $HOST:$PORT, each MCP session with a process of the server of its
own, spawned by the SDK's stdio_client, whose messages it relays both ways through the SDK's
StreamableHTTPServerTransport. Slipway writes this file next to the server and runs it instead, in the app's sandbox;
the SDK is the app's own (mcp in its requirements, 1.14 or later, 1.x or 2.x).
"""

import contextlib
import contextvars
import json
import logging
import os
import signal
import sys
import uuid

SERVER = "__SLIPWAY_SERVER__"
# Each session is a process of the server: past this many, the one unused the longest (with no request open) goes.
_MAX = os.environ.get("MCP_STDIO_MAX_SESSIONS", "")
MAX_SESSIONS = max(1, int(_MAX)) if _MAX.isdigit() else 4
MAX_BODY = 4 * 1024 * 1024
SERVER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), SERVER)
# The server speaks on stdin/stdout; $PORT is the bridge's, so the server does not see it (nor $HOST).
SERVER_ENV = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST")}


def say(line):
    print(f"slipway: {line}", file=sys.stderr, flush=True)


def sdk_version():
    """mcp's version as (major, minor), or None when it is not installed."""
    from importlib import metadata
    import re
    try:
        found = re.match(r"(\d+)\.(\d+)", metadata.version("mcp"))
    except metadata.PackageNotFoundError:
        return None
    return (int(found[1]), int(found[2])) if found else None


# From 1.14 the SDK's servers answer a ping before initialize, which is how the bridge knows its server is up.
_VERSION = sdk_version()
if (_VERSION or (0, 0)) < (1, 14):
    say("the stdio bridge needs mcp 1.14 or later in requirements (mcp>=1.14), whose servers answer a ping before initialize; "
        f"this app has {'mcp ' + '.'.join(map(str, _VERSION)) if _VERSION else 'no mcp'}")
    sys.exit(1)

try:
    import anyio
    import uvicorn
    import mcp.client.stdio as sdk_stdio
    import mcp.types as mcp_types
    from mcp.client.stdio import StdioServerParameters, stdio_client
    from mcp.server.streamable_http import StreamableHTTPServerTransport
    from mcp.shared.message import ServerMessageMetadata, SessionMessage
except ImportError as error:
    say(f"the stdio bridge cannot load what it needs of mcp (its StreamableHTTPServerTransport and stdio_client): {error}")
    sys.exit(1)

_ADAPTER = getattr(mcp_types, "jsonrpc_message_adapter", None)


class _Teardown(logging.Filter):
    """Drops the SDK's tracebacks for streams closed under it when a session ends, which is how sessions end here."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, (anyio.ClosedResourceError, anyio.BrokenResourceError))


logging.getLogger("mcp.server.streamable_http").addFilter(_Teardown())


def jsonrpc(data):
    """A JSON-RPC message as the SDK models it (mcp 2.x: the message itself; 1.x: a root model around it)."""
    return _ADAPTER.validate_python(data) if _ADAPTER is not None else mcp_types.JSONRPCMessage.model_validate(data)


def fields(message):
    """The JSON-RPC message of a session message, unwrapped."""
    inner = getattr(message, "message", None)
    return getattr(inner, "root", inner)


# The SDK keeps the server's process to itself; its exit code is what the app's log needs when it fails.
_spawned = contextvars.ContextVar("spawned", default=None)
_create_process = getattr(sdk_stdio, "_create_platform_compatible_process", None)
if _create_process is not None:
    async def _create_and_keep(*args, **kwargs):
        process = await _create_process(*args, **kwargs)
        kept = _spawned.get()
        if kept is not None:
            kept.append(process)
        return process

    sdk_stdio._create_platform_compatible_process = _create_and_keep


class Child:
    """A process of the server, held open by a task of its own until stop(); started is set once it runs, or failed to."""

    def __init__(self):
        self.process = None
        self.error = None
        self.started = anyio.Event()
        self.stopped = anyio.Event()

    async def run(self):
        kept = []
        _spawned.set(kept)
        params = StdioServerParameters(command=sys.executable, args=["-u", SERVER_PATH], env=SERVER_ENV)
        try:
            async with stdio_client(params, errlog=sys.stderr) as (self.read, self.write):
                self.process = kept[0] if kept else None
                self.started.set()
                await self.stopped.wait()
        except Exception as error:
            self.error = error
            say(f"cannot start a process of the stdio server: {error!r}")
        finally:
            self.started.set()

    def alive(self):
        return self.error is None and (self.process is None or self.process.returncode is None)

    def stop(self):
        self.stopped.set()

    async def ended(self):
        """How the process ended, once its stdout has closed: its exit code (None if unknown) and the log's words."""
        with anyio.move_on_after(2):
            while self.process is not None and self.process.returncode is None:
                await anyio.sleep(0.01)
        code = None if self.process is None else self.process.returncode
        if code is None:
            return None, "ended"
        return code, f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"


async def answered(child):
    """Returns once the server answers a ping (which MCP allows before initialize); if it ends first, so does the bridge."""
    ping = f"slipway-{uuid.uuid4().hex}"
    await child.write.send(SessionMessage(jsonrpc({"jsonrpc": "2.0", "id": ping, "method": "ping"})))

    async def slow():
        await anyio.sleep(5)
        say(f"the stdio server {SERVER} has not answered a ping in 5 s")

    async with anyio.create_task_group() as waiting:
        waiting.start_soon(slow)
        async for message in child.read:
            if getattr(fields(message), "id", None) == ping and getattr(fields(message), "method", None) is None:
                waiting.cancel_scope.cancel()
                return
        waiting.cancel_scope.cancel()
    code, how = await child.ended()
    say(f"the stdio server {SERVER} {how} before it answered a ping")
    # Nothing else runs yet: the bridge ends as its server did, at once.
    os._exit(128 - code if code is not None and code < 0 else code or 1)


class Session:
    """One client's session: the SDK's HTTP transport, a process of the server, and the relay between them."""

    def __init__(self, child):
        self.child = child
        self.transport = StreamableHTTPServerTransport(uuid.uuid4().hex)
        self.id = self.transport.mcp_session_id
        self.open = 0
        self.last_used = anyio.current_time()
        self.closed = False
        self.scope = anyio.CancelScope()
        # The client's requests the server has not answered, each with its progress token: progress notifications go
        # with the request that asked for them (all else the server sends unasked goes to the GET stream), and if the
        # server ends, each is answered with an error at once.
        self.pending = {}

    async def run(self, *, task_status=anyio.TASK_STATUS_IGNORED):
        try:
            with self.scope:
                async with self.transport.connect() as (http_read, http_write):
                    task_status.started()
                    async with anyio.create_task_group() as relay:
                        relay.start_soon(self.to_server, http_read)
                        if await self.from_server(http_write) and not self.closed:
                            _, how = await self.child.ended()
                            say(f"the stdio server of session {self.id} {how}; the session ends")
                            error = {"code": -32603, "message": f"the stdio server {how}"}
                            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                                for request in list(self.pending):
                                    await http_write.send(SessionMessage(jsonrpc({"jsonrpc": "2.0", "id": request, "error": error})))
                        relay.cancel_scope.cancel()
        except Exception as error:
            # One session's failure ends that session, never the bridge or the others.
            say(f"session {self.id} failed: {error!r}")
        finally:
            self.close()

    async def to_server(self, http_read):
        # Either stream closing ends the relay: the session was ended (DELETE), or the server's process was.
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream):
            async for message in http_read:
                if isinstance(message, Exception):
                    continue
                inner = fields(message)
                if getattr(inner, "method", None) is not None and getattr(inner, "id", None) is not None:
                    params = inner.params if isinstance(inner.params, dict) else {}
                    meta = params.get("_meta")
                    self.pending[inner.id] = meta.get("progressToken") if isinstance(meta, dict) else None
                await self.child.write.send(SessionMessage(message.message))

    async def from_server(self, http_write):
        """Relays until the server's output ends (True) or the session does (False)."""
        try:
            async for message in self.child.read:
                if isinstance(message, Exception):
                    continue
                inner = fields(message)
                method = getattr(inner, "method", None)
                related = None
                if method == "notifications/progress" and isinstance(inner.params, dict):
                    token = inner.params.get("progressToken")
                    related = next((r for r, t in self.pending.items() if t is not None and t == token), None)
                if method is None:
                    self.pending.pop(getattr(inner, "id", None), None)
                metadata = ServerMessageMetadata(related_request_id=related) if related is not None else None
                await http_write.send(SessionMessage(message.message, metadata=metadata))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False
        return True

    def close(self):
        if self.closed:
            return
        self.closed = True
        sessions.pop(self.id, None)
        self.child.stop()
        self.scope.cancel()
        replenish()


sessions = {}
# A process started ahead of the next session, so that its initialize need not wait for one to start. It counts among
# MAX_SESSIONS: there are never more processes of the server than that.
spare = None
serving = False
stopping = False
tasks = None


def replenish():
    """Starts the next spare, once the last was taken, while there is room for a process."""
    global spare
    if spare is None and serving and not stopping and len(sessions) < MAX_SESSIONS:
        spare = Child()
        tasks.start_soon(spare.run)


def room():
    """Room for one more session: true once the one unused the longest, with no request open, has gone."""
    if len(sessions) < MAX_SESSIONS:
        return True
    idle = sorted((s for s in sessions.values() if s.open == 0), key=lambda s: s.last_used)
    if not idle:
        return False
    say(f"session {idle[0].id} ends, unused the longest, to make room for a new one (at most {MAX_SESSIONS} at once)")
    idle[0].close()
    return True


async def take_process():
    global spare
    child, spare = spare, None
    if child is not None:
        await child.started.wait()
        if child.alive():
            return child
        child.stop()
        if child.error is None:
            say(f"a process of the stdio server, started for the next session, {(await child.ended())[1]}")
    child = Child()
    tasks.start_soon(child.run)
    await child.started.wait()
    if child.error is not None:
        raise child.error
    return child


async def open_session():
    session = Session(await take_process())
    sessions[session.id] = session
    await tasks.start(session.run)
    return session


async def serve(session, scope, receive, send):
    """Hands one request to the session's transport; returns the HTTP status it answered."""
    status = None

    async def watched(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    session.open += 1
    try:
        await session.transport.handle_request(scope, receive, watched)
    finally:
        session.open -= 1
        session.last_used = anyio.current_time()
    if session.transport.is_terminated:
        session.close()
    return status


async def answer(send, status, content_type, text):
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def rpc_error(send, status, code, message):
    await answer(send, status, "application/json", json.dumps({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": None}))


def is_initialize(body):
    return any(is_initialize(b) for b in body) if isinstance(body, list) else isinstance(body, dict) and body.get("method") == "initialize"


async def read_body(receive):
    """The request's body, or None when it is larger than MAX_BODY or the client went away."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            return None
        if not message.get("more_body", False):
            return body


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] not in ("/mcp", "/mcp/"):
        if scope["path"] == "/":
            return await answer(send, 200, "text/plain; charset=utf-8", f"{SERVER}: a stdio MCP server, served by Slipway at /mcp\n")
        return await answer(send, 404, "text/plain; charset=utf-8", "Not Found: this MCP server is at /mcp\n")
    session_id = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"mcp-session-id"), None)
    if session_id is not None:
        session = sessions.get(session_id)
        if session is None:
            return await rpc_error(send, 404, -32001, "Session not found")
        await serve(session, scope, receive, send)
        return
    if scope["method"] != "POST":
        return await sessionless.handle_request(scope, receive, send)
    body = await read_body(receive)
    if body is None:
        return await rpc_error(send, 413, -32600, f"Request body larger than {MAX_BODY} bytes")
    replayed = False

    async def replay():
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not is_initialize(parsed):
        return await sessionless.handle_request(scope, replay, send)
    if not room():
        return await rpc_error(send, 503, -32000, f"Too many open sessions: at most {MAX_SESSIONS}, each a process of the server")
    session = await open_session()
    status = await serve(session, scope, replay, send)
    # Refused (a bad initialize): nothing was established, and its process goes.
    if status is None or status >= 400:
        session.close()
    # The next spare starts once this session's initialize is answered, not while it waits on its own process.
    replenish()


# Answers what reaches /mcp without a session and is no initialize as the SDK does (400), with no process behind it.
sessionless = StreamableHTTPServerTransport(uuid.uuid4().hex)


async def drain(transport, *, task_status=anyio.TASK_STATUS_IGNORED):
    async with transport.connect() as (read, _):
        task_status.started()
        async for _ in read:
            pass


async def main():
    global spare, serving, stopping, tasks
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ["PORT"])
    async with anyio.create_task_group() as outer:
        async with anyio.create_task_group() as tasks:
            # The first process starts with the bridge, which listens only once it answers: a server that cannot start
            # fails the app's start, with its own exit code and its stderr in the app's log. It serves the first session.
            spare = Child()
            tasks.start_soon(spare.run)
            await spare.started.wait()
            if spare.error is not None:
                os._exit(1)
            await answered(spare)
            serving = True
            await outer.start(drain, sessionless)
            # uvicorn raises the signal it stopped for again once it has; this handler takes it, so that the bridge
            # ends its sessions and their processes (stdin closed, then SIGTERM, as the SDK does) before it exits.
            signal.signal(signal.SIGTERM, lambda *_: None)
            config = uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning", access_log=False,
                                    timeout_graceful_shutdown=3)
            say(f"serving the stdio MCP server {SERVER} as Streamable HTTP at /mcp on {host}:{port}, a process of it per session")
            await uvicorn.Server(config).serve()
            stopping = True
            for session in list(sessions.values()):
                session.close()
            if spare is not None:
                spare.stop()
        outer.cancel_scope.cancel()


anyio.run(main)
