# Tries, on request, what a hostile Python app would try against the kernel's per-user limits, which no namespace
# separates, and reports what happened. GET /inotify?all=1 takes every inotify instance the kernel gives it and keeps
# them; GET /inotify opens one and closes it again. / says which uid it runs as.
import ctypes
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

libc = ctypes.CDLL(None, use_errno=True)
held = []


def inotify(everything):
    if everything:
        while len(held) < 100000:
            fd = libc.inotify_init()
            if fd < 0:
                return {"held": len(held), "errno": ctypes.get_errno()}
            held.append(fd)
    fd = libc.inotify_init()
    if fd < 0:
        return {"ok": False, "errno": ctypes.get_errno()}
    os.close(fd)
    return {"ok": True}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/inotify":
            result = inotify(query.get("all") == ["1"])
        else:
            result = {"app": "hostile-py", "uid": os.getuid()}
        body = json.dumps(result).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


HTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ["PORT"])), Handler).serve_forever()
