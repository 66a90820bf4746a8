"""A "members only" service behind nginx: it has no keys and trusts only the authorizer's headers.

    python -m verifier.members_demo [--host H] [--port N]

nginx asks the verifier about every request to /members/ (``auth_request``) and passes
on the user it named in ``X-User-Id`` and ``X-User-Roles``, replacing whatever the client
sent under those names. This service never sees a token. /public/ is open to anyone (the
benchmark's "no authorizer" baseline). ``GET /_seen`` (not routed by nginx) counts the
requests to /members/ that arrived without a user: it must stay 0.

A path that nginx and this service could read as two different places (``..``, ``%2e%2e``,
an encoded ``/`` or ``\\``) is refused with 400 before anything else: nginx sends the path it
matched, so only a proxy set up otherwise ever passes one on.
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def is_ambiguous(path: str) -> bool:
    """Return whether servers could read ``path`` as different places: a dot segment, an encoded slash or a backslash.

    Segments are compared percent-decoded and without ``;`` parameters (``%2e%2e``, ``..;``),
    as some servers read them.
    """
    if any(encoded in path.lower() for encoded in ("%2f", "%5c")) or "\\" in path:
        return True
    return any(segment.split(";", 1)[0] in {".", ".."} for segment in unquote(path).split("/"))


class MembersServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # an idle keep-alive connection must not hold up a shutdown

    def __init__(self, address: tuple[str, int]) -> None:
        self.lock = threading.Lock()
        self.members_requests = 0
        self.without_user = 0
        super().__init__(address, MembersHandler)


class MembersHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle and delayed ACKs add 40 ms to each answer.
    disable_nagle_algorithm = True
    server_version = "members-demo"
    sys_version = ""
    timeout = 30
    server: MembersServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            # A GET body this server never reads would be read as the next request on the
            # connection (request smuggling, with any X-User-* it likes): refuse it and hang up.
            self.close_connection = True
            self.answer(400, {"error": "body_not_accepted"})
        elif is_ambiguous(path):
            self.answer(400, {"error": "ambiguous_path"})
        elif path.startswith("/members/"):
            self.members()
        elif path.startswith("/public/"):
            self.answer(200, {"message": "Open to anyone: nobody asked who you are."})
        elif path == "/_seen":
            with self.server.lock:
                self.answer(
                    200, {"members_requests": self.server.members_requests, "without_user": self.server.without_user}
                )
        else:
            self.answer(404, {"error": "not_found"})

    def members(self) -> None:
        user_id = self.headers.get("X-User-Id", "")
        roles = [role for role in self.headers.get("X-User-Roles", "").split(",") if role]
        with self.server.lock:
            self.server.members_requests += 1
            self.server.without_user += not user_id
        if not user_id:
            self.answer(401, {"error": "no_verified_user"})
            return
        self.answer(200, {"user_id": user_id, "roles": roles, "message": f"Welcome, member {user_id}."})

    def answer(self, status: int, body: dict) -> None:
        content = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m verifier.members_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8200)
    args = parser.parse_args()
    server = MembersServer((args.host, args.port))
    print(f"members demo on http://{args.host}:{server.server_port}/members/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
