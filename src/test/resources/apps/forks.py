# A fork bomb on request: GET /fork?n=N forks up to N children that sleep, stops at the first fork the kernel refuses,
# and answers how many it made and whether one was refused; then its children exit. / tells where Python runs from.
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/fork":
            result = fork(int(parse_qs(url.query).get("n", ["10"])[0]))
        else:
            result = {"app": "forks", "prefix": sys.prefix, "executable": sys.executable, "uid": os.getuid()}
        body = json.dumps(result).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def fork(n):
    children, refused = [], None
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as e:
            refused = e.strerror
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return {"forked": len(children), "refused": refused}


HTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ["PORT"])), Handler).serve_forever()
