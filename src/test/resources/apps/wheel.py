# A Python app whose requirement comes from a wheel the test built.
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import slipway_testpkg


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = slipway_testpkg.greet().encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ["PORT"])), Handler).serve_forever()
