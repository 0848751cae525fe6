# Answers how many of the standard library's cached bytecode files (.pyc) are stale: older than, or of another size
# than, the source they were compiled from. Python compiles a stale one again at every import when it cannot write it.
import importlib.util
import json
import os
import struct
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

MODULES = ["json", "http.server", "email.parser", "urllib.request", "asyncio", "logging", "socketserver"]


def stale():
    found = []
    for name in MODULES:
        source = importlib.util.find_spec(name).origin
        cached = importlib.util.cache_from_source(source)
        if not os.path.exists(cached):
            found.append(name + ": no .pyc")
            continue
        with open(cached, "rb") as f:
            header = f.read(16)
        flags, mtime, size = struct.unpack("<III", header[4:16])
        st = os.stat(source)
        if flags == 0 and (mtime != int(st.st_mtime) & 0xFFFFFFFF or size != st.st_size & 0xFFFFFFFF):
            found.append(name + ": stale")
    return found


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"stale": stale(), "python": sys.version}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ["PORT"])), Handler).serve_forever()
