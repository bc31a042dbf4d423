"""A receiver on loopback for the tests of notices: every POST recorded
(path, headers, JSON body); `fail` answers the next ones with these statuses."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A loopback HTTP server recording every request; `fail` answers the next N with a status."""

    def __init__(self):
        self.requests = []
        self.fail = []  # statuses to answer with first, in order
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                outer.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": json.loads(body or b"{}")})
                status = outer.fail.pop(0) if outer.fail else 202
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def at(self, prefix):
        return [r for r in self.requests if r["path"].startswith(prefix)]
