"""The HTTP face: ``GET /authorize`` for nginx's ``auth_request``, and ``GET /healthz``.

200 with ``X-User-Id`` and ``X-User-Roles`` for a valid access token; 401 with
``WWW-Authenticate`` (RFC 6750) otherwise; 503 when the blog's keys cannot be had.
The answer has no body: nginx reads only the status and the headers.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from verifier.tokens import AccessTokenVerifier, KeysUnavailable, MissingToken, Refused

REALM = "api"
MAX_CONNECTIONS = 64  # each connection is a thread: a flood of them must not exhaust the process
IDLE_SECONDS = 30  # a keep-alive connection from nginx, or a client that sends nothing


class VerifierServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding one verifier; beyond MAX_CONNECTIONS it closes new connections at once."""

    daemon_threads = True
    block_on_close = False  # an idle keep-alive connection must not hold up a shutdown
    log_requests = False

    def __init__(self, address: tuple[str, int], verifier: AccessTokenVerifier) -> None:
        self.verifier = verifier
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, AuthorizeHandler)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:
        # A client that hung up before its answer is not an error of ours: no traceback on stderr.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class AuthorizeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: nginx reuses its connections to us
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle and delayed ACKs add 40 ms to each answer.
    disable_nagle_algorithm = True
    server_version = "verifier"
    sys_version = ""
    timeout = IDLE_SECONDS
    server: VerifierServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/authorize":
            self.authorize()
        elif path == "/healthz":
            self.healthz()
        else:
            self.answer(404, body={"error": "not_found"})

    def authorize(self) -> None:
        try:
            identity = self.server.verifier.verify_authorization(self.headers.get("Authorization"))
        except MissingToken:
            self.answer(401, headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'})
        except Refused as refused:
            challenge = f'Bearer realm="{REALM}", error="invalid_token", error_description="{refused.description}"'
            self.answer(401, headers={"WWW-Authenticate": challenge})
        except KeysUnavailable:
            self.answer(503, headers={"Retry-After": "5"})
        else:
            self.answer(200, headers={"X-User-Id": identity.user_id, "X-User-Roles": ",".join(identity.roles)})

    def healthz(self) -> None:
        try:
            keys = len(self.server.verifier.keys.get_signing_keys())
        except Exception:  # whatever the JWKS did, health is a yes or no
            self.answer(503, body={"status": "keys_unavailable"})
        else:
            self.answer(200, body={"status": "ok", "keys": keys})

    def answer(self, status: int, *, headers: dict[str, str] | None = None, body: dict | None = None) -> None:
        content = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        # The default log line is the request line only, never the Authorization header.
        if self.server.log_requests:
            super().log_message(format, *args)


def make_server(
    verifier: AccessTokenVerifier, *, host: str = "127.0.0.1", port: int = 0, log_requests: bool = False
) -> VerifierServer:
    """Return a server (not yet serving) on ``host:port``; port 0 takes a free one."""
    server = VerifierServer((host, port), verifier)
    server.log_requests = log_requests
    return server
