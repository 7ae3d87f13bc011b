"""A calendar server's stand-in for the slow or failing network in front of a real one (Radicale):
every request waits `delay` seconds, or the next `failures` are answered 503; requests are counted.
For the tests and the benchmarks of asking a panel's calendars."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class Proxy:
    """A CalDAV server's stand-in in front of Radicale: waits `delay` seconds, or answers 503 for
    the next `failures` requests; counts what it is asked."""

    def __init__(self, target: str) -> None:
        self.target, self.delay, self.failures, self.requests = target.rstrip("/"), 0.0, 0, 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle_one(self) -> None:
                proxy.requests += 1
                time.sleep(proxy.delay)
                if proxy.failures:
                    proxy.failures -= 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                keep = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(self.command, proxy.target + self.path, headers=keep, content=body)
                self.send_response(answer.status_code)
                for name in ("Content-Type", "DAV", "ETag"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
