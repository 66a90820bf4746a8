"""A Kakao that takes the connection and then stalls: it never answers, or drips its answer a byte a second.

A tiny threaded HTTP server of the test's own, so the blog's calls to Kakao meet a real
socket that misbehaves the way a congested network or a stuck proxy does. Either way it
gives up after GIVE_UP_SECONDS and closes the connection, so a client with no deadline
still ends and a failing test stays bounded.
"""

import json
import socketserver
import threading
import time

HANG = "hang"
DRIP = "drip"
GIVE_UP_SECONDS = 5.0
DRIP_INTERVAL = 1.0
MAX_HEADER_LINES = 100

# What Kakao would have answered, had it answered: the code exchange and /v2/user/me.
ANSWERS = {
    "/oauth/token": {
        "token_type": "bearer",
        "access_token": "fake-kakao-access-token",
        "expires_in": 21599,
        "refresh_token": "fake-kakao-refresh-token",
        "refresh_token_expires_in": 5183999,
    },
    "/v2/user/me": {"id": 4100000001, "kakao_account": {"profile": {"nickname": "느린 카카오"}}},
}


class _StallingHandler(socketserver.StreamRequestHandler):
    server: "FakeKakao"

    def handle(self) -> None:
        path = self._read_request()
        self.server.paths.append(path)
        if self.server.behaviour == HANG:
            self.server.stopping.wait(GIVE_UP_SECONDS)
            return
        body = json.dumps(ANSWERS.get(path, {}), ensure_ascii=False).encode()
        answer = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        give_up_at = time.monotonic() + GIVE_UP_SECONDS
        for byte in answer:
            if self.server.stopping.wait(DRIP_INTERVAL) or time.monotonic() > give_up_at:
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def _read_request(self) -> str:
        """Read the request line, headers and body; return the path."""
        request_line = self.rfile.readline(8192).decode("latin-1")
        length = 0
        for _line in range(MAX_HEADER_LINES):
            header = self.rfile.readline(8192).decode("latin-1").strip()
            if not header:
                break
            name, _, value = header.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        self.rfile.read(min(length, 65536))
        parts = request_line.split()
        return parts[1].split("?")[0] if len(parts) > 1 else ""


class FakeKakao(socketserver.ThreadingTCPServer):
    """Serve a stalling Kakao on 127.0.0.1:``port`` (0: any free port) in background threads, as a context manager."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, behaviour: str, *, port: int = 0) -> None:
        if behaviour not in (HANG, DRIP):
            raise ValueError(f"behaviour must be {HANG!r} or {DRIP!r}")
        super().__init__(("127.0.0.1", port), _StallingHandler)
        self.behaviour = behaviour
        self.stopping = threading.Event()
        self.paths: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeKakao":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()  # stalled handlers return at once
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)
